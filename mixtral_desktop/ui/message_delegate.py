"""Paints one message as a card: who spoke, the rendered Markdown, its state.

Heights are cheap until a row is painted: ``sizeHint`` estimates from the text
length and the font, ``paint`` lays the Markdown out in a ``QTextDocument`` and,
when the exact height differs from the laid-out one, asks the view to relayout
(``sizeHintChanged``, coalesced to once per event-loop pass). Documents are kept
in a small LRU, exact heights in a large one; both are keyed by (text, width),
so a new width or a streamed chunk simply misses the cache.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from itertools import accumulate
from typing import Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from mixtral_desktop.core.conversation import Message, MessageState, Role
from mixtral_desktop.ui import message_painter as paint
from mixtral_desktop.ui.conversation_model import ConversationModel, MessageRole
from mixtral_desktop.ui.markdown_render import render_markdown
from mixtral_desktop.ui.message_browser import MessageBrowser, configure_document
from mixtral_desktop.ui.message_style import (
    NOTE_LINE_STATES,
    STYLES,
    RowLayout,
    body_width,
    row_height,
    row_layout,
    status_text,
)

AnyIndex = QModelIndex | QPersistentModelIndex
K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)


class MessageDelegate(QStyledItemDelegate):
    """Paints :class:`Message` rows of a ``ConversationModel``."""

    DOCUMENT_CACHE = 64
    HEIGHT_CACHE = 50_000

    def __init__(
        self, parent: QObject | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._documents: _Lru[tuple[str, int], QTextDocument] = _Lru(self.DOCUMENT_CACHE)
        self._heights: _Lru[tuple[str, int], int] = _Lru(self.HEIGHT_CACHE)
        self._estimates: _Lru[tuple[str, int], int] = _Lru(self.HEIGHT_CACHE)
        # id(message) -> (message, view width, size): a relayout of 10,000 rows asks
        # for every size; this answers in a dict lookup. Holding the message keeps
        # its id from being reused while the entry lives.
        self._sizes: dict[int, tuple[Message, int, QSize]] = {}
        self._collected: dict[int, int] = {}  # row -> height, during a full layout
        self._in_layout = False
        self._row_heights: list[int] = []  # per row, as the last full layout had them
        self._row_tops: list[int] = [0]  # running sums: where each row starts
        self.documents_built = 0  # how many QTextDocuments were laid out, for tests
        self._pending: QPersistentModelIndex | None = None
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self._emit_size_hint_changed)
        self.set_font(QFont())

    def set_font(self, font: QFont) -> None:
        """Use ``font`` for message text; drops every cached layout."""
        self._fonts = paint.Fonts.from_font(font)
        self._line_height = QFontMetrics(self._fonts.text).lineSpacing()
        self._char_width = max(QFontMetrics(self._fonts.text).averageCharWidth(), 1)
        self._label_height = QFontMetrics(self._fonts.label).height()
        self._note_height = QFontMetrics(self._fonts.note).height()
        self._documents.clear()
        self._heights.clear()
        self._estimates.clear()
        self._sizes.clear()

    # What a row shows, and how big it is

    def status_text(self, message: Message) -> str | None:
        """The note shown for ``message``'s state, or ``None`` for a finished one."""
        return status_text(message, self._clock())

    def document_for(self, text: str, width: int) -> QTextDocument:
        """The laid-out document for ``text`` at ``width`` (cached)."""
        document = self._documents.get((text, width))
        if document is None:
            document = self._new_document(text, width)
            self._documents.put((text, width), document)
        return document

    def measure(self, message: Message, view_width: int) -> int:
        """The exact height of ``message``'s row; lays the text out if need be.

        Unlike painting, measuring keeps no document, only the height.
        """
        width = body_width(view_width, message.role)
        if message.content and (message.content, width) not in self._heights:
            self._new_document(message.content, width)
        height = self._row_height(message, self._body_height(message, width, exact=True))
        self._remember_size(message, view_width, height)
        return height

    def is_measured(self, message: Message, view_width: int) -> bool:
        """Whether the exact height of ``message``'s row is known."""
        width = body_width(view_width, message.role)
        return not message.content or (message.content, width) in self._heights

    def row_layout(self, rect: QRect, message: Message) -> RowLayout:
        """The geometry of ``message`` painted in ``rect`` (lays its text out)."""
        width = body_width(rect.width(), message.role)
        body = self._body_height(message, width, exact=True)
        note = self._note_height if self._has_note_line(message) else None
        return row_layout(rect, message.role, body, self._label_height, note)

    # What the view's last full layout gave each row

    def begin_layout(self) -> None:
        """The view starts laying out every row: remember the heights it gets.

        ``option.rect`` in ``paint`` comes from a fresh ``sizeHint``, not from the
        layout, so only these remembered heights tell whether a row outgrew it.
        """
        self._in_layout = True
        self._collected = {}

    def end_layout(self) -> None:
        self._in_layout = False
        count = max(self._collected, default=-1) + 1
        self._row_heights = [self._collected.get(row, 0) for row in range(count)]
        self._row_tops = list(accumulate(self._row_heights, initial=0))
        self._collected = {}

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

    def relayout_pending(self) -> bool:
        """Whether a ``sizeHintChanged`` is about to be emitted."""
        return self._relayout.isActive()

    # QStyledItemDelegate

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        message = _message(index)
        view_width = _view_width(option)
        if message is None:
            return QSize(view_width, 0)
        entry = self._sizes.get(id(message))
        if entry is not None and entry[0] is message and entry[1] == view_width:
            size = entry[2]
        else:
            width = body_width(view_width, message.role)
            # A streaming row is on screen and repainted anyway: lay it out exactly,
            # so the region repainted for each chunk covers all of its text.
            exact = message.state is MessageState.STREAMING
            body = self._body_height(message, width, exact=exact)
            size = self._remember_size(message, view_width, self._row_height(message, body))
        if self._in_layout:
            self._collected[index.row()] = size.height()
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        message = _message(index)
        if message is None:
            return
        rect = QRect(option.rect)
        rect.setWidth(_view_width(option))
        width = body_width(rect.width(), message.role)
        document = self.document_for(message.content, width) if message.content else None
        layout = self.row_layout(rect, message)
        self._remember_size(message, rect.width(), layout.height)
        laid_out = self.laid_out_height(index.row())
        if layout.height != (laid_out if laid_out is not None else rect.height()):
            self._request_relayout(index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint.paint_bubble(painter, layout.bubble, STYLES[message.role])
        streaming = message.state is MessageState.STREAMING
        aside = self.status_text(message) if streaming else None
        paint.paint_label(
            painter, layout.label, message, self._fonts, aside or paint.clock_time(message)
        )
        note = self.status_text(message) or ""
        if document is not None:
            paint.paint_document(painter, layout.body, document, self._fonts, streaming)
        else:
            paint.paint_placeholder(painter, layout.body, message.state, note, self._fonts)
        if layout.note is not None:
            paint.paint_note(painter, layout.note, message.state, note, self._fonts)
        painter.restore()

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        message = _message(index)
        role = message.role if message is not None else Role.ASSISTANT
        return MessageBrowser(parent, self._fonts.text, QColor(STYLES[role].background))

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        message = _message(index)
        if isinstance(editor, MessageBrowser) and message is not None:
            editor.show_markdown(message.content)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        """Messages are read-only: nothing goes back to the model."""

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        message = _message(index)
        if message is None:
            return
        rect = QRect(option.rect)
        rect.setWidth(_view_width(option))
        editor.setGeometry(self.row_layout(rect, message).body)

    def eventFilter(self, watched: QObject, event: object) -> bool:
        # The base class commits/closes editors on focus-out, Tab, Escape: not for us.
        if isinstance(watched, MessageBrowser):
            return False
        return bool(super().eventFilter(watched, event))  # type: ignore[arg-type]

    # Heights

    def _new_document(self, text: str, width: int) -> QTextDocument:
        document = QTextDocument()  # no parent: dropped from the LRU, it is freed
        configure_document(document, self._fonts.text)
        document.setHtml(render_markdown(text))
        document.setTextWidth(width)
        self._heights.put((text, width), _ceil(document.size().height()))
        self.documents_built += 1
        return document

    def _body_height(self, message: Message, width: int, *, exact: bool) -> int:
        if not message.content:
            return self._line_height
        key = (message.content, width)
        height = self._heights.get(key)
        if height is not None:
            return height
        if exact:
            self.document_for(message.content, width)
            return self._heights.get(key) or 0
        return self._estimate(message.content, width)

    def _estimate(self, text: str, width: int) -> int:
        key = (text, width)
        cached = self._estimates.get(key)
        if cached is not None:
            return cached
        per_line = max(width // self._char_width, 8)
        lines = sum(1 + len(line) // per_line for line in text.split("\n"))
        fences = text.count("```") // 2
        estimate = lines * self._line_height + fences * (self._line_height + 24)
        self._estimates.put(key, estimate)
        return estimate

    def _has_note_line(self, message: Message) -> bool:
        return bool(message.content) and message.state in NOTE_LINE_STATES

    def _row_height(self, message: Message, body: int) -> int:
        note = self._note_height if self._has_note_line(message) else None
        return row_height(body, self._label_height, note)

    def _remember_size(self, message: Message, view_width: int, height: int) -> QSize:
        if len(self._sizes) >= self.HEIGHT_CACHE:
            self._sizes.clear()
        size = QSize(view_width, height)
        self._sizes[id(message)] = (message, view_width, size)
        return size

    def _request_relayout(self, index: AnyIndex) -> None:
        """Emit ``sizeHintChanged`` once this event-loop pass is over.

        QAbstractItemView answers each emission with a full ``doItemsLayout``;
        painting a screenful of rows must not cost a screenful of layouts.
        """
        if self._pending is None or not self._pending.isValid():
            self._pending = QPersistentModelIndex(index)
        if not self._relayout.isActive():
            self._relayout.start()

    def _emit_size_hint_changed(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and pending.isValid():
            model = pending.model()
            self.sizeHintChanged.emit(model.index(pending.row(), pending.column()))


def _message(index: AnyIndex) -> Message | None:
    model = index.model()
    if isinstance(model, ConversationModel) and index.isValid():
        return model.message(index.row())  # no trip through QVariant
    value = index.data(MessageRole)
    return value if isinstance(value, Message) else None


def _view_width(option: QStyleOptionViewItem) -> int:
    widget = option.widget
    if isinstance(widget, QAbstractScrollArea):
        return int(widget.viewport().width())
    return int(option.rect.width()) or 600


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole == value else whole + 1
