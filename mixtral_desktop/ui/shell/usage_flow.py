"""History → Usage… (Ctrl+Shift+U): the usage window, made when first opened (its
module and its chart's are imported then: start-up does not need them) and read again
each time it is opened; a chat chosen in it opens in the window.

The usage is read on an ``io`` thread through a read-only connection of its own (the
store's connection belongs to the GUI thread), and the CSV is written there too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from mixtral_desktop.ui.shell.services import WindowServices

if TYPE_CHECKING:  # imported when the window is first opened (~7 ms, dataclasses and csv)
    from mixtral_desktop.core.storage.usage_rows import UsageReport
    from mixtral_desktop.ui.statusbar.usage_window import UsageWindow


class UsageFlow(QObject):
    """Owns the usage window (one per main window, kept once made, hidden on close)."""

    def __init__(
        self, services: WindowServices, window: QWidget, open_chat: Callable[[int], object]
    ) -> None:
        super().__init__(window)
        self._services = services
        self._window = window
        self._open_chat = open_chat
        self._tasks = services.tasks.child("usage window")
        self.usage_window: UsageWindow | None = None

    def open_window(self) -> UsageWindow:
        """Show the usage window (made now the first time), reading the usage again."""
        window = self.usage_window
        if window is None:
            from mixtral_desktop.ui.statusbar.usage_window import UsageWindow

            window = self.usage_window = UsageWindow(
                self._read, self._write, self._tasks, self._window
            )
            window.open_requested.connect(self._open_chat)
        window.refresh()
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    async def _read(self) -> UsageReport:
        from mixtral_desktop.core.storage.usage_rows import read_usage

        return await self._services.executors.run(read_usage, self._services.store.path)

    async def _write(self, path: Path, text: str) -> None:
        from mixtral_desktop.core.storage.usage_rows import write_csv

        await self._services.executors.run(write_csv, path, text)
