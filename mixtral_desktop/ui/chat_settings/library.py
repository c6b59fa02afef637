"""The presets the app knows: the built-in ones and the user's files, kept current
while the app runs.

Every two seconds the io executor compares the folder's listing (names, sizes,
modification times) with the last one; only a difference reads the files again, and
:attr:`PresetLibrary.changed` tells the menus, the panel and the library window.
A poll rather than ``QFileSystemWatcher``: in the test suite the watcher's inotify
descriptor was closed under it (by a cause not found yet), and Qt then spun on the dead
descriptor at 100 % CPU while its warnings filled the memory; a stat of a small folder
every two seconds costs nothing measurable and cannot fail that way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from mixtral_desktop.core.config import preset_files
from mixtral_desktop.core.config.preset_files import PresetFile
from mixtral_desktop.core.domain.builtin_presets import BUILTIN_PRESETS
from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import Preset
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.workers.tasks import TaskGroup

POLL_MS = 2000
"""How often the folder's listing is compared with the last one."""

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
        self._listing: preset_files.Listing | None = None  # the folder's listing when last read
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check)
        self.loaded = False  # the folder was read at least once
        self._reads = 0  # reads of the folder started, and the newest one shown:
        self._shown = 0  # an older read that ends after a newer one is dropped

    # -- reading --------------------------------------------------------------------

    def start(self) -> None:
        """Read the folder (on the io executor) and look for changes from now on."""
        self._poll.start()
        self.refresh()

    def stop(self) -> None:
        """No more looking at the folder (the window's services are shutting down)."""
        self._poll.stop()

    def refresh(self) -> None:
        if self._tasks.closed:  # a change on disk seen while the app quits
            return
        self._tasks.start(self._read(), "presets: read the folder")

    def _check(self) -> None:
        if self._tasks.closed:
            self._poll.stop()
            return
        self._tasks.start(self._read(only_if_changed=True), "presets: look at the folder")

    async def _read(self, only_if_changed: bool = False) -> None:
        self._reads += 1
        number = self._reads
        if only_if_changed:
            listing = await self._executors.run(preset_files.listing, self.folder)
            if listing == self._listing:
                return
        listing, files = await self._executors.run(_scan_and_make, self.folder)
        if number < self._shown:
            return
        self._shown = number
        self._listing = listing
        if files != self._files or not self.loaded:
            self._files = files
            self.loaded = True
            self.changed.emit()

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


def _scan_and_make(folder: Path) -> tuple[preset_files.Listing, list[PresetFile]]:
    """On the io executor: make the folder on first use (so the user can find it), and
    read it (its listing first: a change during the read is seen by the next poll)."""
    # A read-only config folder: no user presets, the built-in ones still work.
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    listing = preset_files.listing(folder)
    return listing, preset_files.scan(folder)
