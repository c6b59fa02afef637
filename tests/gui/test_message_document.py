"""Long messages laid out in pieces: the same HTML, the same height, reused as they grow."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication

from bench.data import markdown_reply
from mixtral_desktop.ui.markdown_render import (
    SEGMENT_CHARS,
    code_blocks,
    render_markdown,
    render_segments,
)
from mixtral_desktop.ui.message_browser import configure_document
from mixtral_desktop.ui.message_document import StackedDocument

LONG = markdown_reply(30_000, seed=4)


def one_document(text: str, width: int) -> QTextDocument:
    document = QTextDocument()
    configure_document(document, QFont())
    document.setHtml(render_markdown(text))
    document.setTextWidth(width)
    return document


@pytest.mark.parametrize("length", [10, 3_000, 9_000, 17_777, len(LONG)])
def test_segments_render_exactly_the_whole(length: int) -> None:
    text = LONG[:length]
    segments = render_segments(text)
    assert "".join(s.html for s in segments) == render_markdown(text)
    assert segments[0].start == 0 and segments[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    assert sum(s.code_blocks for s in segments) == len(code_blocks(text))
    assert all(s.end - s.start >= SEGMENT_CHARS for s in segments[:-1])


def test_a_reference_definition_keeps_the_text_whole() -> None:
    text = LONG + "\n\nSee [the docs][d].\n\n[d]: https://example.com\n"
    assert len(render_segments(text)) == 1


def test_stacked_pieces_are_as_tall_as_one_document(qapp: QApplication) -> None:
    stack = StackedDocument.build(LONG, 640, QFont())
    assert len(stack.pieces) > 3
    assert stack.height == int(one_document(LONG, 640).size().height())


def test_a_growing_text_reuses_every_piece_but_the_last(qapp: QApplication) -> None:
    font = QFont()
    first = StackedDocument.build(LONG[:20_000], 640, font)
    grown = first.grown(LONG, font)
    assert grown.pieces[: len(first.pieces) - 1] == first.pieces[:-1]  # the same objects
    assert "".join(p.segment.html for p in grown.pieces) == render_markdown(LONG)
    assert grown.height == StackedDocument.build(LONG, 640, font).height


def test_an_unknown_or_half_streamed_language_is_plain_text() -> None:
    html = render_markdown("```ru\nfn main() {}\n```\n")
    assert "fn main() {}" in html and "copy-code:0" in html
