"""Exact row heights near the screen, so scrolling a long conversation stays smooth.

Rows start with estimated heights (cheap). A row painted with an estimate that
turns out wrong costs a layout of every row, ~50 ms at 10,000 rows. So before
each layout the rows it will show are measured, and when the user pauses
scrolling a wider band around the screen is measured a few rows per event-loop
pass and laid out once, while nobody is waiting for a frame. While the user
scrolls, rows are painted in the place the last layout gave them (the view holds
relayouts until the pause), so a drag through unmeasured rows never waits for one.

A view in a background tab is not measured when it is laid out (it has no real size
yet); once the app is idle it measures ahead, at the size it will have, the newest rows
its first layout will want (:meth:`RowMeasurer.warm_up`), so switching to it costs a
layout and a paint, not a Markdown render of every row on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QListView

from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.text.lexers import LexerLoader

NEAR_ROWS = 24  # at most this many rows measured before a layout
IDLE_MS = 150  # a pause in scrolling this long starts the wider pass
IDLE_SCREENS = 4  # the wider pass covers this many screen heights each side
IDLE_MAX_ROWS = 160
BATCH = 6  # rows measured per event-loop pass


class RowMeasurer(QObject):
    def __init__(
        self, view: QListView, model: ConversationModel, delegate: MessageDelegate,
        lexers: LexerLoader,
    ) -> None:
        super().__init__(view)
        self._lexers = lexers
        self._view = view
        self._model = model
        self._delegate = delegate
        self._queue: list[int] = []
        self._measured_any = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)
        self._warm_rows: list[int] = []  # newest first; measured by _warm_step
        self._warm_size = (0, 0)  # the view's width, and its height not yet filled
        self._warm_timer = QTimer(self)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.timeout.connect(self._warm_step)
        self._layout_asked = False  # the wider pass asked the view for a layout

    def measure_near_screen(self, following: bool) -> None:
        """Measure the rows the next layout puts on screen (the newest ones if following).

        Only those (and, following, the last NEAR_ROWS): the layout that follows must
        not wait for more. The rows around are measured later, a few per event-loop
        pass, once the user pauses.
        """
        rows = self._model.rowCount()
        if rows == 0:
            return
        width = self._view.viewport().width()
        if following:  # rows in the viewport's height are painted next: keep their text
            self._measure_newest(self._newest_rows(), width, self._view.viewport().height())
            return
        first, last = self._rows_between(0, self._view.viewport().height())
        for row in range(first, min(last, first + NEAR_ROWS) + 1):
            self._delegate.measure(
                self._model.message(row), width, keep=True, index=self._model.index(row, 0)
            )

    def warm_up(self, view_width: int, view_height: int) -> None:
        """Measure, a few per event-loop pass, the rows a first layout at this size would
        measure while following the end (see :meth:`measure_near_screen`); the text of
        those that fill the screen is kept laid out, ready to paint."""
        self._warm_rows = self._newest_rows()
        self._warm_size = (view_width, view_height)
        self._warm_timer.start(0)

    def _warm_step(self) -> None:
        if self._lexers.is_loading():  # code laid out now would be laid out again, coloured
            self._warm_timer.start(IDLE_MS)
            return
        width, room = self._warm_size
        rows = self._model.rowCount()
        batch = [row for row in self._warm_rows[:BATCH] if row < rows]
        self._warm_size = (width, self._measure_newest(batch, width, room))
        del self._warm_rows[:BATCH]
        if self._warm_rows:
            self._warm_timer.start(0)
        else:  # and the size of every other row, so the first layout only looks them up
            self._delegate.size_rows(self._model.messages(), width)

    def _newest_rows(self) -> list[int]:
        """The last NEAR_ROWS rows, newest first."""
        rows = self._model.rowCount()
        return list(range(rows - 1, max(rows - NEAR_ROWS, 0) - 1, -1))

    def _measure_newest(self, rows: list[int], width: int, room: int) -> int:
        """Measure ``rows`` (newest first), keeping the text of those that fill ``room``
        pixels from the bottom; returns the room left."""
        for row in rows:
            room -= self._delegate.measure(
                self._model.message(row), width, keep=room > 0, index=self._model.index(row, 0)
            )
        return room

    def measure_screen(self) -> bool:
        """Measure the rows on screen; whether any differs from the last layout."""
        rows = self._model.rowCount()
        if rows == 0:
            return False
        first, last = self._rows_between(0, self._view.viewport().height())
        width = self._view.viewport().width()
        outgrown = False
        for row in range(first, min(last, first + NEAR_ROWS) + 1):
            height = self._delegate.measure(
                self._model.message(row), width, keep=True, index=self._model.index(row, 0)
            )
            outgrown = outgrown or height != self._delegate.rows.laid_out_height(row)
        return outgrown

    def restart(self) -> None:
        """The user scrolled: start the wider pass once they pause."""
        self._queue.clear()
        self._measured_any = False
        self._timer.start(IDLE_MS)

    def busy(self) -> bool:
        """Measuring, or waiting for the layout the last pass asked for (Qt's delayed
        layout is not visible from outside: without this, "settled" could be seen
        between the request and the layout, which may move the rows and measure again)."""
        asked = self._layout_asked and self._view.isVisible()  # (hidden: laid out when shown)
        return self._timer.isActive() or self._warm_timer.isActive() or asked

    def laid_out(self) -> None:
        """The view ran a layout (the one asked for, or another)."""
        self._layout_asked = False

    def _rows_between(self, top: int, bottom: int) -> tuple[int, int]:
        """The rows from ``top`` to ``bottom`` (viewport coordinates), last layout."""
        offset = self._view.verticalScrollBar().value()
        first = self._delegate.rows.laid_out_row_at(offset + top)
        last = self._delegate.rows.laid_out_row_at(offset + bottom)
        rows = self._model.rowCount()
        return (
            min(first, rows - 1) if first is not None else 0,
            min(last, rows - 1) if last is not None else rows - 1,
        )

    def _step(self) -> None:
        width = self._view.viewport().width()
        if not self._queue and not self._measured_any:
            height = self._view.viewport().height()
            first, last = self._rows_between(-IDLE_SCREENS * height, (IDLE_SCREENS + 1) * height)
            centre = (first + last) // 2
            first = max(first, centre - IDLE_MAX_ROWS // 2)
            last = min(last, centre + IDLE_MAX_ROWS // 2)
            self._queue = [
                row
                for row in range(first, last + 1)
                if not self._delegate.is_measured(self._model.message(row), width)
            ]
            self._queue.reverse()  # pop() from the top down
        for _ in range(min(BATCH, len(self._queue))):
            row = self._queue.pop()
            if row < self._model.rowCount():
                self._delegate.measure(self._model.message(row), width)
                self._measured_any = True
        if self._queue:
            self._timer.start(0)
        elif self._measured_any:
            self._measured_any = False
            self._layout_asked = True
            self._view.scheduleDelayedItemsLayout()
