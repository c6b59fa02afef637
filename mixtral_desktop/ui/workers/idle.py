"""Work that waits until the GUI thread has nothing else to do.

Some work can wait: building a lexer, laying out the newest rows of a tab in the
background. Started at once it competes with the frame being drawn (a pool thread running
Python takes the GIL from the GUI thread every fraction of a millisecond), so it is
started when the GUI thread's event loop is about to wait for events, or at the latest
after a deadline, so a GUI thread that never rests still gets it done.

At start-up the loop waits before the main window's first frame too (~150 ms before
it, measured), so until that window has painted (:class:`FirstFrame`) no such work
starts at all: the first frame is the one thing the user waits for.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class FirstFrame(QObject):
    """Holds :class:`WhenIdle` work until a window has painted its first frame.

    Open (holding nothing) until :meth:`watch` is given the window.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.painted = True
        self._window: QWidget | None = None
        self._held: list[WhenIdle] = []

    def watch(self, window: QWidget) -> None:
        """Hold idle work from now until ``window``'s first paint (or its end)."""
        self.painted = False
        self._window = window
        window.installEventFilter(self)
        window.destroyed.connect(self.open)

    def hold(self, work: WhenIdle) -> bool:
        """Keep ``work`` until the frame is painted; False when it is already."""
        if self.painted:
            return False
        if work not in self._held:
            self._held.append(work)
        return True

    def holds(self, work: WhenIdle) -> bool:
        return work in self._held

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.open()
        return False

    def open(self) -> None:
        """Let held work go (the window painted, or went away unpainted)."""
        if self.painted:
            return
        self.painted = True
        window, self._window = self._window, None
        if window is not None and shiboken6.isValid(window):
            window.removeEventFilter(self)
        held, self._held = self._held, []
        for work in held:
            if shiboken6.isValid(work):
                work.request()


class WhenIdle(QObject):
    """Calls ``callback`` once per :meth:`request`, when the event loop is next idle.

    With a ``first_frame``, nothing is called before that window's first paint.
    """

    def __init__(
        self,
        callback: Callable[[], None],
        latest_ms: int,
        parent: QObject | None = None,
        *,
        first_frame: FirstFrame | None = None,
    ) -> None:
        super().__init__(parent)
        self._callback = callback
        self._first_frame = first_frame
        self._watching = False
        self._late = QTimer(self)
        self._late.setSingleShot(True)
        self._late.setInterval(latest_ms)
        self._late.timeout.connect(self._fire)

    def request(self) -> None:
        """Call back when the loop is next about to wait (or ``latest_ms`` from now)."""
        if self.pending():
            return
        if self._first_frame is not None and self._first_frame.hold(self):
            return  # requested again when the window has painted
        self._late.start()
        dispatcher = QAbstractEventDispatcher.instance()
        if dispatcher is not None:
            dispatcher.aboutToBlock.connect(self._fire)
            self._watching = True

    def pending(self) -> bool:
        held = self._first_frame is not None and self._first_frame.holds(self)
        return self._late.isActive() or held

    def cancel(self) -> None:
        """Forget a request not yet called back."""
        self._late.stop()
        self._stop_watching()

    def _fire(self) -> None:
        # (Connected only while a call is due: aboutToBlock comes a thousand times a
        # second while a 1 ms timer runs.)
        self._late.stop()
        self._stop_watching()
        self._callback()

    def _stop_watching(self) -> None:
        if self._watching:
            dispatcher = QAbstractEventDispatcher.instance()
            if dispatcher is not None:
                dispatcher.aboutToBlock.disconnect(self._fire)
            self._watching = False
