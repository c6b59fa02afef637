"""Search results: the hits of one search as a list model, and how a hit is painted
(bold title, role and date on the right; below, the snippet with the matches
highlighted)."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QTextDocument,
)
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.domain.titles import display_title
from mixtral_desktop.core.storage.records import HIT_END, HIT_START, SearchHit
from mixtral_desktop.ui.history.delegate import PAD_X, PAD_Y, paint_row_background, small_font
from mixtral_desktop.ui.history.model import full_time, relative_time
from mixtral_desktop.ui.theme.current import PALETTE
from mixtral_desktop.ui.theme.names import SPEAKERS

AnyIndex = QModelIndex | QPersistentModelIndex
LIMIT = 100
SNIPPET_LINES = 2
HitRole = Qt.ItemDataRole.UserRole + 1  # the row's SearchHit
SnippetHtmlRole = Qt.ItemDataRole.UserRole + 2  # the snippet as HTML, hits highlighted
def speaker_colour(role: Role) -> str:
    return {Role.USER: PALETTE.user.label, Role.ASSISTANT: PALETTE.assistant.label}.get(
        role, PALETTE.muted)


def snippet_html(snippet: str) -> str:
    """``snippet`` as HTML: text escaped, whitespace folded, hits in a highlighted span."""
    text = html.escape(" ".join(snippet.split()), quote=False)
    opened = text.count(HIT_START) - text.count(HIT_END)
    highlight = f"background-color: {PALETTE.search_hit}; color: {PALETTE.text};"
    text = text.replace(HIT_START, f'<span style="{highlight}">').replace(HIT_END, "</span>")
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
            return f"{_title(hit)}\n{SPEAKERS[hit.role]}, {full_time(hit.created)}"
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
    return display_title(hit.title)


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
        document.setDefaultStyleSheet(f"body {{ color: {PALETTE.text}; }}")
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
        speaker = SPEAKERS[hit.role]
        when = f" · {relative_time(hit.created, self._clock())}"
        small_metrics = QFontMetrics(small)
        when_width = small_metrics.horizontalAdvance(when)
        role_width = small_metrics.horizontalAdvance(speaker)
        line = QRect(inner.left(), inner.top(), inner.width(), title_height)
        painter.setFont(small)
        painter.setPen(QColor(PALETTE.muted))
        painter.drawText(line, int(right), when)
        painter.setPen(QColor(speaker_colour(hit.role)))
        painter.drawText(line.adjusted(0, 0, -when_width, 0), int(right), speaker)
        # The title, elided before the role.
        untitled = not hit.title.strip()
        bold.setItalic(untitled)
        painter.setFont(bold)
        painter.setPen(QColor(PALETTE.muted if untitled else PALETTE.text))
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
        context.palette.setColor(context.palette.ColorRole.Text, QColor(PALETTE.text))
        document.documentLayout().draw(painter, context)
        painter.restore()


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold
