"""Which rows a chat leaves out of its requests: those above its first sent row (the
user chose to leave the oldest messages out when a request outgrew the model's window).

They stay in the conversation, painted faded, and the last of them carries a line
"Not sent to the model above this line". The mark is kept by the message object of
that last row, so its height (with the line) is cached like any other row's.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex

from mixtral_desktop.ui.messages.layout_cache import LayoutCache
from mixtral_desktop.ui.messages.model import ConversationModel

LINE_TEXT = "Not sent to the model above this line"
FADED_OPACITY = 0.55


class ContextMark:
    """Set by the chat (:meth:`set`); read by the delegate while it paints."""

    def __init__(self, cache: LayoutCache, size_changed: Callable[[QModelIndex], None]) -> None:
        self._cache = cache
        self._size_changed = size_changed
        self.first_row = 0

    def set(self, model: ConversationModel, first_row: int) -> None:
        """Rows above ``first_row`` are left out (0: every row is sent)."""
        first_row = max(0, min(first_row, model.rowCount()))
        old = self._cache.context_marked
        new = model.message(first_row - 1) if first_row > 0 else None
        self.first_row = first_row
        if old is new:
            return
        self._cache.context_marked = new
        for message in (old, new):
            if message is None:
                continue
            self._cache.sizes.pop(id(message), None)
            for row in range(model.rowCount()):
                if model.message(row) is message:
                    self._size_changed(model.index(row, 0))
                    break

    def left_out(self, row: int) -> bool:
        return row < self.first_row
