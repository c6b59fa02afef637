"""Painting the rows of the history list and of search results.

A row is a title on one line and, smaller and grey, when it was last active. The
selection is a pale blue fill with an accent bar, so the text stays dark and a
search highlight stays readable on a selected row.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from mixtral_desktop.core.domain.titles import display_title
from mixtral_desktop.core.storage.records import ConversationInfo
from mixtral_desktop.ui.history.model import ConversationRole, relative_time
from mixtral_desktop.ui.theme.current import PALETTE
from mixtral_desktop.ui.theme.names import UNTITLED

AnyIndex = QModelIndex | QPersistentModelIndex
PAD_X = 12
PAD_Y = 7
LINE_GAP = 2


def small_font(font: QFont) -> QFont:
    """``font`` one point smaller (the size of times and roles)."""
    small = QFont(font)
    if font.pointSizeF() > 0:
        small.setPointSizeF(max(font.pointSizeF() - 1, 6.0))
    return small


def paint_row_background(painter: QPainter, option: QStyleOptionViewItem) -> None:
    """Selection, hover and a hairline under the row."""
    state = option.state
    rect = option.rect
    if state & QStyle.StateFlag.State_Selected:
        painter.fillRect(rect, QColor(PALETTE.row_selected))
        accent = QRect(rect.left(), rect.top(), 3, rect.height())
        painter.fillRect(accent, QColor(PALETTE.row_accent))
    elif state & QStyle.StateFlag.State_MouseOver:
        painter.fillRect(rect, QColor(PALETTE.row_hover))
    separator = QRect(rect.left() + PAD_X, rect.bottom(), rect.width() - 2 * PAD_X, 1)
    painter.fillRect(separator, QColor(PALETTE.row_separator))


class HistoryDelegate(QStyledItemDelegate):
    """Title, then the relative time of the last activity; edits the title in place."""

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.time):
        super().__init__(parent)
        self._clock = clock
        self._editing: QPersistentModelIndex | None = None
        self.closeEditor.connect(self._editor_gone)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        title = QFontMetrics(option.font).height()
        when = QFontMetrics(small_font(option.font)).height()
        return QSize(option.rect.width(), 2 * PAD_Y + title + LINE_GAP + when)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        info = index.data(ConversationRole)
        if not isinstance(info, ConversationInfo):
            return
        painter.save()
        paint_row_background(painter, option)
        if self._editing is not None and self._editing == index:
            painter.restore()
            return  # the editor covers the row: no text peeking out around it
        title_rect, when_rect = self._lines(option)
        font = QFont(option.font)
        untitled = not info.title.strip()
        font.setItalic(untitled)
        painter.setFont(font)
        painter.setPen(QColor(PALETTE.muted if untitled else PALETTE.text))
        metrics = QFontMetrics(font)
        title = metrics.elidedText(
            display_title(info.title), Qt.TextElideMode.ElideRight, title_rect.width()
        )
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(title_rect, int(left), title)
        painter.setFont(small_font(option.font))
        painter.setPen(QColor(PALETTE.muted))
        painter.drawText(when_rect, int(left), relative_time(info.updated, self._clock()))
        painter.restore()

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("history_rename_editor")
        editor.setAccessibleName("Chat name")
        editor.setPlaceholderText(UNTITLED)
        editor.setFrame(True)
        self._editing = QPersistentModelIndex(index)
        editor.destroyed.connect(self._editor_gone)
        return editor

    def _editor_gone(self) -> None:
        self._editing = None
        view = self.parent()
        if isinstance(view, QAbstractItemView):
            view.viewport().update()

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        rect = option.rect.adjusted(PAD_X - 4, 0, -(PAD_X - 4), 0)
        height = min(editor.sizeHint().height(), option.rect.height())
        rect.setTop(option.rect.top() + (option.rect.height() - height) // 2)
        rect.setHeight(height)
        editor.setGeometry(rect)

    def _lines(self, option: QStyleOptionViewItem) -> tuple[QRect, QRect]:
        title = QFontMetrics(option.font).height()
        when = QFontMetrics(small_font(option.font)).height()
        inner = option.rect.adjusted(PAD_X + 2, PAD_Y, -PAD_X, -PAD_Y)
        title_rect = QRect(inner.left(), inner.top(), inner.width(), title)
        when_rect = QRect(inner.left(), inner.top() + title + LINE_GAP, inner.width(), when)
        return title_rect, when_rect
