"""Where the view's last full layout put each row, and the relayouts asked for since.

``option.rect`` in a paint comes from a fresh ``sizeHint``, not from the layout, so only
the heights remembered here tell whether a row outgrew its place. A relayout asked for
by a paint (:meth:`RowGeometry.request_relayout`) is coalesced to one per event-loop
pass: QAbstractItemView answers each ``sizeHintChanged`` with a full ``doItemsLayout``,
and painting a screenful of rows must not cost a screenful of layouts.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QTimer

from mixtral_desktop.core.domain.conversation import Message

AnyIndex = QModelIndex | QPersistentModelIndex


class RowGeometry(QObject):
    """The rows' heights as laid out, collected while the view lays every row out."""

    def __init__(
        self, size_hint_changed: Callable[[QModelIndex], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._size_hint_changed = size_hint_changed
        self.collected: list[int] = []  # row -> height, during a full layout
        self.in_layout = False
        self.layout_width = 0
        self.layout_messages: list[Message] | None = None
        self._row_heights: list[int] = []  # per row, as the last full layout had them
        self._row_tops: list[int] = [0]  # running sums: where each row starts
        self._pending: QPersistentModelIndex | None = None
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self._emit_size_hint_changed)
        self.hold_until = 0.0  # while the view scrolls, relayouts wait until then

    # A full layout

    def begin_layout(self, view_width: int, messages: list[Message] | None) -> None:
        self.in_layout = True
        self.layout_width = view_width
        self.layout_messages = messages if view_width > 0 else None
        self.collected = [0] * len(messages) if messages is not None else []

    def collect(self, row: int, height: int) -> None:
        """A row's size, asked for during a full layout that had no message list."""
        if row >= len(self.collected):
            self.collected.extend([0] * (row + 1 - len(self.collected)))
        self.collected[row] = height

    def end_layout(self) -> None:
        self.in_layout = False
        self.layout_messages = None
        collected = self.collected
        count = len(collected)
        while count and not collected[count - 1]:
            count -= 1
        self._row_heights = collected[:count]
        self._row_tops = list(accumulate(self._row_heights, initial=0))
        self.collected = []

    def laid_out_top(self, row: int) -> int | None:
        """Where ``row`` starts in the view's contents, as last laid out."""
        return self._row_tops[row] if 0 <= row < len(self._row_heights) else None

    def laid_out_height(self, row: int) -> int | None:
        return self._row_heights[row] if 0 <= row < len(self._row_heights) else None

    def laid_out_row_at(self, y: int) -> int | None:
        """The row covering contents position ``y`` in the last layout (clamped)."""
        if not self._row_heights:
            return None
        row = bisect_right(self._row_tops, y) - 1
        return min(max(row, 0), len(self._row_heights) - 1)

    # Relayouts

    def request_relayout(self, index: AnyIndex) -> None:
        """Have ``sizeHintChanged`` emitted once this event-loop pass is over."""
        if self._pending is None or not self._pending.isValid():
            self._pending = QPersistentModelIndex(index)
        if not self._relayout.isActive():
            wait = self.hold_until - time.monotonic()
            self._relayout.start(max(int(wait * 1000), 0))

    def relayout_pending(self) -> bool:
        """Whether a ``sizeHintChanged`` is about to be emitted."""
        return self._relayout.isActive()

    def hold_relayout(self, ms: int) -> None:
        """For ``ms`` from now, a relayout asked for waits (the view is being scrolled)."""
        self.hold_until = time.monotonic() + ms / 1000
        if self._relayout.isActive():
            self._relayout.start(ms)

    def holding(self) -> bool:
        return time.monotonic() < self.hold_until

    def _emit_size_hint_changed(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and pending.isValid():
            model = pending.model()
            self._size_hint_changed(model.index(pending.row(), pending.column()))
