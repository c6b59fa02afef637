"""Long messages laid out in pieces: the same HTML, the same height, reused as they grow."""

from __future__ import annotations

import itertools
import threading

import pytest
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication

from bench.data import markdown_reply
from mixtral_desktop.ui import message_document
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


# Multi-byte characters before the cuts: the parser counts bytes, the segments characters.
WIDE = LONG.replace("the", "thé").replace("a ", "a 😀 ")


@pytest.mark.parametrize("length", [10, 3_000, 9_000, 17_777, len(LONG), -len(WIDE)])
def test_segments_render_exactly_the_whole(qapp: QApplication, length: int) -> None:
    text = LONG[:length] if length > 0 else WIDE
    segments = render_segments(text)
    assert "".join(s.html for s in segments) == render_markdown(text)
    assert segments[0].start == 0 and segments[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    assert sum(s.code_blocks for s in segments) == len(code_blocks(text))
    assert all(s.end - s.start >= SEGMENT_CHARS for s in segments[:-1])
    assert all(s.start == 0 or text[s.start - 1] == "\n" for s in segments)  # at line starts
    if length < 0 or length > 9_000:
        assert len(segments) > 1


def test_multi_byte_characters_do_not_move_the_cuts(qapp: QApplication) -> None:
    def cut_lines(text: str) -> list[int]:
        return [text.count("\n", 0, s.start) for s in render_segments(text, min_chars=1)]

    assert len(cut_lines(LONG)) > 20
    assert cut_lines(WIDE) == cut_lines(LONG)  # the same blocks, whatever their bytes


def test_a_reference_definition_keeps_the_text_whole(qapp: QApplication) -> None:
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


def test_an_unknown_or_half_streamed_language_is_plain_text(qapp: QApplication) -> None:
    html = render_markdown("```ru\nfn main() {}\n```\n")
    assert "fn main() {}" in html and "copy-code:0" in html


def test_pieces_built_on_two_threads_are_the_one_thread_stack(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper thread builds every other piece; the documents still live in the thread
    that asked, in order, as tall as one thread would make them."""
    built_on: list[str] = []
    helped = threading.Event()
    piece = message_document._piece

    def noting(*args: object) -> object:
        built_on.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread() and len(built_on) == 1:
            helped.wait(5)  # (the helper thread may take a moment to start)
        else:
            helped.set()
        return piece(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(message_document, "_piece", noting)
    stack = StackedDocument.build(LONG, 640, QFont())
    assert len(set(built_on)) == 2 and len(built_on) == len(stack.pieces)
    gui_thread = qapp.thread()
    assert all(p.document.thread() == gui_thread for p in stack.pieces)
    assert [p.segment for p in stack.pieces] == render_segments(LONG)
    assert stack.height == int(one_document(LONG, 640).size().height())
