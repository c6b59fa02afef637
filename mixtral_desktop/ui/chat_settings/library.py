"""The presets the app knows: the built-in ones and the user's files, kept current
while the app runs.

The folder and each file in it are watched (``QFileSystemWatcher``: inotify on Linux,
no timer), a change is read again on the io executor a moment later (an editor's save
is often several writes), and :attr:`PresetLibrary.changed` tells the menus, the panel
and the library window.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from mixtral_desktop.core.config import preset_files
from mixtral_desktop.core.config.preset_files import PresetFile
from mixtral_desktop.core.domain.builtin_presets import BUILTIN_PRESETS
from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import Preset
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.workers.tasks import TaskGroup

RESCAN_MS = 150
"""How long after a change on disk the folder is read again."""

T = TypeVar("T")


class PresetLibrary(QObject):
    """Built-in presets first, then the user's (broken files listed apart)."""

    changed = Signal()

    def __init__(
        self, folder: Path, executors: Executors, tasks: TaskGroup,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.folder = folder
        self._executors = executors
        self._tasks = tasks
        self._files: list[PresetFile] = []
        self._watcher: QFileSystemWatcher | None = None
        self._rescan = QTimer(self)
        self._rescan.setSingleShot(True)
        self._rescan.setInterval(RESCAN_MS)
        self._rescan.timeout.connect(self.refresh)
        self.loaded = False  # the folder was read at least once

    # -- reading --------------------------------------------------------------------

    def start(self) -> None:
        """Read the folder (on the io executor) and watch it from now on."""
        if self._watcher is None:
            self._watcher = QFileSystemWatcher(self)
            self._watcher.directoryChanged.connect(self._on_disk_change)
            self._watcher.fileChanged.connect(self._on_disk_change)
        self.refresh()

    def refresh(self) -> None:
        self._tasks.start(self._read(), "presets: read the folder")

    async def _read(self) -> None:
        files = await self._executors.run(_scan_and_make, self.folder)
        self._watch()
        if files != self._files or not self.loaded:
            self._files = files
            self.loaded = True
            self.changed.emit()

    def _watch(self) -> None:
        watcher = self._watcher
        if watcher is None:
            return
        wanted = {str(f.path) for f in self._files} | {str(self.folder)}
        if self.folder.is_dir():
            wanted |= {str(p) for p in self.folder.glob("*.json")}
        watched = set(watcher.files()) | set(watcher.directories())
        stale = list(watched - wanted)
        if stale:
            watcher.removePaths(stale)
        new = [p for p in wanted - watched if Path(p).exists()]
        if new:
            watcher.addPaths(new)

    def _on_disk_change(self, _path: str) -> None:
        self._rescan.start()

    # -- what the rest of the app asks ----------------------------------------------

    def presets(self) -> list[Preset]:
        """Every usable preset: the built-in ones, then the user's by name."""
        return [*BUILTIN_PRESETS, *self.user_presets()]

    def user_presets(self) -> list[Preset]:
        return [f.preset for f in self._files if f.preset is not None]

    def files(self) -> list[PresetFile]:
        """The user's files, broken ones included."""
        return list(self._files)

    def find(self, preset_id: str | None) -> Preset | None:
        if preset_id is None:
            return None
        return next((p for p in self.presets() if p.id == preset_id), None)

    def path_of(self, preset: Preset) -> Path | None:
        """The file of a user preset (None for a built-in one)."""
        return next((f.path for f in self._files if f.id == preset.id), None)

    # -- changing files (each on the io executor, then the folder read again) --------

    async def create(self, name: str, settings: ChatSettings) -> Preset:
        """A new user preset; returns it as read back from its file."""
        path = await self._change(preset_files.create, self.folder, name, settings)
        return self._loaded(path)

    async def update(self, preset: Preset, name: str, settings: ChatSettings) -> Preset:
        path = self.path_of(preset)
        if path is None:
            raise ValueError("a built-in preset is read-only")
        await self._change(preset_files.update, path, name, settings)
        return self._loaded(path)

    async def remove(self, preset: Preset) -> tuple[Path, bytes]:
        """Delete a user preset's file; returns what Undo needs."""
        path = self.path_of(preset)
        if path is None:
            raise ValueError("a built-in preset is read-only")
        data = await self._change(preset_files.remove, path)
        return path, data

    async def restore(self, path: Path, data: bytes) -> Preset:
        restored = await self._change(preset_files.restore, path, data)
        return self._loaded(restored)

    async def import_file(self, source: Path) -> Preset:
        path = await self._change(preset_files.import_file, source, self.folder)
        return self._loaded(path)

    async def export(self, preset: Preset, target: Path) -> None:
        await self._executors.run(preset_files.export, preset, target)

    async def _change(self, fn: Callable[..., T], *args: Any) -> T:
        result = await self._executors.run(fn, *args)
        await self._read()
        return result

    def _loaded(self, path: Path) -> Preset:
        preset = next((f.preset for f in self._files if f.path == path), None)
        if preset is None:  # written a moment ago: only a race with another writer
            raise FileNotFoundError(path)
        return preset


def _scan_and_make(folder: Path) -> list[PresetFile]:
    """On the io executor: make the folder on first use (so the user can find it)."""
    # A read-only config folder: no user presets, the built-in ones still work.
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return preset_files.scan(folder)
