"""Search every conversation: results as you type, Enter jumps to the message.

Each search is a coroutine of the dialog's task group awaiting the history search on
its own thread (a read-only connection of its own); a newer query cancels the older
one, so results never arrive out of order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.services.search import HistorySearch
from mixtral_desktop.core.storage.records import SearchHit
from mixtral_desktop.core.storage.search import SearchFailed
from mixtral_desktop.ui.history.delegate import small_font
from mixtral_desktop.ui.history.search_results import (
    LIMIT,
    SearchHitDelegate,
    SearchResultsModel,
    result_count,
)
from mixtral_desktop.ui.theme.current import styled
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)
DELAY_MS = 80
_MOVES = {
    Qt.Key.Key_Up.value: -1,
    Qt.Key.Key_Down.value: 1,
    Qt.Key.Key_PageUp.value: -5,
    Qt.Key.Key_PageDown.value: 5,
}
_ENTER = frozenset((Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value))


class SearchDialog(QDialog):
    """Type to search; Up/Down pick a hit, Enter or a double click jumps to it.

    ``hit_chosen(conversation_id, message_id)`` then the dialog closes. Kept and shown
    again, it still has the last query, selected so typing replaces it.
    """

    hit_chosen = Signal(int, int)

    def __init__(
        self,
        search: HistorySearch,
        tasks: TaskGroup,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("search_dialog")
        self.setWindowTitle("Search all chats")
        self.setAccessibleName("Search all chats")
        self.resize(620, 460)
        self._search = search
        self._tasks = tasks
        self._running: asyncio.Task[None] | None = None
        self.field = QLineEdit(self)
        self.field.setObjectName("search_field")
        self.field.setAccessibleName("Search text")
        self.field.setPlaceholderText("Search every conversation…")
        self.field.setClearButtonEnabled(True)
        self.status = QLabel(self)
        self.status.setObjectName("search_status")
        self.status.setAccessibleName("Result count")
        self.status.setFont(small_font(self.font()))
        styled(self.status, lambda p: f"color: {p.muted};")
        self.model = SearchResultsModel(self)
        self.results = QListView(self)
        self.results.setObjectName("search_results")
        self.results.setAccessibleName("Search results")
        self.results.setModel(self.model)
        self.results.setItemDelegate(SearchHitDelegate(self.results, clock=clock))
        self.results.setUniformItemSizes(True)
        self.results.setMouseTracking(True)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(6)
        self.hint = QLabel("↑ ↓ to move · Enter to open · Esc to close", self)
        self.hint.setObjectName("search_hint")
        self.hint.setFont(small_font(self.font()))
        styled(self.hint, lambda p: f"color: {p.muted};")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.hint)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.field.textChanged.connect(lambda _text: self.timer.start())
        self.field.returnPressed.connect(self.choose)
        self.field.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.doubleClicked.connect(self._choose_index)
        self.status.hide()

    # Public API

    def run_search(self) -> None:
        """Search for the field's text now (typing does it after a short pause)."""
        self.timer.stop()
        if self._running is not None:
            self._running.cancel()  # its results would be for an older query
        self._running = self._tasks.start(self._run(self.field.text().strip()), "search")

    def searching(self) -> bool:
        """Whether a search is due or under way (its results not shown yet)."""
        return self.timer.isActive() or (self._running is not None and not self._running.done())

    async def _run(self, query: str) -> None:
        hits: list[SearchHit] = []
        if query:
            try:
                hits = await self._search.search(query, LIMIT)
            except SearchFailed:
                self.model.set_hits([])
                self._show_status("Search failed")
                return
        self.model.set_hits(hits)
        if hits:
            self.results.setCurrentIndex(self.model.index(0, 0))
            self.results.scrollToTop()
        self._show_status(result_count(len(hits)) if query else "")

    def current_hit(self) -> SearchHit | None:
        index = self.results.currentIndex()
        return self.model.hit_at(index.row()) if index.isValid() else None

    def choose(self) -> None:
        """Jump to the selected hit (the first one if none is selected) and close; with a
        search still to come, once its results are in."""
        if self.timer.isActive():
            self.run_search()
        running = self._running
        if running is not None and not running.done():
            self._tasks.start(self._choose_after(running), "choose")
            return
        self._choose_now()

    async def _choose_after(self, search: asyncio.Task[None]) -> None:
        await asyncio.wait([search])
        if not search.cancelled():
            self._choose_now()

    def _choose_now(self) -> None:
        hit = self.current_hit() or self.model.hit_at(0)
        if hit is None:
            return
        self.hit_chosen.emit(hit.conversation_id, hit.message_id)
        self.accept()

    def move_selection(self, step: int) -> None:
        """Select the hit ``step`` rows down (negative: up), staying in the list."""
        count = self.model.rowCount()
        if not count:
            return
        row = self.results.currentIndex().row()
        row = min(max((row if row >= 0 else -1) + step, 0), count - 1)
        index = self.model.index(row, 0)
        self.results.setCurrentIndex(index)
        self.results.scrollTo(index)

    # Qt

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.field.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
        self.field.selectAll()
        if self.field.text().strip():
            self.run_search()  # the history may have changed since

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.field and key in _MOVES:
                self.move_selection(_MOVES[key])
                return True
            if watched is self.results and key in _ENTER:
                self.choose()
                return True
        return super().eventFilter(watched, event)

    # Private

    def _choose_index(self, index: QModelIndex) -> None:
        self.results.setCurrentIndex(index)
        self.choose()

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

