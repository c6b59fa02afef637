"""Paints one message as a card: who spoke, the rendered Markdown, its state.

Heights are cheap until a row is painted: ``sizeHint`` estimates from the text
length and the font, ``paint`` lays the Markdown out (a :class:`StackedDocument`)
and, when the exact height differs from the laid-out one, asks the view to relayout
(``sizeHintChanged``, coalesced to once per event-loop pass, or later while the
view is being scrolled). Documents are kept in a small LRU, exact heights in a
large one; both are keyed by (text, width). A streamed chunk misses the cache but
finds the document of the text it extends, and only the end is laid out again. A text
far longer than what is laid out of it (a burst of chunks, a long message scrolled
into view) is laid out on a worker thread while its row shows the start.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate
from typing import Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)
from shiboken6 import isValid

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.conversation.model import ConversationModel, MessageRole
from mixtral_desktop.ui.messages import painter as paint
from mixtral_desktop.ui.messages.browser import MessageBrowser
from mixtral_desktop.ui.messages.document import StackedDocument, build_for_thread
from mixtral_desktop.ui.messages.markdown import SEGMENT_CHARS, prepare_for_threads
from mixtral_desktop.ui.messages.style import (
    NOTE_LINE_STATES,
    STYLES,
    RowLayout,
    body_width,
    row_height,
    row_layout,
    status_text,
)
from mixtral_desktop.ui.workers.background import run_in_background

AnyIndex = QModelIndex | QPersistentModelIndex
Key = tuple[str, int]  # (text, width)
log = logging.getLogger(__name__)
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

    def peek(self, key: K) -> V | None:
        """The value, without making it the most recently used."""
        return self._data.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)


class MessageDelegate(QStyledItemDelegate):
    """Paints :class:`Message` rows of a ``ConversationModel``."""

    DOCUMENT_CACHE = 64
    HEIGHT_CACHE = 50_000
    GROWING = 8  # recent long documents a streamed text may extend
    CATCH_UP_CHARS = 3000  # a text this much longer than its laid-out start: a worker's job
    START_CHARS = 600  # what such a row shows at once until the worker is done
    # A streaming row's text is first laid out on the worker this long after it outran
    # its layout: a burst (100 KB in ~30 ms) is over by then and laid out once, whole,
    # on two threads. Laying out its start meanwhile took the CPU the reader and the
    # window needed (A/B: last byte to painted 55 -> 47 ms, p99 gap 13.0 -> 10.7 ms).
    STREAM_BUILD_DELAY_MS = 60
    SCROLL_PAINT_BUDGET_S = 0.004  # while scrolling, new rows laid out per pass, at most

    def __init__(
        self, parent: QObject | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._documents: _Lru[tuple[str, int], StackedDocument] = _Lru(self.DOCUMENT_CACHE)
        self._growing: list[StackedDocument] = []  # newest first
        # A text more than CATCH_UP_CHARS longer than what is laid out of it (a burst
        # of chunks, a long message scrolled into view) is laid out on a worker thread
        # (a 100 KB reply: ~100 ms no frame should wait for). Meanwhile its row shows
        # the start laid out so far, or its first START_CHARS (kept short: they are laid
        # out on the GUI thread, at the busiest moment of a burst); when the whole
        # arrives, the row is laid out again.
        # One text is built at a time: the rows waiting ask again when it is done, and
        # a newer text of a streaming row carries on from the one just built.
        self._partial: dict[Key, tuple[StackedDocument, QPersistentModelIndex]] = {}
        self._building: Key | None = None
        self._rush = threading.Event()  # the worker's build may take a helper thread
        self._generation = 0  # a build started before the documents were dropped is stale
        self._unbuildable: set[Key] = set()  # a worker's build failed: laid out here
        self._heights: _Lru[tuple[str, int], int] = _Lru(self.HEIGHT_CACHE)
        self._estimates: _Lru[tuple[str, int], int] = _Lru(self.HEIGHT_CACHE)
        # id(message) -> (message, view width, its row's size, that size's height): a
        # relayout of 10,000 rows asks for every size; this answers in a dict lookup.
        # Holding the message keeps its id from being reused while the entry lives.
        self._sizes: dict[int, tuple[Message, int, QSize, int]] = {}
        self._counts: dict[str, tuple[int, int]] = {}  # text -> count_lines_and_fences
        self._collected: list[int] = []  # row -> height, during a full layout
        self._in_layout = False
        self._layout_width = 0
        self._layout_messages: list[Message] | None = None
        self._row_heights: list[int] = []  # per row, as the last full layout had them
        self._row_tops: list[int] = [0]  # running sums: where each row starts
        self.documents_built = 0  # how many QTextDocuments were laid out, for tests
        self._pending: QPersistentModelIndex | None = None
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self._emit_size_hint_changed)
        self._hold_until = 0.0  # while the view scrolls, relayouts wait until then
        # While the user scrolls, a pass lays out new rows for SCROLL_PAINT_BUDGET_S at
        # most; the others are painted as empty bubbles and filled in on the next pass.
        self._pass_started = 0.0
        self._pass = QTimer(self)  # active from the first paint of a pass to its end
        self._pass.setSingleShot(True)
        self._pass.setInterval(0)
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(0)
        self._repaint.timeout.connect(self._repaint_view)
        self._repaint_target: QWidget | None = None
        self._stream_delay = QTimer(self)  # until it fires, no streaming text is built
        self._stream_delay.setSingleShot(True)
        self._stream_delay.setInterval(self.STREAM_BUILD_DELAY_MS)
        self._stream_delay.timeout.connect(self._stream_delay_over)
        self._stream_delay_over_for: str | None = None  # a text whose stream waited
        self.set_font(QFont())

    def set_font(self, font: QFont) -> None:
        """Use ``font`` for message text; drops every cached layout."""
        self._fonts = paint.Fonts.from_font(font)
        self._line_height = QFontMetrics(self._fonts.text).lineSpacing()
        self._char_width = max(QFontMetrics(self._fonts.text).averageCharWidth(), 1)
        self._label_height = QFontMetrics(self._fonts.label).height()
        self._note_height = QFontMetrics(self._fonts.note).height()
        self.drop_documents()
        self._unbuildable.clear()
        self._heights.clear()
        self._estimates.clear()
        self._sizes.clear()

    def drop_documents(self) -> None:
        """Forget every laid-out document (not the heights): the next paint renders afresh."""
        self._documents.clear()
        self._growing.clear()
        self._partial = {}
        self._generation += 1

    def building(self) -> bool:
        """Whether a text is being laid out on the worker thread, or waits to be."""
        return self._building is not None or bool(self._partial)

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
        document = self._documents.get(key)
        if document is not None:
            return document
        waiting = self._partial.get(key)
        if waiting is not None:
            if index is not None and not _streams(index):
                self._rush.set()  # the stream is over: the build in flight takes the helper
            return waiting[0]
        if progressive and index is not None and key not in self._unbuildable:
            base = self._growing_base(text, width)
            if len(text) - (len(base.text) if base is not None else 0) > self.CATCH_UP_CHARS:
                return self._lay_out_elsewhere(key, base, index)
        document = self._new_document(text, width)
        self._documents.put(key, document)
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
        elif message.content and key not in self._heights and key not in self._partial:
            self._new_document(message.content, width)
        body = self._body_height(message, width, exact=True)
        height = self._row_height(message, body)
        self._remember_size(message, view_width, height)
        return height

    def is_measured(self, message: Message, view_width: int) -> bool:
        """Whether the exact height of ``message``'s row is known."""
        width = body_width(view_width, message.role)
        return not message.content or (message.content, width) in self._heights

    def row_layout(
        self, rect: QRect, message: Message, index: AnyIndex | None = None
    ) -> RowLayout:
        """The geometry of ``message`` painted in ``rect`` (lays its text out)."""
        width = body_width(rect.width(), message.role)
        body = self._body_height(message, width, exact=True, index=index)
        note = self._note_height if self._has_note_line(message) else None
        return row_layout(rect, message.role, body, self._label_height, note)

    # What the view's last full layout gave each row

    def begin_layout(self, view_width: int = 0, messages: list[Message] | None = None) -> None:
        """The view starts laying out every row: remember the heights it gets.

        ``option.rect`` in ``paint`` comes from a fresh ``sizeHint``, not from the
        layout, so only these remembered heights tell whether a row outgrew it.
        With the view's width and its model's messages (in row order), ``sizeHint``
        answers the 10,000 calls of a layout without looking anything else up.
        """
        self._in_layout = True
        self._layout_width = view_width
        self._layout_messages = messages if view_width > 0 else None
        if self._layout_messages is not None:
            self.size_rows(self._layout_messages, view_width)
        self._collected = [0] * len(messages) if messages is not None else []

    def size_rows(self, messages: list[Message], view_width: int) -> None:
        """Give every finished row its size in one tight loop before the layout asks
        (at the start of a full layout, or ahead of one: a background tab, while idle).

        The first layout of a long conversation at a new width asks ``sizeHint`` for
        every row; this answers what ``sizeHint`` would (a measured height, else the
        estimate) without its per-call work, so each call is one dictionary look-up.
        Rows whose size depends on more (streaming, laid out up to a prefix, extending
        a growing document) are left to ``sizeHint``.
        """
        sizes = self._sizes
        if len(sizes) + len(messages) > self.HEIGHT_CACHE:
            return
        counts = self._counts
        if len(counts) + len(messages) > self.HEIGHT_CACHE:
            counts.clear()
        heights, partial = self._heights.peek, self._partial
        long_text = 2 * SEGMENT_CHARS
        line_height = self._line_height
        by_role = {  # keyed by id(): hashing an Enum runs Python code
            id(role): (width, self._chars_per_line(width))
            for role in Role
            for width in [body_width(view_width, role)]
        }
        plain_row = row_height(0, self._label_height, None)
        noted_row = row_height(0, self._label_height, self._note_height)
        streaming = MessageState.STREAMING
        noted = {id(state) for state in NOTE_LINE_STATES}
        shared: dict[int, QSize] = {}  # one QSize per height (Qt copies what we return)
        for message in messages:
            entry = sizes.get(id(message))
            content = message.content
            state = message.state
            if (entry is not None and entry[0] is message and entry[1] == view_width) or (
                not content or state is streaming
            ):
                continue
            width, per_line = by_role[id(message.role)]
            key = (content, width)
            body = heights(key)
            if body is None:
                if key in partial or (
                    len(content) >= long_text and self._growing_base(content, width)
                ):
                    continue
                text_counts = counts.get(content)
                if text_counts is None:
                    text_counts = counts[content] = count_lines_and_fences(content)
                body = estimated_height(content, per_line, line_height, text_counts)
            height = (noted_row if id(state) in noted else plain_row) + body
            size = shared.get(height)
            if size is None:
                size = shared[height] = QSize(view_width, height)
            sizes[id(message)] = (message, view_width, size, height)

    def end_layout(self) -> None:
        self._in_layout = False
        self._layout_messages = None
        collected = self._collected
        count = len(collected)
        while count and not collected[count - 1]:
            count -= 1
        self._row_heights = collected[:count]
        self._row_tops = list(accumulate(self._row_heights, initial=0))
        self._collected = []

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

    def hold_relayout(self, ms: int) -> None:
        """For ``ms`` from now, a relayout asked for waits (the view is being scrolled).

        A layout asks every row its size: ~50 ms at 10,000 rows. While the user drags
        through rows never seen, each frame would pay it; rows are painted clipped to
        their laid-out place instead, and one relayout follows the pause.
        """
        self._hold_until = time.monotonic() + ms / 1000
        if self._relayout.isActive():
            self._relayout.start(ms)

    # QStyledItemDelegate

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        messages = self._layout_messages
        message: Message | None
        if messages is not None:  # a full layout: the fast path
            row = index.row()
            message = messages[row]
            entry = self._sizes.get(id(message))
            if entry is not None and entry[0] is message and entry[1] == self._layout_width:
                self._collected[row] = entry[3]
                return entry[2]
            view_width = self._layout_width
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
            size = self._remember_size(message, view_width, self._row_height(message, body))
        if self._in_layout:
            row = index.row()
            if row >= len(self._collected):
                self._collected.extend([0] * (row + 1 - len(self._collected)))
            self._collected[row] = size.height()
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        message = _message(index)
        if message is None:
            return
        rect = QRect(option.rect)
        rect.setWidth(_view_width(option))
        width = body_width(rect.width(), message.role)
        if message.content and self._defer_while_scrolling(message.content, width, option):
            self._paint_pending(painter, option, rect, message)
            return
        document = None
        if message.content:
            document = self.document_for(
                message.content, width, index, progressive=self._progressive(message, width)
            )
        layout = self.row_layout(rect, message, index)
        self._remember_size(message, rect.width(), layout.height)
        laid_out = self.laid_out_height(index.row())
        outgrown = layout.height != (laid_out if laid_out is not None else rect.height())
        if outgrown:
            self._request_relayout(index)
        painter.save()
        if outgrown:  # until the relayout, stay inside the place the layout gave the row
            painter.setClipRect(option.rect, Qt.ClipOperation.IntersectClip)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint.paint_bubble(painter, layout.bubble, STYLES[message.role])
        streaming = message.state is MessageState.STREAMING
        aside = self.status_text(message) if streaming else None
        paint.paint_label(
            painter, layout.label, message, self._fonts, aside or paint.clock_time(message)
        )
        note = self.status_text(message) or ""
        if document is not None:
            paint.paint_document(
                painter, layout.body, document, self._fonts, streaming, _visible(option)
            )
        else:
            paint.paint_placeholder(painter, layout.body, message.state, note, self._fonts)
        if layout.note is not None:
            paint.paint_note(painter, layout.note, message.state, note, self._fonts)
        painter.restore()

    def _defer_while_scrolling(
        self, text: str, width: int, option: QStyleOptionViewItem
    ) -> bool:
        """Whether to paint this row's text on a later pass: the user is scrolling, the
        text is not laid out yet and this pass has laid out enough already."""
        if time.monotonic() >= self._hold_until:
            return False
        key = (text, width)
        if key in self._documents or key in self._partial:
            return False
        now = time.perf_counter()
        if not self._pass.isActive():
            self._pass_started = now
            self._pass.start()
        if now - self._pass_started <= self.SCROLL_PAINT_BUDGET_S:
            return False
        widget = option.widget
        self._repaint_target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else (
            widget if isinstance(widget, QWidget) else None
        )
        self._repaint.start()
        return True

    def _paint_pending(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, message: Message
    ) -> None:
        """The row's bubble and label in the place the layout gave it; the text follows."""
        chrome = row_height(0, self._label_height, None)
        body = max(option.rect.height() - chrome, self._line_height)
        layout = row_layout(rect, message.role, body, self._label_height, None)
        painter.save()
        painter.setClipRect(option.rect, Qt.ClipOperation.IntersectClip)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint.paint_bubble(painter, layout.bubble, STYLES[message.role])
        paint.paint_label(painter, layout.label, message, self._fonts, paint.clock_time(message))
        painter.restore()

    def _repaint_view(self) -> None:
        target, self._repaint_target = self._repaint_target, None
        if target is not None:
            target.update()

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        message = _message(index)
        role = message.role if message is not None else Role.ASSISTANT
        return MessageBrowser(parent, self._fonts.text, QColor(STYLES[role].background))

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
        stack = self._documents.peek(key)
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

    def _growing_base(self, text: str, width: int) -> StackedDocument | None:
        """The newest long document laid out for a text that ``text`` extends."""
        if len(text) < 2 * SEGMENT_CHARS and len(text) <= self.CATCH_UP_CHARS:
            return None  # (a longer one may be caught up from a prefix)
        return next(
            (d for d in self._growing if d.width == width and text.startswith(d.text)), None
        )

    def _is_growing(self, message: Message, width: int) -> bool:
        """A growing reply: streaming, or extending a document laid out as it grew."""
        return (
            message.state is MessageState.STREAMING
            or self._growing_base(message.content, width) is not None
        )

    def _progressive(self, message: Message, width: int) -> bool:
        """Whether the row may be painted laid out up to a prefix: a growing reply, or a
        text too long to lay out in one frame (a finished reply whose stack was dropped
        when code colours arrived, a long message scrolled into view). Sizing a row
        off screen lays out only a growing reply; the others get an estimate."""
        return len(message.content) > 2 * self.CATCH_UP_CHARS or self._is_growing(message, width)

    def _new_document(self, text: str, width: int) -> StackedDocument:
        """Lay ``text`` out here (growing the document of a text it extends, if any)."""
        base = self._growing_base(text, width)
        if base is not None and len(base.text) < len(text):
            document = base.grown(text, self._fonts.text)
        elif base is not None:
            document = base
        else:
            document = StackedDocument.build(text, width, self._fonts.text)
        if len(text) >= 2 * SEGMENT_CHARS:
            self._remember_growing(document, base)
        self._heights.put((text, width), document.height)
        self.documents_built += 1
        return document

    def _remember_growing(self, document: StackedDocument, base: StackedDocument | None) -> None:
        if document is base:
            return
        if base is not None and base in self._growing:
            self._growing.remove(base)
        self._growing.insert(0, document)
        del self._growing[self.GROWING:]

    def _lay_out_elsewhere(
        self, key: Key, base: StackedDocument | None, index: AnyIndex
    ) -> StackedDocument:
        """Show the start of the text now; the whole follows from the worker thread."""
        if base is None:
            base = StackedDocument.build(key[0][: self.START_CHARS], key[1], self._fonts.text)
            self.documents_built += 1
        self._partial[key] = (base, QPersistentModelIndex(index))
        message = _message(index)
        if message is not None:
            # A size remembered from an estimate no longer holds: the row shows the start
            # now. Kept, it made each layout give the row the estimate and each paint
            # find it outgrown: a relayout on every pass until the text was laid out,
            # ~35 in a burst's last 50 ms, on the CPU the layout threads needed.
            self._sizes.pop(id(message), None)
        streaming = _streams(index)
        if self._building is not None:
            if not streaming:
                self._rush.set()  # the stream is over: the build in flight takes the helper
        elif streaming and not self._waited(key[0]):
            if not self._stream_delay.isActive():
                self._stream_delay.start()
        else:
            self._build_elsewhere(key, base, rush=not streaming)
        return base

    def _waited(self, text: str) -> bool:
        """Whether ``text`` extends a streamed text that waited STREAM_BUILD_DELAY_MS."""
        waited = self._stream_delay_over_for
        return waited is not None and text.startswith(waited)

    def _stream_delay_over(self) -> None:
        """The stream still outruns its layout: the waiting rows ask again, and build
        (each later text of that stream at once)."""
        if self._building is not None or not self._partial:
            return  # (the stream ended meanwhile: its text is being built)
        self._stream_delay_over_for = max(self._partial, key=lambda k: len(k[0]))[0]
        self._ask_again()

    def _build_elsewhere(self, key: Key, base: StackedDocument, rush: bool) -> None:
        """Lay ``key``'s text out on the worker thread. A second thread helps with the
        pieces once ``rush`` is set: at once for a finished text, when its stream ends
        for a streaming one (until then the window and the reader need the CPU more)."""
        self._building = key
        text = key[0]
        generation = self._generation
        font = QFont(self._fonts.text)
        home = self.thread()
        self._rush = threading.Event()
        if rush:
            self._rush.set()
        helper_wanted = self._rush
        prepare_for_threads()

        def build() -> StackedDocument:
            return build_for_thread(text, base, font, home, helper_wanted)

        def built(document: StackedDocument) -> None:
            if isValid(self):
                self._built(key, generation, base, document)

        def failed(error: Exception) -> None:
            if isValid(self):
                log.error("laying a message out failed: %s", type(error).__name__)
                self._unbuildable.add(key)
                self._built(key, generation, base, None)

        run_in_background(build, built, failed, _layout_pool())

    def _built(
        self, key: Key, generation: int, base: StackedDocument, document: StackedDocument | None
    ) -> None:
        """A worker's build is done: keep it (unless stale) and let waiting rows ask again."""
        self._building = None
        self.documents_built += 1
        if document is not None and generation == self._generation:
            self._documents.put(key, document)
            self._heights.put(key, document.height)
            self._remember_growing(document, base)
        self._ask_again()

    def _ask_again(self) -> None:
        """The rows waiting for a text to be laid out elsewhere are laid out again (and
        ask for their text again)."""
        waiting, self._partial = self._partial, {}
        for _, index in waiting.values():
            if index.isValid():
                self._request_relayout(index)

    def _body_height(
        self, message: Message, width: int, *, exact: bool, index: AnyIndex | None = None
    ) -> int:
        if not message.content:
            return self._line_height
        key = (message.content, width)
        height = self._heights.get(key)
        if height is not None:
            return height
        waiting = self._partial.get(key)
        if waiting is not None:
            return waiting[0].height
        progressive = index is not None and self._is_growing(message, width)
        if exact or progressive:
            return self.document_for(message.content, width, index, progressive=progressive).height
        return self._estimate(message.content, width)

    def _estimate(self, text: str, width: int) -> int:
        key = (text, width)
        cached = self._estimates.get(key)
        if cached is not None:
            return cached
        estimate = estimated_height(text, self._chars_per_line(width), self._line_height)
        self._estimates.put(key, estimate)
        return estimate

    def _chars_per_line(self, width: int) -> int:
        return max(width // self._char_width, 8)

    def _has_note_line(self, message: Message) -> bool:
        return bool(message.content) and message.state in NOTE_LINE_STATES

    def _row_height(self, message: Message, body: int) -> int:
        note = self._note_height if self._has_note_line(message) else None
        return row_height(body, self._label_height, note)

    def _remember_size(self, message: Message, view_width: int, height: int) -> QSize:
        size = QSize(view_width, height)
        if self._partial and (message.content, body_width(view_width, message.role)) in (
            self._partial
        ):
            return size  # laid out up to a prefix: this height holds for one pass only
        if len(self._sizes) >= self.HEIGHT_CACHE:
            self._sizes.clear()
        self._sizes[id(message)] = (message, view_width, size, height)
        return size

    def _request_relayout(self, index: AnyIndex) -> None:
        """Emit ``sizeHintChanged`` once this event-loop pass is over.

        QAbstractItemView answers each emission with a full ``doItemsLayout``;
        painting a screenful of rows must not cost a screenful of layouts.
        """
        if self._pending is None or not self._pending.isValid():
            self._pending = QPersistentModelIndex(index)
        if not self._relayout.isActive():
            wait = self._hold_until - time.monotonic()
            self._relayout.start(max(int(wait * 1000), 0))

    def _emit_size_hint_changed(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and pending.isValid():
            model = pending.model()
            self.sizeHintChanged.emit(model.index(pending.row(), pending.column()))


@lru_cache(maxsize=1)
def _layout_pool() -> QThreadPool:
    """The one worker thread long texts are laid out on (one at a time, app-wide)."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    return pool


def wait_for_layouts(timeout_ms: int = 2000) -> bool:
    """Join the layout worker (on quit): whether it finished within ``timeout_ms``."""
    return bool(_layout_pool().waitForDone(timeout_ms))


def count_lines_and_fences(text: str) -> tuple[int, int]:
    """The lines of ``text`` before wrapping, and its code blocks (C-speed counts)."""
    return text.count("\n") + 1, text.count("```") // 2


def estimated_height(
    text: str, chars_per_line: int, line_height: int, counts: tuple[int, int] | None = None
) -> int:
    """A text's height guessed without laying it out: wrapped lines plus one per line
    break, and room for each code block's frame. A first layout of 10,000 rows estimates
    every one of them; ``counts`` (:func:`count_lines_and_fences`) may be remembered."""
    lines, fences = counts if counts is not None else count_lines_and_fences(text)
    return (lines + len(text) // chars_per_line) * line_height + fences * (line_height + 24)


def _message(index: AnyIndex) -> Message | None:
    model = index.model()
    if isinstance(model, ConversationModel) and index.isValid():
        return model.message(index.row())  # no trip through QVariant
    value = index.data(MessageRole)
    return value if isinstance(value, Message) else None


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
