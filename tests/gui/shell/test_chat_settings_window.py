"""A chat's settings in the real window, against the fake Segmind: the panel opens
beside the conversation, only the changed fields are sent (the server's log shows it),
the system prompt goes first, an invalid value cannot be sent, a refused field can be
left out, presets start chats, and it all survives reopening the history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.main_window import MainWindow
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

WAIT_MS = 15_000
PIRATE = {"format": 1, "name": "Pirate", "system": "Answer like a pirate.",
          "parameters": {"temperature": 0.35}}


@pytest.fixture
def presets_dir(tmp_path: Path) -> Path:
    return tmp_path / "presets"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


def open_window(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, presets_dir: Path
) -> MainWindow:
    config = ClientConfig(base_url=server.base_url, connect_timeout=5, read_timeout=5)
    clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, retry=FAST_RETRY)
    win = windows.open(clients, store, presets_dir=presets_dir)
    win.resize(1000, 700)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.waitUntil(lambda: win.presets.library.loaded, timeout=WAIT_MS)
    return win


@pytest.fixture
def window(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind, store: Store, presets_dir: Path
) -> Iterator[MainWindow]:
    fake_segmind.configure(reply="Arr, matey.")
    win = open_window(qtbot, windows, fake_segmind, store, presets_dir)
    yield win
    win.close()


def named(root: QWidget, name: str) -> Any:
    """The widget a screen reader knows as ``name`` (exactly one)."""
    found = [w for w in root.findChildren(QWidget) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} widgets named {name!r}"
    return found[0]


def open_panel(qtbot: QtBot, tab: ChatTab) -> QWidget:
    qtbot.keyClick(
        tab.composer.input, Qt.Key.Key_Comma,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    panel = tab.chat_settings.panel
    assert panel is not None
    qtbot.waitUntil(panel.isVisible)
    return panel


def type_into(qtbot: QtBot, widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:  # (QTest cannot type "é": a text edit takes it as if pasted)
        assert isinstance(widget, QPlainTextEdit)
        widget.insertPlainText(text)


def send(qtbot: QtBot, tab: ChatTab, server: FakeSegmind, text: str) -> dict[str, Any]:
    before = len(server.chat_requests)
    qtbot.keyClicks(tab.composer.input, text)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(server.chat_requests) > before, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    body: dict[str, Any] = server.chat_requests[-1].json
    return body


def fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("messages", "stream")}


def test_the_panel_opens_beside_the_conversation_and_sends_only_what_changed(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    body = send(qtbot, tab, fake_segmind, "Before any settings")
    assert fields(body) == {}  # every parameter at the server's default: nothing sent
    panel = open_panel(qtbot, tab)
    assert named(panel, "System prompt").hasFocus()
    # Beside the conversation, not over it.
    assert panel.geometry().left() >= tab.view.mapTo(tab, tab.view.rect().topRight()).x()
    for name in ("Temperature", "Top P", "Max tokens"):
        assert named(panel, name).text() == ""
        assert named(panel, name).placeholderText() == "Server default"
    type_into(qtbot, named(panel, "System prompt"), "Answer like a pirate.")
    type_into(qtbot, named(panel, "Temperature"), "0.35")
    assert "next request" in panel.findChild(QLabel, "chat_settings_note").text()
    header = tab.header.instructions
    assert header.isVisible() and header.full == "Instructions: Answer like a pirate."
    body = send(qtbot, tab, fake_segmind, "Where is the treasure?")
    assert fields(body) == {"temperature": 0.35}  # no top_p, no max_tokens
    assert body["messages"][0] == {"role": "system", "content": "Answer like a pirate."}
    assert [m["role"] for m in body["messages"]] == [
        "system", "user", "assistant", "user"
    ]
    # The reply records what it was asked with, shown in its details.
    last = tab.model.rowCount() - 1
    assert tab.model.index(last).data(Qt.ItemDataRole.ToolTipRole).startswith(
        "Asked with temperature 0.35"
    )
    first_reply = tab.model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    assert first_reply.startswith("Asked with the server's defaults")
    # Reset goes back to the server's default: not sent any more.
    qtbot.mouseClick(named(panel, "Reset Temperature to the server default"),
                     Qt.MouseButton.LeftButton)
    assert fields(send(qtbot, tab, fake_segmind, "And now?")) == {}
    prompt = named(panel, "System prompt")
    prompt.setFocus()
    qtbot.waitUntil(prompt.hasFocus)
    qtbot.keyClick(prompt, Qt.Key.Key_Escape)
    assert not panel.isVisible()
    assert tab.header.settings_button.hasFocus()  # the keyboard is back where it opened


def test_a_system_message_the_user_wrote_stays_in_its_place(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    tab.submit(Role.SYSTEM, "Mid-chat note")
    panel = open_panel(qtbot, tab)
    type_into(qtbot, named(panel, "System prompt"), "Be brief.")
    body = send(qtbot, tab, fake_segmind, "Hi")
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", "Be brief."), ("system", "Mid-chat note"), ("user", "Hi"),
    ]


def test_an_invalid_value_shows_its_reason_and_cannot_be_sent(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    panel = open_panel(qtbot, tab)
    cases = [
        ("Temperature", "3", "Temperature must be between 0 and 2."),
        ("Top P", "1.5", "Top P must be between 0 and 1."),
        ("Max tokens", "0", "Max tokens must be between 1 and 65,536."),
        ("Max tokens", "lots", "Max tokens must be a whole number."),
    ]
    for name, text, reason in cases:
        field = named(panel, name)
        type_into(qtbot, field, text)
        assert field.accessibleDescription() == reason
        label = panel.findChild(QLabel, f"reason_{field.objectName().removeprefix('parameter_')}")
        assert label.isVisible() and label.text() == reason
        qtbot.keyClicks(tab.composer.input, "Will this go?")
        qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
        assert tab.notice.isVisible() and reason in tab.notice.message.text()
        assert tab.composer.input.toPlainText() == "Will this go?"  # nothing typed is lost
        assert fake_segmind.chat_requests == []
        type_into(qtbot, field, "")
        tab.composer.input.clear()
    extra = named(panel, "Extra request fields")
    for text, reason in [
        ("[1, 2]", "must be a JSON object"),
        ('{"stream": false}', "may not set “stream”"),
        ('{"seed": ', "Not valid JSON"),
    ]:
        type_into(qtbot, extra, text)
        assert reason in extra.accessibleDescription()
    type_into(qtbot, extra, '{"seed": 7, "stop": ["Arr"]}')
    assert extra.accessibleDescription() == ""
    body = send(qtbot, tab, fake_segmind, "Now it goes")
    assert fields(body) == {"seed": 7, "stop": ["Arr"]}


@pytest.mark.parametrize(
    ("status", "field", "typed"),
    [(422, "top_p", ("Top P", "0.5")), (400, "seed", ("Extra request fields", '{"seed": 3}'))],
)
def test_a_refused_field_can_be_left_out_and_that_is_remembered(
    qtbot: QtBot, windows: Windows, window: MainWindow, fake_segmind: FakeSegmind,
    store: Store, presets_dir: Path, status: int, field: str, typed: tuple[str, str],
) -> None:
    fake_segmind.configure(reject_fields=(field,), reject_fields_status=status)
    tab = window.current_tab()
    panel = open_panel(qtbot, tab)
    type_into(qtbot, named(panel, typed[0]), typed[1])
    type_into(qtbot, named(panel, "Temperature"), "0.2")
    before = len(fake_segmind.chat_requests)
    qtbot.keyClicks(tab.composer.input, "Question kept")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(tab.banner.isVisible, timeout=WAIT_MS)
    assert f"Segmind did not accept {field} ({status})" in tab.banner.message.text()
    button = tab.banner.findChild(QPushButton, "error_send_without")
    assert button.isVisible() and button.text() == f"Send without {field}"
    assert len(fake_segmind.chat_requests) > before
    assert tab.model.messages()[0].content == "Question kept"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.messages()[-1].content == "Arr, matey.", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    body = fake_segmind.chat_requests[-1].json
    assert field not in body and body["temperature"] == 0.2
    assert [m["content"] for m in body["messages"]] == ["Question kept"]
    assert field in panel.findChild(QLabel, "omitted_fields").text()
    # Remembered for the chat: the next request leaves it out too, also after reopening.
    assert field not in send(qtbot, tab, fake_segmind, "Again")
    cid = window.session.conversation_id(tab)
    assert cid is not None
    assert store.chat_settings.get(cid).omitted == {field}
    window.close()
    again = open_window(qtbot, windows, fake_segmind, store, presets_dir)
    reopened = again.open_conversation(cid)
    assert reopened.chat_settings.settings().omitted == {field}
    assert field not in send(qtbot, reopened, fake_segmind, "After reopening")
    again.close()


def test_settings_survive_reopening_and_travel_in_the_export(
    qtbot: QtBot, windows: Windows, window: MainWindow, fake_segmind: FakeSegmind,
    store: Store, presets_dir: Path,
) -> None:
    tab = window.current_tab()
    panel = open_panel(qtbot, tab)
    type_into(qtbot, named(panel, "System prompt"), "Réponds en français.")
    type_into(qtbot, named(panel, "Max tokens"), "500")
    send(qtbot, tab, fake_segmind, "Bonjour")
    cid = window.session.conversation_id(tab)
    assert cid is not None
    window.close()
    again = open_window(qtbot, windows, fake_segmind, store, presets_dir)
    reopened = again.session.tab_of(cid) or again.open_conversation(cid)
    assert reopened.chat_settings.settings().system == "Réponds en français."
    assert reopened.header.instructions.full == "Instructions: Réponds en français."
    body = send(qtbot, reopened, fake_segmind, "Encore")
    assert fields(body) == {"max_tokens": 500}
    assert body["messages"][0]["content"] == "Réponds en français."
    from mixtral_desktop.core.storage import transfer

    info = store.conversation(cid)
    assert info is not None
    data = transfer.to_json(info, store.tree(cid), store.chat_settings.get(cid))
    assert data["settings"]["system"] == "Réponds en français."
    replies = [n for n in data["nodes"] if n.get("role") == "assistant"]
    assert replies[-1]["parameters"] == {"max_tokens": 500}
    again.close()


def test_a_preset_file_starts_a_chat_and_the_tab_shows_its_name(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind, presets_dir: Path
) -> None:
    library = window.presets.library
    with qtbot.waitSignal(library.changed, timeout=WAIT_MS):
        (presets_dir / "pirate.json").write_text(json.dumps(PIRATE), encoding="utf-8")
    menu = window.findChild(QWidget, "new_chat_with_preset")
    window.presets.fill_menu(menu)
    names = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert names[0] == "Pirate" and len(names) >= 6  # the user's first, then the built-in
    next(a for a in menu.actions() if a.text() == "Pirate").trigger()
    tab = window.current_tab()
    assert tab.header.badge.text() == "Pirate"
    index = window.tabs.indexOf(tab)
    assert window.tabs.tabToolTip(index).endswith("Preset: Pirate")
    body = send(qtbot, tab, fake_segmind, "Ahoy?")
    assert body["messages"][0] == {"role": "system", "content": "Answer like a pirate."}
    assert fields(body) == {"temperature": 0.35}
    # Changed by hand, the chat no longer follows the preset.
    panel = open_panel(qtbot, tab)
    type_into(qtbot, named(panel, "Temperature"), "0.9")
    assert not tab.header.badge.isVisible()
    assert "Preset" not in window.tabs.tabToolTip(index)


def test_each_change_is_in_the_history_at_once(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    """What a kill -9 would find: another connection reads the settings as typed, before
    anything is sent (a new chat is made for them)."""
    tab = window.current_tab()
    panel = open_panel(qtbot, tab)
    type_into(qtbot, named(panel, "System prompt"), "Keep it short.")
    type_into(qtbot, named(panel, "Top P"), "0.9")
    cid = window.session.conversation_id(tab)
    assert cid is not None
    with Store.open(store.path) as other:
        kept = other.chat_settings.get(cid)
    assert (kept.system, kept.top_p, kept.temperature) == ("Keep it short.", 0.9, None)


def test_the_default_preset_starts_every_new_chat_and_is_kept_in_the_settings_file(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    from mixtral_desktop.core.config import settings as settings_store

    library_window = window.presets.open_library()
    window.presets.set_default("builtin:concise")
    qtbot.waitUntil(
        lambda: settings_store.load().default_preset == "builtin:concise", timeout=WAIT_MS
    )
    library_window.close()
    tab = window.new_tab()
    assert tab.header.badge.text() == "Concise answerer"
    body = send(qtbot, tab, fake_segmind, "Capital of Peru?")
    assert body["messages"][0]["content"].startswith("Answer in as few words")
    # Its example turns come after the instructions, before the question.
    assert [m["role"] for m in body["messages"]] == [
        "system", "user", "assistant", "user", "assistant", "user"
    ]
    window.presets.set_default("")  # none: new chats start blank again
    assert window.new_tab().chat_settings.settings().is_default()
