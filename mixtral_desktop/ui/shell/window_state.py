"""The window's place and its open tabs, kept in the history database's app state.

Saved a moment after they change (the tab list after 200 ms, the geometry after a
second of no moving or resizing) and once more on quit; read back at start-up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QObject, QTimer
from PySide6.QtWidgets import QMainWindow

from mixtral_desktop.core.storage.store import Store

log = logging.getLogger(__name__)

OPEN_TABS = "open_tabs"
ACTIVE_TAB = "active_tab"
GEOMETRY = "window_geometry"
WINDOW_STATE = "window_state"

OpenTabs = Callable[[], tuple[list[int], int]]
"""The open conversations in tab order, and the index of the active one among them."""


class WindowState(QObject):
    """Saves and restores ``window``'s geometry and the conversations ``open_tabs`` lists."""

    def __init__(
        self, store: Store, window: QMainWindow, open_tabs: OpenTabs,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._window = window
        self._open_tabs = open_tabs
        self._tabs_timer = QTimer(self)
        self._tabs_timer.setSingleShot(True)
        self._tabs_timer.setInterval(200)
        self._tabs_timer.timeout.connect(self.save_tabs)
        self._geometry_timer = QTimer(self)
        self._geometry_timer.setSingleShot(True)
        self._geometry_timer.setInterval(1000)
        self._geometry_timer.timeout.connect(self.save_geometry)

    def tabs_changed(self) -> None:
        self._tabs_timer.start()

    def geometry_changed(self) -> None:
        self._geometry_timer.start()

    def save_tabs(self) -> None:
        self._tabs_timer.stop()
        ids, active = self._open_tabs()
        self._store.app_state.set(OPEN_TABS, json.dumps(ids))
        self._store.app_state.set(ACTIVE_TAB, str(active))

    def save_geometry(self) -> None:
        self._geometry_timer.stop()
        self._store.app_state.set(GEOMETRY, _base64(self._window.saveGeometry()))
        self._store.app_state.set(WINDOW_STATE, _base64(self._window.saveState()))

    def flush(self) -> None:
        """Before quitting: the tab list and the geometry, now."""
        self.save_tabs()
        self.save_geometry()

    def restore_geometry(self) -> None:
        geometry = self._store.app_state.get(GEOMETRY)
        if geometry:
            self._window.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        window_state = self._store.app_state.get(WINDOW_STATE)
        if window_state:
            self._window.restoreState(QByteArray.fromBase64(window_state.encode()))

    def saved_tabs(self) -> tuple[list[int], int]:
        """Last session's open conversations that still exist, in order, and the active one."""
        try:
            ids = [int(i) for i in json.loads(self._store.app_state.get(OPEN_TABS) or "[]")]
            active = int(self._store.app_state.get(ACTIVE_TAB) or 0)
        except (ValueError, TypeError):
            log.warning("saved tab list unreadable; starting with a new chat")
            return [], 0
        return [i for i in ids if self._store.conversation(i) is not None], active


def _base64(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")
