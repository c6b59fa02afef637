"""What the message delegate remembers: laid-out documents, exact and estimated heights,
each row's size, and the long documents a streamed text may grow from.

Documents are kept in a small LRU, heights in large ones; both are keyed by
(text, width). A streamed chunk misses the cache but finds the document of the text it
extends (:meth:`LayoutCache.growing_base`), and only the end is laid out again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont, QFontMetrics

from mixtral_desktop.core.domain.conversation import Message
from mixtral_desktop.ui.messages import painter as paint
from mixtral_desktop.ui.messages.style import NOTE_LINE_STATES, row_height
from mixtral_desktop.ui.text.document import StackedDocument, Typesetter
from mixtral_desktop.ui.text.segments import SEGMENT_CHARS

Key = tuple[str, int]  # (text, width)
K = TypeVar("K")
V = TypeVar("V")

CATCH_UP_CHARS = 3000
"""A text this much longer than its laid-out start is a worker's job (see the scheduler)."""


class Lru(Generic[K, V]):
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


class LayoutCache:
    """Documents, heights and sizes of one view's messages, at the view's font."""

    DOCUMENT_CACHE = 64
    HEIGHT_CACHE = 50_000
    GROWING = 8  # recent long documents a streamed text may extend

    def __init__(self, typesetter: Typesetter) -> None:
        self.typesetter = typesetter
        self.documents: Lru[Key, StackedDocument] = Lru(self.DOCUMENT_CACHE)
        self.growing: list[StackedDocument] = []  # newest first
        self.heights: Lru[Key, int] = Lru(self.HEIGHT_CACHE)
        self.estimates: Lru[Key, int] = Lru(self.HEIGHT_CACHE)
        # id(message) -> (message, view width, its row's size, that size's height): a
        # relayout of 10,000 rows asks for every size; this answers in a dict lookup.
        # Holding the message keeps its id from being reused while the entry lives.
        self.sizes: dict[int, tuple[Message, int, QSize, int]] = {}
        self.counts: dict[str, tuple[int, int]] = {}  # text -> count_lines_and_fences
        self.documents_built = 0  # how many QTextDocuments were laid out, for tests
        self.context_marked: Message | None = None
        """The last row a chat leaves out of its requests: a line under it says so."""
        self.set_font(QFont())

    def set_font(self, font: QFont) -> None:
        """Use ``font`` for message text; forgets everything laid out or measured."""
        self.fonts = paint.Fonts.from_font(font)
        metrics = QFontMetrics(self.fonts.text)
        self.line_height = metrics.lineSpacing()
        self.char_width = max(metrics.averageCharWidth(), 1)
        self.label_height = QFontMetrics(self.fonts.label).height()
        self.note_height = QFontMetrics(self.fonts.note).height()
        self.drop_documents()
        self.heights.clear()
        self.estimates.clear()
        self.sizes.clear()

    def drop_documents(self) -> None:
        """Forget every laid-out document (not the heights)."""
        self.documents.clear()
        self.growing.clear()

    def growing_base(self, text: str, width: int) -> StackedDocument | None:
        """The newest long document laid out for a text that ``text`` extends."""
        if len(text) < 2 * SEGMENT_CHARS and len(text) <= CATCH_UP_CHARS:
            return None  # (a longer one may be caught up from a prefix)
        return next(
            (d for d in self.growing if d.width == width and text.startswith(d.text)), None
        )

    def remember_growing(self, document: StackedDocument, base: StackedDocument | None) -> None:
        if document is base:
            return
        if base is not None and base in self.growing:
            self.growing.remove(base)
        self.growing.insert(0, document)
        del self.growing[self.GROWING:]

    def new_document(self, text: str, width: int) -> StackedDocument:
        """Lay ``text`` out here (growing the document of a text it extends, if any)."""
        base = self.growing_base(text, width)
        font = self.fonts.text
        if base is not None and len(base.text) < len(text):
            document = self.typesetter.grow(base, text, font)
        elif base is not None:
            document = base
        else:
            document = self.typesetter.build(text, width, font)
        if len(text) >= 2 * SEGMENT_CHARS:
            self.remember_growing(document, base)
        self.heights.put((text, width), document.height)
        self.documents_built += 1
        return document

    def keep(self, key: Key, document: StackedDocument, base: StackedDocument | None) -> None:
        """A document laid out elsewhere (a worker's), for ``key``."""
        self.documents.put(key, document)
        self.heights.put(key, document.height)
        self.remember_growing(document, base)

    def estimate(self, text: str, width: int) -> int:
        key = (text, width)
        cached = self.estimates.get(key)
        if cached is not None:
            return cached
        estimate = estimated_height(text, self.chars_per_line(width), self.line_height)
        self.estimates.put(key, estimate)
        return estimate

    def chars_per_line(self, width: int) -> int:
        return max(width // self.char_width, 8)

    def note_line(self, message: Message) -> int | None:
        """The height of the note under ``message``'s text ("stopped", …), if it has one."""
        has_note = ((bool(message.content) and message.state in NOTE_LINE_STATES)
                    or bool(message.attachments))
        return self.note_height if has_note or message is self.context_marked else None

    def row_height(self, message: Message, body: int) -> int:
        """The row's height around a text ``body`` high: label, text, note."""
        return row_height(body, self.label_height, self.note_line(message))

    def remember_size(self, message: Message, view_width: int, height: int) -> QSize:
        size = QSize(view_width, height)
        if len(self.sizes) >= self.HEIGHT_CACHE:
            self.sizes.clear()
        self.sizes[id(message)] = (message, view_width, size, height)
        return size


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
