"""Work that waits until the GUI thread has nothing else to do.

Some work can wait: building a lexer, laying out the newest rows of a tab in the
background. Started at once it competes with the frame being drawn (a pool thread running
Python takes the GIL from the GUI thread every fraction of a millisecond), so it is
started when the GUI thread's event loop is about to wait for events, or at the latest
after a deadline, so a GUI thread that never rests still gets it done.

At start-up the loop waits before the main window's first frame too (~150 ms before
it, measured), so until that window has painted (:func:`hold_until_painted`) no such
work starts at all: the first frame is the one thing the user waits for.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class WhenIdle(QObject):
    """Calls ``callback`` once per :meth:`request`, when the event loop is next idle."""

    def __init__(
        self, callback: Callable[[], None], latest_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._callback = callback
        self._watching = False
        self._late = QTimer(self)
        self._late.setSingleShot(True)
        self._late.setInterval(latest_ms)
        self._late.timeout.connect(self._fire)

    def request(self) -> None:
        """Call back when the loop is next about to wait (or ``latest_ms`` from now)."""
        if self.pending():
            return
        if _first_frame is not None and not _first_frame.painted:
            _held.append(self)  # requested again when the window has painted
            return
        self._late.start()
        dispatcher = QAbstractEventDispatcher.instance()
        if dispatcher is not None:
            dispatcher.aboutToBlock.connect(self._fire)
            self._watching = True

    def pending(self) -> bool:
        return self._late.isActive() or self in _held

    def _fire(self) -> None:
        # (Connected only while a call is due: aboutToBlock comes a thousand times a
        # second while a 1 ms timer runs.)
        self._late.stop()
        if self._watching:
            dispatcher = QAbstractEventDispatcher.instance()
            if dispatcher is not None:
                dispatcher.aboutToBlock.disconnect(self._fire)
            self._watching = False
        self._callback()


class _FirstFrame(QObject):
    """Watches a window until its first paint (or its end)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self.painted = False
        self._window = window
        window.installEventFilter(self)
        window.destroyed.connect(self.open)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.open()
        return False

    def open(self) -> None:
        if self.painted:
            return
        self.painted = True
        if shiboken6.isValid(self._window):
            self._window.removeEventFilter(self)
        _release_held()


_first_frame: _FirstFrame | None = None
_held: list[WhenIdle] = []


def hold_until_painted(window: QWidget) -> None:
    """Start no :class:`WhenIdle` work until ``window`` has painted its first frame."""
    global _first_frame
    _first_frame = _FirstFrame(window)


def _release_held() -> None:
    """Let held work go (the window painted, or went away unpainted)."""
    global _first_frame
    _first_frame = None
    held = list(_held)
    _held.clear()
    for when_idle in held:
        if shiboken6.isValid(when_idle):
            when_idle.request()
