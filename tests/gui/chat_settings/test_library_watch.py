"""The presets library alone: it makes its folder, and follows it through the real
QFileSystemWatcher (files added, rewritten, removed while it runs; broken ones listed)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.domain.builtin_presets import BUILTIN_PRESETS
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.workers.tasks import TaskGroup


def preset_text(name: str, **fields: object) -> str:
    return json.dumps({"format": 1, "name": name, **fields}, indent=2)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "config" / "presets"  # not made yet: the library makes it


@pytest.fixture
def library(
    qtbot: QtBot, folder: Path, executors: Executors, tasks: TaskGroup
) -> Iterator[PresetLibrary]:
    made = PresetLibrary(folder, executors, tasks.child("presets"))
    yield made
    made.deleteLater()


def names(library: PresetLibrary) -> list[str]:
    return [f.name for f in library.files()]


def test_start_makes_a_missing_folder_and_lists_the_builtins(
    qtbot: QtBot, library: PresetLibrary, folder: Path
) -> None:
    assert not folder.exists()
    with qtbot.waitSignal(library.changed):
        library.start()
    assert folder.is_dir()
    assert library.loaded
    assert library.files() == []
    assert library.presets() == list(BUILTIN_PRESETS)
    assert library.find("builtin:concise") is not None
    assert library.find("file:nothing.json") is None


def test_files_added_rewritten_and_removed_are_picked_up(
    qtbot: QtBot, library: PresetLibrary, folder: Path
) -> None:
    with qtbot.waitSignal(library.changed):
        library.start()
    pirate = folder / "pirate.json"
    with qtbot.waitSignal(library.changed):
        pirate.write_text(preset_text("Pirate", system="Arr."), encoding="utf-8")
    qtbot.waitUntil(lambda: names(library) == ["Pirate"])
    found = library.find("file:pirate.json")
    assert found is not None
    assert found.settings.system == "Arr."
    assert library.path_of(found) == pirate

    # Rewritten in place (same inode: only the file's own watch sees it) ...
    with open(pirate, "r+", encoding="utf-8") as file:
        file.truncate(0)
        file.write(preset_text("Pirate captain", system="Arr!"))
    qtbot.waitUntil(lambda: names(library) == ["Pirate captain"])
    # ... and replaced as editors save (a new file renamed over it).
    replacement = folder / ".pirate.json.swp"
    replacement.write_text(preset_text("Sea dog"), encoding="utf-8")
    os.replace(replacement, pirate)
    qtbot.waitUntil(lambda: names(library) == ["Sea dog"])
    # The watch on the replaced file is renewed: an in-place write is seen again.
    pirate.write_text(preset_text("Old salt"), encoding="utf-8")
    qtbot.waitUntil(lambda: names(library) == ["Old salt"])

    (folder / "another.json").write_text(preset_text("Another"), encoding="utf-8")
    qtbot.waitUntil(lambda: names(library) == ["Another", "Old salt"])
    pirate.unlink()
    qtbot.waitUntil(lambda: names(library) == ["Another"])
    assert [p.id for p in library.user_presets()] == ["file:another.json"]


def test_a_broken_file_is_listed_with_its_reason(
    qtbot: QtBot, library: PresetLibrary, folder: Path
) -> None:
    with qtbot.waitSignal(library.changed):
        library.start()
    broken = folder / "pirate.json"
    broken.write_bytes(b'{"name": }')
    qtbot.waitUntil(lambda: len(library.files()) == 1)
    (file,) = library.files()
    assert file.preset is None
    assert file.path == broken
    assert file.error is not None
    assert file.error.startswith("Not valid JSON (line 1, column 10)")
    assert library.user_presets() == []
    assert library.find(file.id) is None
    # Fixed in an editor: it becomes a preset.
    broken.write_text(preset_text("Pirate"), encoding="utf-8")
    qtbot.waitUntil(lambda: [p.name for p in library.user_presets()] == ["Pirate"])


def test_hidden_files_and_other_extensions_are_not_presets(
    qtbot: QtBot, library: PresetLibrary, folder: Path
) -> None:
    folder.mkdir(parents=True)
    (folder / ".hidden.json").write_text(preset_text("Hidden"), encoding="utf-8")
    (folder / "notes.txt").write_text("not a preset", encoding="utf-8")
    (folder / "pirate.json~").write_text(preset_text("Backup"), encoding="utf-8")
    (folder / "kept.json").write_text(preset_text("Kept"), encoding="utf-8")
    with qtbot.waitSignal(library.changed):
        library.start()
    assert names(library) == ["Kept"]
