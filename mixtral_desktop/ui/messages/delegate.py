"""Paints one message as a card: who spoke, the rendered Markdown, its state.

Heights are cheap until a row is painted: ``sizeHint`` estimates from the text
length and the font, ``paint`` lays the Markdown out (a :class:`StackedDocument`)
and, when the exact height differs from the laid-out one, asks the view to relayout
(coalesced to once per event-loop pass, or later while the view is being scrolled).

The delegate's parts, each a class of its own: :class:`LayoutCache` (documents,
heights, sizes), :class:`LayoutScheduler` (long texts laid out on the layout worker
while the row shows the start), :class:`RowGeometry` (where the last layout put each
row; relayouts), :class:`ScrollBudget` (rows put off while scrolling) and the painter
functions of :mod:`.painter`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages import painter as paint
from mixtral_desktop.ui.messages.browser import MessageBrowser
from mixtral_desktop.ui.messages.context_mark import FADED_OPACITY, ContextMark
from mixtral_desktop.ui.messages.context_mark import LINE_TEXT as CONTEXT_LINE
from mixtral_desktop.ui.messages.layout_cache import CATCH_UP_CHARS, LayoutCache
from mixtral_desktop.ui.messages.layout_scheduler import LayoutScheduler
from mixtral_desktop.ui.messages.model import message_at as _message
from mixtral_desktop.ui.messages.model import version_at as version_of
from mixtral_desktop.ui.messages.rendering import Rendering
from mixtral_desktop.ui.messages.row_geometry import RowGeometry
from mixtral_desktop.ui.messages.row_sizes import size_rows
from mixtral_desktop.ui.messages.scroll_budget import ScrollBudget
from mixtral_desktop.ui.messages.style import (
    STYLES,
    RowLayout,
    body_width,
    row_layout,
    status_text,
)
from mixtral_desktop.ui.text.document import StackedDocument

AnyIndex = QModelIndex | QPersistentModelIndex


class MessageDelegate(QStyledItemDelegate):
    """Paints :class:`Message` rows of a ``ConversationModel``."""

    def __init__(
        self, rendering: Rendering, parent: QObject | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._rendering = rendering
        self._cache = LayoutCache(rendering.typesetter)
        self._sizes = self._cache.sizes  # (the same dict: read on every sizeHint)
        self.rows = RowGeometry(self.sizeHintChanged.emit, self)
        """Where the view's last full layout put each row; relayouts (and holding them)."""
        self._scheduler = LayoutScheduler(
            self._cache, rendering.layouts, self.rows.request_relayout, _message, self
        )
        self._budget = ScrollBudget(self)
        self.context = ContextMark(self._cache, self.sizeHintChanged.emit)
        """The rows the chat leaves out of its requests (faded, a line under the last)."""

    @property
    def documents_built(self) -> int:
        """How many QTextDocuments were laid out (for tests)."""
        return self._cache.documents_built

    def set_font(self, font: QFont) -> None:
        """Use ``font`` for message text; drops every cached layout."""
        self._cache.set_font(font)
        self._scheduler.forget()
        self._scheduler.unbuildable.clear()
        self._sizes = self._cache.sizes

    def drop_documents(self) -> None:
        """Forget every laid-out document (not the heights): the next paint renders afresh."""
        self._cache.drop_documents()
        self._scheduler.forget()

    def building(self) -> bool:
        """Whether a text is being laid out on the worker thread, or waits to be."""
        return self._scheduler.building()

    # What a row shows, and how big it is

    def status_text(self, message: Message) -> str | None:
        """The note shown for ``message``'s state, or ``None`` for a finished one."""
        return status_text(message, self._clock())

    def document_for(
        self, text: str, width: int, index: AnyIndex | None = None, *, progressive: bool = False
    ) -> StackedDocument:
        """The laid-out document for ``text`` at ``width`` (cached).

        ``progressive`` (with the row's ``index``): a text much longer than what is laid
        out of it comes back laid out up to a prefix, and is laid out in full on the
        worker thread; the row is laid out again when it is.
        """
        key = (text, width)
        document = self._cache.documents.get(key)
        if document is not None:
            return document
        waiting = self._scheduler.waiting(key)
        if waiting is not None:
            if index is not None and not _streams(index):
                self._scheduler.hurry()
            return waiting
        if progressive and index is not None and key not in self._scheduler.unbuildable:
            base = self._cache.growing_base(text, width)
            if len(text) - (len(base.text) if base is not None else 0) > CATCH_UP_CHARS:
                return self._scheduler.lay_out_elsewhere(key, base, index, _streams(index))
        document = self._cache.new_document(text, width)
        self._cache.documents.put(key, document)
        return document

    def measure(
        self, message: Message, view_width: int, *, keep: bool = False,
        index: AnyIndex | None = None,
    ) -> int:
        """The exact height of ``message``'s row; lays the text out if need be.

        Unlike painting, measuring keeps no document, only the height, unless ``keep``
        (the row is about to be painted; with its ``index``, a growing reply may be
        laid out up to a prefix, as painting does).
        """
        width = body_width(view_width, message.role)
        key = (message.content, width)
        if message.content and keep:
            progressive = index is not None and self._progressive(message, width)
            self.document_for(message.content, width, index, progressive=progressive)
        elif (message.content and key not in self._cache.heights
              and key not in self._scheduler.partial):
            self._cache.new_document(message.content, width)
        body = self._body_height(message, width, exact=True)
        height = self._cache.row_height(message, body)
        self._remember_size(message, view_width, height)
        return height

    def is_measured(self, message: Message, view_width: int) -> bool:
        """Whether the exact height of ``message``'s row is known."""
        width = body_width(view_width, message.role)
        return not message.content or (message.content, width) in self._cache.heights

    def row_layout(
        self, rect: QRect, message: Message, index: AnyIndex | None = None
    ) -> RowLayout:
        """The geometry of ``message`` painted in ``rect`` (lays its text out)."""
        width = body_width(rect.width(), message.role)
        body = self._body_height(message, width, exact=True, index=index)
        note = self._cache.note_line(message)
        return row_layout(rect, message.role, body, self._cache.label_height, note)

    # What the view's last full layout gave each row

    def begin_layout(self, view_width: int = 0, messages: list[Message] | None = None) -> None:
        """The view starts laying out every row: remember the heights it gets.

        With the view's width and its model's messages (in row order), ``sizeHint``
        answers the 10,000 calls of a layout without looking anything else up.
        """
        self.rows.begin_layout(view_width, messages)
        if self.rows.layout_messages is not None:
            self.size_rows(self.rows.layout_messages, view_width)

    def size_rows(self, messages: list[Message], view_width: int) -> None:
        """See :func:`~.row_sizes.size_rows`."""
        size_rows(self._cache, self._scheduler.partial, messages, view_width)

    # QStyledItemDelegate

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        rows = self.rows
        messages = rows.layout_messages
        message: Message | None
        if messages is not None:  # a full layout: the fast path
            row = index.row()
            message = messages[row]
            entry = self._sizes.get(id(message))
            if entry is not None and entry[0] is message and entry[1] == rows.layout_width:
                rows.collected[row] = entry[3]
                return entry[2]
            view_width = rows.layout_width
        else:
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
            body = self._body_height(message, width, exact=exact, index=index)
            size = self._remember_size(message, view_width, self._cache.row_height(message, body))
        if rows.in_layout:
            rows.collect(index.row(), size.height())
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        message = _message(index)
        if message is None:
            return
        rect = QRect(option.rect)
        rect.setWidth(_view_width(option))
        width = body_width(rect.width(), message.role)
        if message.content and self._defer_while_scrolling(message.content, width, option):
            cache = self._cache
            paint.paint_pending(
                painter, option.rect, rect, message, cache.fonts, cache.label_height,
                cache.line_height,
            )
            return
        document = None
        if message.content:
            document = self.document_for(
                message.content, width, index, progressive=self._progressive(message, width)
            )
        layout = self.row_layout(rect, message, index)
        self._remember_size(message, rect.width(), layout.height)
        laid_out = self.rows.laid_out_height(index.row())
        outgrown = layout.height != (laid_out if laid_out is not None else rect.height())
        if outgrown:
            self.rows.request_relayout(index)
        fonts = self._cache.fonts
        painter.save()
        if outgrown:  # until the relayout, stay inside the place the layout gave the row
            painter.setClipRect(option.rect, Qt.ClipOperation.IntersectClip)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.context.left_out(index.row()):
            painter.setOpacity(FADED_OPACITY)
        paint.paint_bubble(painter, layout.bubble, STYLES[message.role])
        if option.state & QStyle.StateFlag.State_HasFocus:
            paint.paint_focus(painter, layout.bubble)
        streaming = message.state is MessageState.STREAMING
        paint.paint_label(
            painter, layout.label, message, fonts, paint.aside_text(message), version_of(index)
        )
        note = self.status_text(message) or ""
        if document is not None:
            paint.paint_document(painter, layout.body, document, fonts, streaming, _visible(option))
        else:
            paint.paint_placeholder(painter, layout.body, message.state, note, fonts)
        if layout.note is not None and message is self._cache.context_marked:
            paint.paint_context_line(painter, layout.note, CONTEXT_LINE, fonts)
        elif layout.note is not None:
            paint.paint_note(painter, layout.note, message.state, note, fonts)
        painter.restore()

    def _defer_while_scrolling(
        self, text: str, width: int, option: QStyleOptionViewItem
    ) -> bool:
        """Whether to paint this row's text on a later pass: the user is scrolling, the
        text is not laid out yet and this pass has laid out enough already."""
        if not self.rows.holding():
            return False
        key = (text, width)
        if key in self._cache.documents or key in self._scheduler.partial:
            return False
        return self._budget.spent(option)

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        message = _message(index)
        role = message.role if message is not None else Role.ASSISTANT
        return MessageBrowser(
            parent, self._cache.fonts.text, QColor(STYLES[role].background),
            self._rendering.renderer,
        )

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        message = _message(index)
        if isinstance(editor, MessageBrowser) and message is not None:
            editor.show_markdown(message.content, self._painted_html(message, editor))

    def _painted_html(self, message: Message, editor: QWidget) -> str | None:
        """The HTML of the row's laid-out pieces, joined (what rendering the whole text
        gives: the pieces are its top-level blocks, numbered on), if they are cached."""
        viewport = editor.parentWidget()
        if viewport is None:
            return None
        key = (message.content, body_width(viewport.width(), message.role))
        stack = self._cache.documents.peek(key)
        if stack is None:
            return None
        return "".join(piece.segment.html for piece in stack.pieces)

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

    def _is_growing(self, message: Message, width: int) -> bool:
        """A growing reply: streaming, or extending a document laid out as it grew."""
        return (
            message.state is MessageState.STREAMING
            or self._cache.growing_base(message.content, width) is not None
        )

    def _progressive(self, message: Message, width: int) -> bool:
        """Whether the row may be painted laid out up to a prefix: a growing reply, or a
        text too long to lay out in one frame (a finished reply whose stack was dropped
        when code colours arrived, a long message scrolled into view). Sizing a row
        off screen lays out only a growing reply; the others get an estimate."""
        return len(message.content) > 2 * CATCH_UP_CHARS or self._is_growing(message, width)

    def _body_height(
        self, message: Message, width: int, *, exact: bool, index: AnyIndex | None = None
    ) -> int:
        if not message.content:
            return self._cache.line_height
        key = (message.content, width)
        height = self._cache.heights.get(key)
        if height is not None:
            return height
        waiting = self._scheduler.waiting(key)
        if waiting is not None:
            return waiting.height
        progressive = index is not None and self._is_growing(message, width)
        if exact or progressive:
            return self.document_for(message.content, width, index, progressive=progressive).height
        return self._cache.estimate(message.content, width)

    def _remember_size(self, message: Message, view_width: int, height: int) -> QSize:
        partial = self._scheduler.partial
        if partial and (message.content, body_width(view_width, message.role)) in partial:
            return QSize(view_width, height)  # laid out up to a prefix: holds for one pass
        return self._cache.remember_size(message, view_width, height)


def _streams(index: AnyIndex) -> bool:
    message = _message(index)
    return message is not None and message.state is MessageState.STREAMING


def _view_width(option: QStyleOptionViewItem) -> int:
    widget = option.widget
    if isinstance(widget, QAbstractScrollArea):
        return int(widget.viewport().width())
    return int(option.rect.width()) or 600


def _visible(option: QStyleOptionViewItem) -> QRect:
    """The part of the view's viewport that can show anything (in its coordinates)."""
    widget = option.widget
    if isinstance(widget, QAbstractScrollArea):
        return QRect(widget.viewport().rect())
    return QRect(option.rect)
