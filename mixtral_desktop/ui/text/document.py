"""A message's Markdown laid out at one width, as a stack of ``QTextDocument`` pieces.

One document for a 100 KB reply costs ~100 ms to parse, build and lay out, and a
streamed reply grows 30 times a second. So a long message is cut into segments of
whole Markdown blocks (:meth:`MarkdownRenderer.segments`); each gets its own document, and the
documents are stacked with the space one document would have put between them, so
the result is pixel for pixel the same. A text that extends a stack already laid
out (the next state of a streamed reply) reuses every segment but the last, which
is the only one the new text can change: each update costs the size of the tail,
not of the reply. Painting draws only the segments in view.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QThread
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QPainter, QTextDocument

from mixtral_desktop.ui.text.markdown import document_css
from mixtral_desktop.ui.text.native import TextEngine
from mixtral_desktop.ui.text.renderer import MarkdownRenderer
from mixtral_desktop.ui.text.segments import SEGMENT_CHARS, Segment, splittable

WORKER_PIECE_CHARS = 2 * SEGMENT_CHARS
"""A worker builds pieces twice as long as those the GUI thread grows a streamed text by:
half as many documents made, filled and laid out, each call letting go of the GIL and
taking it back (A/B: a burst's last byte to painted 50 -> 46 ms)."""


def configure_document(document: QTextDocument, font: QFont) -> None:
    """Give ``document`` the settings every rendered message uses."""
    document.setDefaultStyleSheet(document_css())
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setIndentWidth(22)  # per list level; Qt's 40 px wastes a narrow bubble
    document.setUndoRedoEnabled(False)


def unshared_font(font: QFont) -> QFont:
    """A font equal to ``font`` that shares no private data with it.

    A copy of a ``QFont`` shares its private part, whose font-engine cache is replaced
    by whichever thread uses it next (Qt swaps out another thread's engines with no
    lock around the copies' other uses). A document built off the GUI thread gets a
    font of its own, so the GUI thread drawing or laying out the pieces already handed
    to it never races the worker on one font (suspected in a rare abort on CI, the GUI
    thread's events running while the layout worker laid a piece out). ~4 µs a piece."""
    copy = QFont()
    copy.fromString(font.toString())  # (each setter detaches a fresh QFont)
    copy.setFamilies(font.families())
    copy.setResolveMask(font.resolveMask())
    return copy


@dataclass(frozen=True)
class Piece:
    segment: Segment
    document: QTextDocument
    height: float  # the document's height
    gap: float  # space under it when another piece follows (its last block's margin)


class StackedDocument:
    """Immutable once built; pieces may be shared with the stack it grew from."""

    def __init__(self, text: str, width: int, pieces: Sequence[Piece]) -> None:
        self.text = text
        self.width = width
        self.pieces = tuple(pieces)
        tops = [0.0]
        for piece in self.pieces[:-1]:
            tops.append(tops[-1] + piece.height + piece.gap)
        self._tops = tops
        exact = tops[-1] + self.pieces[-1].height
        whole = int(exact)
        self.height = whole if whole == exact else whole + 1

    def draw(self, painter: QPainter, context: QAbstractTextDocumentLayout.PaintContext,
             visible: QRectF) -> None:
        """Draw the pieces meeting ``visible`` (in the stack's own coordinates)."""
        first = max(bisect_right(self._tops, visible.top()) - 1, 0)
        for index in range(first, len(self.pieces)):
            top = self._tops[index]
            if top > visible.bottom():
                break
            piece = self.pieces[index]
            painter.save()
            painter.translate(0, top)
            context.clip = visible.translated(0, -top)
            piece.document.documentLayout().draw(painter, context)
            painter.restore()

    def last_document(self) -> tuple[QTextDocument, float]:
        """The last piece's document and where it starts (for a caret after the text)."""
        return self.pieces[-1].document, self._tops[-1]


class Typesetter:
    """Lays Markdown out as :class:`StackedDocument` s: the renderer's segments, each a
    document filled and laid out by the text ``engine``, some built on the ``helper``
    thread when there are several (see :meth:`_pieces`)."""

    def __init__(
        self, renderer: MarkdownRenderer, engine: TextEngine, helper: Executor | None = None
    ) -> None:
        self.renderer = renderer
        self.engine = engine
        self._helper = helper

    def build(
        self, text: str, width: int, font: QFont, home: QThread | None = None,
        helper_wanted: threading.Event | None = None, piece_chars: int = SEGMENT_CHARS,
    ) -> StackedDocument:
        """Lay ``text`` out; the documents live in ``home`` (by default this thread).
        See :meth:`_pieces` for ``helper_wanted``; pieces have ``piece_chars`` or more."""
        segments = self.renderer.segments(text, min_chars=piece_chars)
        return StackedDocument(
            text, width, self._pieces(segments, width, font, home, helper_wanted)
        )

    def grow(
        self, stack: StackedDocument, text: str, font: QFont, home: QThread | None = None,
        helper_wanted: threading.Event | None = None, piece_chars: int = SEGMENT_CHARS,
    ) -> StackedDocument:
        """The stack for ``text``, which starts with ``stack``'s text: every piece of
        ``stack`` but the last is kept, the rest is laid out."""
        kept = stack.pieces[:-1]
        start = stack.pieces[-1].segment.start
        if not splittable(text) or not splittable(text[start:]):  # one piece, as a whole
            return self.build(text, stack.width, font, home, helper_wanted, piece_chars)
        code_index = sum(piece.segment.code_blocks for piece in kept)
        tail = self.renderer.segments(
            text[start:], code_index=code_index, min_chars=piece_chars
        )
        moved = [
            Segment(s.start + start, s.end + start, s.html, s.code_blocks) for s in tail
        ]
        pieces = self._pieces(moved, stack.width, font, home, helper_wanted)
        return StackedDocument(text, stack.width, [*kept, *pieces])

    def build_for_thread(
        self, text: str, base: StackedDocument, font: QFont, home: QThread,
        helper_wanted: threading.Event | None = None,
    ) -> StackedDocument:
        """The stack for ``text`` (which extends ``base``'s), built on a worker thread.

        ``QTextDocument`` is reentrant: one thread may build and lay out a document that
        no other thread touches meanwhile (``grow`` only reads the kept pieces'
        segments). The new documents are handed to ``home`` (the GUI thread, which
        paints them) once built, so that their timers and their deletion happen there.
        Its pieces are :data:`WORKER_PIECE_CHARS` long.
        """
        return self.grow(base, text, font, home, helper_wanted, WORKER_PIECE_CHARS)

    def _pieces(
        self, segments: Sequence[Segment], width: int, font: QFont, home: QThread | None,
        helper_wanted: threading.Event | None = None,
    ) -> list[Piece]:
        """The pieces for ``segments``, built on two threads when there are several.

        Filling a document and laying it out mostly run without the GIL (the native
        engine), so a helper thread building pieces too makes a burst's layout nearly
        twice as fast on two cores (A/B: last byte to painted 81 -> 58 ms). It also
        takes CPU and GIL time from the GUI thread (burst p99 gap 12.7 -> 15.1 ms), so
        with ``helper_wanted`` the helper joins only once that event is set (the stream
        has ended), even in the middle of the pieces. A document built on the helper, or
        on this thread when ``home`` is another, is handed to ``home`` by the thread
        that built it (only an object's own thread may move it).
        """
        target = home if home is not None else QThread.currentThread()
        # (PySide's engine keeps the GIL: a helper would only wait for it, and two
        # threads holding Qt's locks and the GIL in turn is how deadlocks start.)
        if len(segments) < 2 or self._helper is None or self.engine.name == "pyside":
            return [self._piece(segment, width, font, target) for segment in segments]
        built: list[Piece | None] = [None] * len(segments)
        queue = iter(range(len(segments)))
        lock = threading.Lock()
        helping: Future[None] | None = None
        helper = self._helper

        def work(font: QFont, leader: bool) -> None:
            nonlocal helping
            while True:
                if leader and helping is None and (
                    helper_wanted is None or helper_wanted.is_set()
                ):
                    try:
                        helping = helper.submit(work, QFont(font), False)
                    except RuntimeError:  # the helper is shut down: the app is quitting
                        helping = Future()
                        helping.cancel()
                with lock:
                    index = next(queue, None)
                if index is None:
                    return
                built[index] = self._piece(segments[index], width, font, target)

        work(font, True)
        if helping is not None and not helping.cancel():  # (cancelled: it had not started)
            helping.result()
        return [piece for piece in built if piece is not None]

    def _piece(self, segment: Segment, width: int, font: QFont, home: QThread) -> Piece:
        document = QTextDocument()  # no parent: dropped from every cache, it is freed
        # Off the GUI thread, filled and laid out without the GIL: the other threads run
        # meanwhile. The GUI thread keeps it: each time it lets go, the threads reading
        # and laying out a burst take it, and a frame waits for them (A/B: p99 gap of a
        # burst 18.5 -> 15.2 ms).
        release = threading.current_thread() is not threading.main_thread()
        configure_document(document, unshared_font(font) if release else font)
        if release:
            self.engine.set_html(document, segment.html)
        else:
            document.setHtml(segment.html)
        document.setTextWidth(width)
        if release:
            self.engine.lay_out(document)
        piece = Piece(
            segment, document, document.size().height(),
            document.lastBlock().blockFormat().bottomMargin(),
        )
        if home is not QThread.currentThread():
            self.engine.move_to_thread(document, home)
        return piece


def caret_origin(document: QTextDocument) -> QPointF | None:
    """Where a caret after the last word of ``document`` goes (baseline), if anywhere."""
    block = document.lastBlock()
    while block.isValid() and not block.text().strip() and block != document.firstBlock():
        block = block.previous()
    text_layout = block.layout()
    if text_layout is None or text_layout.lineCount() == 0:
        return None
    line = text_layout.lineAt(text_layout.lineCount() - 1)
    origin = document.documentLayout().blockBoundingRect(block).topLeft()
    return QPointF(
        origin.x() + line.x() + line.naturalTextWidth() + 1,
        origin.y() + line.y() + line.ascent(),
    )
