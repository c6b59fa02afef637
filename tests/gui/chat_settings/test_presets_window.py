"""The presets library window: the folder followed live, broken files left alone, the
built-in presets read-only, and every button writing (or not) the files it should."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.domain.builtin_presets import BUILTIN_PRESETS
from mixtral_desktop.core.domain.chat_settings import ChatSettings, Example
from mixtral_desktop.core.domain.presets import parse_preset
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.chat_settings.library_browser import ID_ROLE
from mixtral_desktop.ui.chat_settings.library_window import BUTTONS, PresetsWindow
from mixtral_desktop.ui.theme.palette import LIGHT as PALETTE
from mixtral_desktop.ui.workers.tasks import TaskGroup

BROKEN = b'{"name": }'  # "Not valid JSON (line 1, column 10): Expecting value."
FILE_BUTTONS = ("edit", "rename", "delete")
PRESET_BUTTONS = ("duplicate", "export", "default", "new_chat")


def preset_text(name: str, **fields: object) -> str:
    return json.dumps({"format": 1, "name": name, **fields}, indent=2)


class Chat:
    """What the window asks for "Save this chat's settings" (None: no chat open)."""

    settings: ChatSettings | None = ChatSettings(
        system="Answer in one sentence.", temperature=0.3, max_tokens=200,
        extra={"seed": 7}, examples=(Example("Hi?", "Hello."),),
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "presets"
    made.mkdir()
    return made


@pytest.fixture
def library(
    qtbot: QtBot, folder: Path, executors: Executors, tasks: TaskGroup
) -> Iterator[PresetLibrary]:
    made = PresetLibrary(folder, executors, tasks.child("presets"))
    with qtbot.waitSignal(made.changed):
        made.start()
    yield made
    made.deleteLater()


@pytest.fixture
def work(tasks: TaskGroup) -> TaskGroup:
    return tasks.child("presets window")


@pytest.fixture
def chat() -> Chat:
    return Chat()


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def window(
    qtbot: QtBot, library: PresetLibrary, work: TaskGroup, chat: Chat, warnings: list[str]
) -> PresetsWindow:
    made = PresetsWindow(library, work, lambda: chat.settings)
    setattr(made, "warn", warnings.append)  # noqa: B010 (a method replaced on the instance)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def rows(window: PresetsWindow) -> list[str]:
    listed = window.browser.list
    return [
        listed.item(r).text() for r in range(listed.count()) if not listed.item(r).isHidden()
    ]


def item(window: PresetsWindow, entry_id: str) -> QListWidgetItem:
    listed = window.browser.list
    found = [listed.item(r) for r in range(listed.count())]
    return next(i for i in found if i.data(ID_ROLE) == entry_id)


def choose(window: PresetsWindow, entry_id: str) -> None:
    window.browser.list.setCurrentItem(item(window, entry_id))
    current = window.browser.current()
    assert current is not None
    assert current.id == entry_id


def current_id(window: PresetsWindow) -> str | None:
    current = window.browser.current()
    return current.id if current is not None else None


def settle(qtbot: QtBot, work: TaskGroup) -> None:
    qtbot.waitUntil(lambda: not work.pending())


def answer(window: PresetsWindow, name: str, value: Any) -> list[tuple[Any, ...]]:
    """Make the window's question ``name`` answer ``value``; returns the questions."""
    asked: list[tuple[Any, ...]] = []

    def ask(*args: Any) -> Any:
        asked.append(args)
        return value

    setattr(window, name, ask)
    return asked


def add(folder: Path, file: str, name: str, **fields: object) -> Path:
    path = folder / file
    path.write_text(preset_text(name, **fields), encoding="utf-8")
    return path


