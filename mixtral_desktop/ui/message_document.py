"""A message's Markdown laid out at one width, as a stack of ``QTextDocument`` pieces.

One document for a 100 KB reply costs ~100 ms to parse, build and lay out, and a
streamed reply grows 30 times a second. So a long message is cut into segments of
whole Markdown blocks (:func:`render_segments`); each gets its own document, and the
documents are stacked with the space one document would have put between them, so
the result is pixel for pixel the same. A text that extends a stack already laid
out (the next state of a streamed reply) reuses every segment but the last, which
is the only one the new text can change: each update costs the size of the tail,
not of the reply. Painting draws only the segments in view.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QThread
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QPainter, QTextDocument

from mixtral_desktop.ui.layout_without_gil import lay_out
from mixtral_desktop.ui.markdown_render import Segment, render_segments, splittable
from mixtral_desktop.ui.message_browser import configure_document


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

    @classmethod
    def build(cls, text: str, width: int, font: QFont) -> StackedDocument:
        return cls(text, width, [_piece(s, width, font) for s in render_segments(text)])

    def grown(self, text: str, font: QFont) -> StackedDocument:
        """The stack for ``text``, which starts with this stack's text."""
        kept = self.pieces[:-1]
        start = self.pieces[-1].segment.start
        if not splittable(text) or not splittable(text[start:]):
            return StackedDocument.build(text, self.width, font)  # one piece, as a whole
        code_index = sum(piece.segment.code_blocks for piece in kept)
        tail = render_segments(text[start:], code_index=code_index)
        moved = [
            Segment(s.start + start, s.end + start, s.html, s.code_blocks) for s in tail
        ]
        return StackedDocument(
            text, self.width, [*kept, *(_piece(s, self.width, font) for s in moved)]
        )

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


def build_for_thread(
    text: str, base: StackedDocument, font: QFont, home: QThread
) -> StackedDocument:
    """The stack for ``text`` (which extends ``base``'s), built on a worker thread.

    ``QTextDocument`` is reentrant: one thread may build and lay out a document that no
    other thread touches meanwhile (``grown`` only reads the kept pieces' segments).
    The new documents are then handed to ``home`` (the GUI thread, which paints them),
    so that their timers and their deletion happen there.
    """
    stack = base.grown(text, font)
    kept = {id(piece.document) for piece in base.pieces}
    for piece in stack.pieces:
        if id(piece.document) not in kept:
            piece.document.moveToThread(home)
    return stack


def _piece(segment: Segment, width: int, font: QFont) -> Piece:
    document = QTextDocument()  # no parent: dropped from every cache, it is freed
    configure_document(document, font)
    document.setHtml(segment.html)
    document.setTextWidth(width)
    lay_out(document)  # (without the GIL: the other threads run meanwhile)
    height = document.size().height()
    return Piece(segment, document, height, document.lastBlock().blockFormat().bottomMargin())


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
