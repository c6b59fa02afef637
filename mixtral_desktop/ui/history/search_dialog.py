"""Search every conversation: results as you type, Enter jumps to the message."""

from __future__ import annotations

import html
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QShowEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.storage.records import HIT_END, HIT_START, SearchHit
from mixtral_desktop.core.storage.search import SearchIndex
from mixtral_desktop.ui.history.delegate import PAD_X, PAD_Y, paint_row_background, small_font
from mixtral_desktop.ui.history.model import UNTITLED, full_time, relative_time
from mixtral_desktop.ui.messages.browser import TEXT_COLOUR
from mixtral_desktop.ui.messages.style import MUTED, STYLES

log = logging.getLogger(__name__)
AnyIndex = QModelIndex | QPersistentModelIndex
LIMIT = 100
DELAY_MS = 80
SNIPPET_LINES = 2
HIGHLIGHT = "background-color: #fde68a; color: #1f2328;"
HitRole = Qt.ItemDataRole.UserRole + 1  # the row's SearchHit
SnippetHtmlRole = Qt.ItemDataRole.UserRole + 2  # the snippet as HTML, hits highlighted
_MOVES = {
    Qt.Key.Key_Up.value: -1,
    Qt.Key.Key_Down.value: 1,
    Qt.Key.Key_PageUp.value: -5,
    Qt.Key.Key_PageDown.value: 5,
}
_ENTER = frozenset((Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value))


def snippet_html(snippet: str) -> str:
    """``snippet`` as HTML: text escaped, whitespace folded, hits in a highlighted span."""
    text = html.escape(" ".join(snippet.split()), quote=False)
    opened = text.count(HIT_START) - text.count(HIT_END)
    text = text.replace(HIT_START, f'<span style="{HIGHLIGHT}">').replace(HIT_END, "</span>")
    return text + "</span>" * max(opened, 0)


def snippet_text(snippet: str) -> str:
    """``snippet`` as plain text, markers dropped."""
    return " ".join(snippet.replace(HIT_START, "").replace(HIT_END, "").split())


def result_count(count: int) -> str:
    if count == 0:
        return "No matches"
    if count >= LIMIT:
        return f"The first {LIMIT} results"
    return f"{count} result{'' if count == 1 else 's'}"


class SearchResultsModel(QAbstractListModel):
    """The hits of the last search, best first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit_at(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit_at(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{_title(hit)}: {snippet_text(hit.snippet)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{_title(hit)}\n{STYLES[hit.role].label}, {full_time(hit.created)}"
        if role == HitRole:
            return hit
        if role == SnippetHtmlRole:
            return snippet_html(hit.snippet)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


def _title(hit: SearchHit) -> str:
    return hit.title.strip() or UNTITLED


class SearchHitDelegate(QStyledItemDelegate):
    """Bold title with role and date on the right; below, the snippet, hits highlighted."""

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        title = QFontMetrics(_bold(option.font)).height()
        snippet = QFontMetrics(option.font).lineSpacing() * SNIPPET_LINES
        return QSize(option.rect.width(), 2 * PAD_Y + title + 4 + snippet)

    def document(self, index: AnyIndex, font: QFont, width: int) -> QTextDocument:
        """The snippet of ``index`` laid out ``width`` pixels wide."""
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(font)
        document.setDefaultStyleSheet(f"body {{ color: {TEXT_COLOUR}; }}")
        document.setHtml(f"<body>{index.data(SnippetHtmlRole) or ''}</body>")
        document.setTextWidth(width)
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        hit = index.data(HitRole)
        if not isinstance(hit, SearchHit):
            return
        painter.save()
        paint_row_background(painter, option)
        inner = option.rect.adjusted(PAD_X + 2, PAD_Y, -PAD_X, -PAD_Y)
        bold, small = _bold(option.font), small_font(option.font)
        title_height = QFontMetrics(bold).height()
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        # Role and date on the right of the title line.
        style = STYLES[hit.role]
        when = f" · {relative_time(hit.created, self._clock())}"
        small_metrics = QFontMetrics(small)
        when_width = small_metrics.horizontalAdvance(when)
        role_width = small_metrics.horizontalAdvance(style.label)
        line = QRect(inner.left(), inner.top(), inner.width(), title_height)
        painter.setFont(small)
        painter.setPen(QColor(MUTED))
        painter.drawText(line, int(right), when)
        painter.setPen(QColor(style.label_colour if hit.role is not Role.SYSTEM else MUTED))
        painter.drawText(line.adjusted(0, 0, -when_width, 0), int(right), style.label)
        # The title, elided before the role.
        untitled = not hit.title.strip()
        bold.setItalic(untitled)
        painter.setFont(bold)
        painter.setPen(QColor(MUTED if untitled else TEXT_COLOUR))
        title_room = max(inner.width() - when_width - role_width - 16, 20)
        title = QFontMetrics(bold).elidedText(_title(hit), Qt.TextElideMode.ElideRight, title_room)
        painter.drawText(line, int(left), title)
        # The snippet, at most SNIPPET_LINES lines.
        top = inner.top() + title_height + 4
        height = QFontMetrics(option.font).lineSpacing() * SNIPPET_LINES
        document = self.document(index, option.font, inner.width())
        painter.translate(inner.left(), top)
        clip = QRectF(0, 0, inner.width(), height)
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = clip
        context.palette.setColor(context.palette.ColorRole.Text, QColor(TEXT_COLOUR))
        document.documentLayout().draw(painter, context)
        painter.restore()


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


class SearchDialog(QDialog):
    """Type to search; Up/Down pick a hit, Enter or a double click jumps to it.

    ``hit_chosen(conversation_id, message_id)`` then the dialog closes. Kept and shown
    again, it still has the last query, selected so typing replaces it.
    """

    hit_chosen = Signal(int, int)

    def __init__(
        self,
        index: SearchIndex,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("search_dialog")
        self.setWindowTitle("Search all chats")
        self.setAccessibleName("Search all chats")
        self.resize(620, 460)
        self._index = index
        self.field = QLineEdit(self)
        self.field.setObjectName("search_field")
        self.field.setAccessibleName("Search text")
        self.field.setPlaceholderText("Search every conversation…")
        self.field.setClearButtonEnabled(True)
        self.status = QLabel(self)
        self.status.setObjectName("search_status")
        self.status.setAccessibleName("Result count")
        self.status.setFont(small_font(self.font()))
        self.status.setStyleSheet(f"color: {MUTED};")
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
        self.hint.setStyleSheet(f"color: {MUTED};")
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
        query = self.field.text().strip()
        hits: list[SearchHit] = []
        if query:
            try:
                hits = self._index.search(query, limit=LIMIT)
            except sqlite3.Error:
                log.exception("Search for %r failed", query)
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
        """Jump to the selected hit (the first one if none is selected) and close."""
        if self.timer.isActive():
            self.run_search()
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