def test_the_window_and_its_controls_are_named(window: PresetsWindow, chat: Chat) -> None:
    assert window.objectName() == "presets_library"
    assert window.windowTitle() == "Presets"
    assert window.accessibleName() == "Presets library"
    assert not window.isModal()
    assert window.browser.search.accessibleName() == "Search presets"
    assert window.browser.list.accessibleName() == "Presets"
    for key, text in BUTTONS:
        button = window.buttons[key]
        assert button.accessibleName() == text.replace("&", "")
        assert "&" in button.text()  # Alt+letter reaches it
    assert window.buttons["save_current"].isEnabled()
    chat.settings = None
    window.update_buttons()
    assert not window.buttons["save_current"].isEnabled()


def test_files_dropped_in_the_folder_appear_change_and_go_while_open(
    qtbot: QtBot, window: PresetsWindow, folder: Path
) -> None:
    pirate = add(folder, "pirate.json", "Pirate", system="Arr.")
    qtbot.waitUntil(lambda: "Pirate" in rows(window))
    choose(window, "file:pirate.json")
    assert window.browser.details.title.text() == "Pirate"
    assert window.browser.details.prompt.toPlainText() == "Arr."

    add(folder, "another.json", "Another")  # a new row does not move the selection
    qtbot.waitUntil(lambda: "Another" in rows(window))
    assert current_id(window) == "file:pirate.json"
    pirate.write_text(preset_text("Pirate captain", system="Arr!"), encoding="utf-8")
    qtbot.waitUntil(lambda: "Pirate captain" in rows(window))
    assert "Pirate" not in rows(window)
    assert current_id(window) == "file:pirate.json"  # kept through the change
    assert window.browser.details.title.text() == "Pirate captain"
    assert window.browser.details.prompt.toPlainText() == "Arr!"

    pirate.unlink()
    qtbot.waitUntil(lambda: "Pirate captain" not in rows(window))
    assert current_id(window) is not None  # a neighbour is selected instead
    assert window.browser.details.title.text() != "Pirate captain"


def test_a_broken_file_is_listed_with_its_reason_and_never_touched(
    qtbot: QtBot, window: PresetsWindow, folder: Path, tmp_path: Path, work: TaskGroup,
    warnings: list[str],
) -> None:
    broken = folder / "pirate.json"
    broken.write_bytes(BROKEN)
    before = broken.stat()
    qtbot.waitUntil(lambda: any(r.startswith("pirate.json — broken") for r in rows(window)))
    row = item(window, "file:pirate.json")
    assert row.text() == "pirate.json — broken: Not valid JSON (line 1, column 10): " \
        "Expecting value."
    assert row.foreground().color().name() == PALETTE.invalid
    assert row.font().italic()
    choose(window, "file:pirate.json")
    details = window.browser.details
    assert details.reason.text().startswith("Not valid JSON (line 1, column 10)")
    assert details.path.text() == str(broken)
    assert not details.prompt.isVisibleTo(details)
    for key in (*FILE_BUTTONS, *PRESET_BUTTONS):
        assert not window.buttons[key].isEnabled(), key

    # Everything the user could try: the disabled buttons, their keys, the methods.
    for key in (*FILE_BUTTONS, *PRESET_BUTTONS):
        qtbot.mouseClick(window.buttons[key], Qt.MouseButton.LeftButton)
    answer(window, "ask_name", "Renamed")
    answer(window, "ask_save_path", tmp_path / "exported.json")
    window.browser.list.setFocus()
    for press in (Qt.Key.Key_Delete, Qt.Key.Key_F2, Qt.Key.Key_Return):
        qtbot.keyClick(window.browser.list, press)
    with qtbot.assertNotEmitted(window.default_chosen), \
            qtbot.assertNotEmitted(window.new_chat_requested):
        for action in (window.edit_preset, window.rename_preset, window.delete_preset,
                       window.duplicate_preset, window.export_preset,
                       window.use_as_default, window.request_new_chat):
            action()
        settle(qtbot, work)
    assert window.editor is None
    assert broken.read_bytes() == BROKEN
    assert broken.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in folder.iterdir()) == ["pirate.json"]
    assert not (tmp_path / "exported.json").exists()
    assert warnings == []


def test_the_builtin_presets_are_listed_read_only(window: PresetsWindow) -> None:
    builtin = [r for r in rows(window) if r.endswith("(built-in)")]
    assert len(builtin) >= 5
    assert builtin == [f"{p.name} (built-in)" for p in BUILTIN_PRESETS]
    choose(window, "builtin:code-reviewer")
    for key in FILE_BUTTONS:
        assert not window.buttons[key].isEnabled(), key
    for key in PRESET_BUTTONS:
        assert window.buttons[key].isEnabled(), key
    details = window.browser.details
    assert details.kind.text().startswith("Built-in, read-only")
    assert details.prompt.isReadOnly()
    assert details.parameters.text() == "Parameters: Temperature 0.3"
    assert details.examples.text() == "Example turns: 0"
    choose(window, "builtin:concise")
    assert details.parameters.text() == "Parameters: Server default"
    assert details.examples.text() == "Example turns: 2"


def test_new_through_the_editor_refuses_an_invalid_value_then_writes_a_file(
    qtbot: QtBot, window: PresetsWindow, folder: Path
) -> None:
    qtbot.mouseClick(window.buttons["new"], Qt.MouseButton.LeftButton)
    editor = window.editor
    assert editor is not None
    qtbot.waitExposed(editor)
    assert editor.name_field.accessibleName() == "Preset name"
    assert not editor.ok_button.isEnabled()  # no name yet
    assert editor.reason.text() == "Give the preset a name."
    qtbot.keyClicks(editor.name_field, "Pirate")
    editor.form.system.setPlainText("Answer like a pirate.")
    temperature = editor.form.fields["temperature"].edit
    qtbot.keyClicks(temperature, "3")
    assert not editor.ok_button.isEnabled()
    assert editor.reason.isVisibleTo(editor)
    assert editor.reason.text() == "Temperature must be between 0 and 2."
    temperature.clear()
    qtbot.keyClicks(temperature, "0.35")
    assert editor.ok_button.isEnabled()
    assert not editor.reason.isVisibleTo(editor)
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)

    path = folder / "pirate.json"
    qtbot.waitUntil(lambda: current_id(window) == "file:pirate.json")
    preset = parse_preset(path.read_bytes(), "file:pirate.json")
    assert preset.name == "Pirate"
    assert preset.settings.system == "Answer like a pirate."
    assert preset.settings.temperature == 0.35
    assert window.editor is None


def test_edit_rewrites_the_same_file(
    qtbot: QtBot, window: PresetsWindow, folder: Path
) -> None:
    path = add(folder, "pirate.json", "Pirate", system="Arr.")
    qtbot.waitUntil(lambda: "Pirate" in rows(window))
    choose(window, "file:pirate.json")
    qtbot.mouseClick(window.buttons["edit"], Qt.MouseButton.LeftButton)
    editor = window.editor
    assert editor is not None
    assert editor.name_field.text() == "Pirate"
    assert editor.form.system.toPlainText() == "Arr."
    editor.form.system.setPlainText("Arr, matey.")
    editor.accept()
    qtbot.waitUntil(lambda: window.browser.details.prompt.toPlainText() == "Arr, matey.")
    assert parse_preset(path.read_bytes(), "x").settings.system == "Arr, matey."
    assert sorted(p.name for p in folder.iterdir()) == ["pirate.json"]


def test_duplicate_saves_a_copy(qtbot: QtBot, window: PresetsWindow, folder: Path) -> None:
    choose(window, "builtin:code-reviewer")
    qtbot.mouseClick(window.buttons["duplicate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Code reviewer (copy)" in rows(window))
    path = folder / "code-reviewer-copy.json"
    copy = parse_preset(path.read_bytes(), "x")
    original = next(p for p in BUILTIN_PRESETS if p.id == "builtin:code-reviewer")
    assert copy.name == "Code reviewer (copy)"
    assert copy.settings.steering() == original.settings.steering()
    assert current_id(window) == "file:code-reviewer-copy.json"


def test_rename_keeps_the_file_and_changes_the_name(
    qtbot: QtBot, window: PresetsWindow, folder: Path
) -> None:
    path = add(folder, "pirate.json", "Pirate", system="Arr.", parameters={"top_p": 0.5})
    qtbot.waitUntil(lambda: "Pirate" in rows(window))
    choose(window, "file:pirate.json")
    asked = answer(window, "ask_name", "Sea dog")
    qtbot.mouseClick(window.buttons["rename"], Qt.MouseButton.LeftButton)
    assert asked == [("Rename preset", "New name:", "Pirate")]
    qtbot.waitUntil(lambda: "Sea dog" in rows(window))
    assert sorted(p.name for p in folder.iterdir()) == ["pirate.json"]
    renamed = parse_preset(path.read_bytes(), "x")
    assert renamed.name == "Sea dog"
    assert renamed.settings.system == "Arr."
    assert renamed.settings.top_p == 0.5
    assert current_id(window) == "file:pirate.json"


def test_delete_then_undo_brings_back_the_same_bytes(
    qtbot: QtBot, window: PresetsWindow, folder: Path
) -> None:
    path = folder / "pirate.json"
    original = '\ufeff{ "format": 1,\n   "name": "Pirate" ,"system":"Arr."}'.encode()
    path.write_bytes(original)
    qtbot.waitUntil(lambda: "Pirate" in rows(window))
    choose(window, "file:pirate.json")
    qtbot.mouseClick(window.buttons["delete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not path.exists())
    qtbot.waitUntil(window.undo_bar.isVisible)
    assert window.undo_bar.message.text() == "Deleted “Pirate”."
    assert "Pirate" not in rows(window)
    qtbot.mouseClick(window.undo_bar.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current_id(window) == "file:pirate.json")
    assert path.read_bytes() == original
    assert not window.undo_bar.isVisible()


def test_import_copies_a_good_file_and_refuses_a_broken_one(
    qtbot: QtBot, window: PresetsWindow, folder: Path, tmp_path: Path, work: TaskGroup,
    warnings: list[str],
) -> None:
    outside = tmp_path / "downloads"
    outside.mkdir()
    good = outside / "shared.json"
    good.write_text(preset_text("Shared one", system="Be kind."), encoding="utf-8")
    answer(window, "ask_open_path", good)
    qtbot.mouseClick(window.buttons["import"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current_id(window) == "file:shared-one.json")
    assert (folder / "shared-one.json").read_bytes() == good.read_bytes()

    bad = outside / "bad.json"
    bad.write_text(preset_text("Too hot", parameters={"temperature": 3}), encoding="utf-8")
    answer(window, "ask_open_path", bad)
    window.import_preset()
    qtbot.waitUntil(lambda: bool(warnings))
    assert warnings == ["bad.json was not imported: Temperature must be between 0 and 2."]
    assert sorted(p.name for p in folder.iterdir()) == ["shared-one.json"]

    answer(window, "ask_open_path", outside / "missing.json")
    window.import_preset()
    qtbot.waitUntil(lambda: len(warnings) == 2)
    assert warnings[1].startswith("missing.json was not imported: missing.json cannot be read")
    answer(window, "ask_open_path", None)  # cancelled
    window.import_preset()
    settle(qtbot, work)
    assert len(warnings) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["shared-one.json"]


def test_export_writes_a_file_that_reads_back(
    qtbot: QtBot, window: PresetsWindow, tmp_path: Path
) -> None:
    choose(window, "builtin:translator")
    target = tmp_path / "shared" / "translator.json"
    asked = answer(window, "ask_save_path", target)
    qtbot.mouseClick(window.buttons["export"], Qt.MouseButton.LeftButton)
    assert asked == [("translator-en-fr-de-it-es.json",)]
    qtbot.waitUntil(target.exists)
    exported = parse_preset(target.read_bytes(), "x")
    original = BUILTIN_PRESETS[0]
    assert exported.name == original.name
    assert exported.settings.steering() == original.settings.steering()


def test_save_this_chats_settings_as_a_preset(
    qtbot: QtBot, window: PresetsWindow, folder: Path, chat: Chat
) -> None:
    answer(window, "ask_name", "One sentence")
    qtbot.mouseClick(window.buttons["save_current"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current_id(window) == "file:one-sentence.json")
    saved = parse_preset((folder / "one-sentence.json").read_bytes(), "x")
    assert chat.settings is not None
    assert saved.name == "One sentence"
    assert saved.settings.steering() == chat.settings.steering()

    chat.settings = None  # no chat: nothing is asked, nothing written
    asked = answer(window, "ask_name", "Never")
    window.save_current_settings()
    assert asked == []


def test_failures_are_said_not_raised(
    qtbot: QtBot, window: PresetsWindow, folder: Path, warnings: list[str]
) -> None:
    add(folder, "pirate.json", "Pirate")
    qtbot.waitUntil(lambda: "Pirate" in rows(window))
    choose(window, "file:pirate.json")
    answer(window, "ask_name", "   ")
    window.rename_preset()
    qtbot.waitUntil(lambda: bool(warnings))
    assert warnings == ["The preset could not be renamed: “name” must be a non-empty text."]
    assert parse_preset((folder / "pirate.json").read_bytes(), "x").name == "Pirate"


def test_use_as_default_emits_the_id_and_marks_the_row(
    qtbot: QtBot, window: PresetsWindow
) -> None:
    choose(window, "builtin:concise")
    with qtbot.waitSignal(window.default_chosen) as emitted:
        qtbot.mouseClick(window.buttons["default"], Qt.MouseButton.LeftButton)
    assert emitted.args == ["builtin:concise"]
    row = item(window, "builtin:concise")
    assert row.text() == "Concise answerer (built-in) — default"
    assert row.font().bold()
    window.set_default("builtin:tutor")
    assert not item(window, "builtin:concise").font().bold()
    assert item(window, "builtin:tutor").text().endswith("— default")
    window.set_default(None)
    assert not any(r.endswith("default") for r in rows(window))


def test_a_new_chat_with_a_preset_by_enter_double_click_or_button(
    qtbot: QtBot, window: PresetsWindow
) -> None:
    choose(window, "builtin:tutor")
    listed = window.browser.list
    listed.setFocus()
    with qtbot.waitSignal(window.new_chat_requested) as emitted:
        qtbot.keyClick(listed, Qt.Key.Key_Return)
    assert emitted.args == ["builtin:tutor"]
    with qtbot.waitSignal(window.new_chat_requested) as emitted:
        qtbot.mouseClick(window.buttons["new_chat"], Qt.MouseButton.LeftButton)
    assert emitted.args == ["builtin:tutor"]
    rect = listed.visualItemRect(item(window, "builtin:concise"))
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert current_id(window) == "builtin:concise"
    with qtbot.waitSignal(window.new_chat_requested) as emitted:
        qtbot.mouseDClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted.args == ["builtin:concise"]


def test_search_filters_by_name_and_system_prompt(
    qtbot: QtBot, window: PresetsWindow, folder: Path
) -> None:
    add(folder, "pirate.json", "Pirate", system="Answer like a buccaneer.")
    (folder / "broken.json").write_bytes(BROKEN)
    qtbot.waitUntil(lambda: len(rows(window)) == len(BUILTIN_PRESETS) + 2)
    search = window.browser.search
    qtbot.keyClicks(search, "PIRATE")
    assert rows(window) == ["Pirate"]
    assert current_id(window) == "file:pirate.json"
    search.setText("buccaneer")  # in the system prompt only
    assert rows(window) == ["Pirate"]
    search.setText("senior code reviewer")
    assert rows(window) == ["Code reviewer (built-in)"]
    search.setText("broken.json")
    assert rows(window) == [item(window, "file:broken.json").text()]
    search.setText("nothing like this")
    assert rows(window) == []
    assert current_id(window) is None
    assert window.browser.details.title.text() == "No preset matches the search."
    for key in (*FILE_BUTTONS, *PRESET_BUTTONS):
        assert not window.buttons[key].isEnabled(), key
    search.clear()
    assert len(rows(window)) == len(BUILTIN_PRESETS) + 2
