"""Long messages laid out in pieces: the same HTML, the same height, reused as they grow."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication

from bench.data import markdown_reply
from mixtral_desktop.ui.text import segments as segment_cuts
from mixtral_desktop.ui.text.document import Typesetter, configure_document
from mixtral_desktop.ui.text.markdown import code_blocks
from mixtral_desktop.ui.text.renderer import MarkdownRenderer
from mixtral_desktop.ui.text.segments import SEGMENT_CHARS

LONG = markdown_reply(30_000, seed=4)


def one_document(renderer: MarkdownRenderer, text: str, width: int) -> QTextDocument:
    document = QTextDocument()
    configure_document(document, QFont())
    document.setHtml(renderer.render(text))
    document.setTextWidth(width)
    return document


# Multi-byte characters before the cuts: the parser counts bytes, the segments characters.
WIDE = LONG.replace("the", "thé").replace("a ", "a 😀 ")


@pytest.mark.parametrize("length", [10, 3_000, 9_000, 17_777, len(LONG), -len(WIDE)])
def test_segments_render_exactly_the_whole(
    qapp: QApplication, length: int, renderer: MarkdownRenderer
) -> None:
    text = LONG[:length] if length > 0 else WIDE
    segments = renderer.segments(text)
    assert "".join(s.html for s in segments) == renderer.render(text)
    assert segments[0].start == 0 and segments[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    assert sum(s.code_blocks for s in segments) == len(code_blocks(text))
    assert all(s.end - s.start >= SEGMENT_CHARS for s in segments[:-1])
    assert all(s.start == 0 or text[s.start - 1] == "\n" for s in segments)  # at line starts
    if length < 0 or length > 9_000:
        assert len(segments) > 1


def test_multi_byte_characters_do_not_move_the_cuts(
    qapp: QApplication, renderer: MarkdownRenderer
) -> None:
    def cut_lines(text: str) -> list[int]:
        return [text.count("\n", 0, s.start) for s in renderer.segments(text, min_chars=1)]

    assert len(cut_lines(LONG)) > 20
    assert cut_lines(WIDE) == cut_lines(LONG)  # the same blocks, whatever their bytes


def test_a_reference_definition_keeps_the_text_whole(
    qapp: QApplication, renderer: MarkdownRenderer
) -> None:
    text = LONG + "\n\nSee [the docs][d].\n\n[d]: https://example.com\n"
    assert len(renderer.segments(text)) == 1


def test_stacked_pieces_are_as_tall_as_one_document(
    renderer: MarkdownRenderer, qapp: QApplication, typesetter: Typesetter
) -> None:
    stack = typesetter.build(LONG, 640, QFont())
    assert len(stack.pieces) > 3
    assert stack.height == int(one_document(renderer, LONG, 640).size().height())


def test_a_growing_text_reuses_every_piece_but_the_last(
    qapp: QApplication, renderer: MarkdownRenderer, typesetter: Typesetter
) -> None:
    font = QFont()
    first = typesetter.build(LONG[:20_000], 640, font)
    grown = typesetter.grow(first, LONG, font)
    assert grown.pieces[: len(first.pieces) - 1] == first.pieces[:-1]  # the same objects
    assert "".join(p.segment.html for p in grown.pieces) == renderer.render(LONG)
    assert grown.height == typesetter.build(LONG, 640, font).height


def test_an_unknown_or_half_streamed_language_is_plain_text(
    qapp: QApplication, renderer: MarkdownRenderer
) -> None:
    html = renderer.render("```ru\nfn main() {}\n```\n")
    assert "fn main() {}" in html and "copy-code:0" in html


def test_pieces_built_on_two_threads_are_the_one_thread_stack(
    qapp: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    renderer: MarkdownRenderer,
    typesetter: Typesetter,
) -> None:
    """A helper thread builds every other piece; the documents still live in the thread
    that asked, in order, as tall as one thread would make them."""
    built_on: list[str] = []
    helped = threading.Event()
    piece = typesetter._piece

    def noting(*args: object) -> object:
        built_on.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread() and len(built_on) == 1:
            helped.wait(5)  # (the helper thread may take a moment to start)
        else:
            helped.set()
        return piece(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(typesetter, "_piece", noting)
    stack = typesetter.build(LONG, 640, QFont())
    assert len(set(built_on)) == 2 and len(built_on) == len(stack.pieces)
    gui_thread = qapp.thread()
    assert all(p.document.thread() == gui_thread for p in stack.pieces)
    assert [p.segment for p in stack.pieces] == renderer.segments(LONG)
    assert stack.height == int(one_document(renderer, LONG, 640).size().height())


# Random Markdown: wherever the line scan allows a cut, the pieces render as the whole.

_WORDS = st.sampled_from(["alpha", "Beta", "gamma", "42 apples", "déjà vu", "x", "**bold**",
                          "`code`", "*em*", "a | b", "- not", "1. one", "# no"])
_LINE = st.lists(_WORDS, min_size=1, max_size=4).map(" ".join)
_CODE_LINES = st.lists(st.one_of(_LINE, st.just(""), st.just("```"), st.just("~~~")),
                       max_size=4)


@st.composite
def _block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from([
        "paragraph", "paragraph", "setext", "heading", "bullets", "ordered", "fence",
        "indented_fence", "quote", "table", "indented_code", "rule",
    ]))
    line = draw(_LINE)
    if kind == "paragraph":
        return "\n".join(draw(st.lists(_LINE, min_size=1, max_size=3)))
    if kind == "setext":
        return f"{line}\n{draw(st.sampled_from(['===', '---', '  --']))}"
    if kind == "heading":
        return f"## {line}"
    if kind in ("bullets", "ordered"):
        marker, pad = draw(st.sampled_from(
            [("- ", "  "), ("-\t", "  "), ("-     ", "  "), ("  - ", "    ")]
            if kind == "bullets" else [("1. ", "   "), ("10. ", "   "), ("1) ", "  ")]
        ))
        items = []
        for _ in range(draw(st.integers(1, 3))):
            item = marker + draw(_LINE)
            if draw(st.booleans()):
                body = "\n".join(pad + code if code else "" for code in draw(_CODE_LINES))
                closing = draw(st.sampled_from([pad, "", " "]))
                fenced = f"\n\n{pad}```\n{body}\n{closing}```"
                item += fenced if draw(st.booleans()) else f"\n\n{pad}{line}"
            items.append(item)
        return draw(st.sampled_from(["\n", "\n\n"])).join(items)
    if kind in ("fence", "indented_fence"):
        indent = " " * (0 if kind == "fence" else draw(st.integers(1, 3)))
        body = "\n".join(draw(_CODE_LINES))
        closing = draw(st.sampled_from([f"{indent}```", "```", "  ```", "````", ""]))
        return f"{indent}```{draw(st.sampled_from(['', 'python']))}\n{body}\n{closing}"
    if kind == "quote":
        return f"> {line}\n> {draw(_LINE)}"
    if kind == "table":
        return f"| a | b |\n|---|:-:|\n| {line} | x |"
    if kind == "indented_code":
        return f"    {line}\n\n    {draw(_LINE)}"
    return "---"


@settings(max_examples=500, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture,  # (the renderer keeps no state)
])
@given(st.lists(st.tuples(_block(), st.sampled_from(["\n\n", "\n", "\n\n\n"])),
                min_size=1, max_size=10))
def test_the_line_scan_cuts_only_where_the_parser_would(
    qapp: QApplication, renderer: MarkdownRenderer, blocks: list[tuple[str, str]]
) -> None:
    text = "".join(block + gap for block, gap in blocks)
    assert set(segment_cuts.block_starts(text)) <= set(segment_cuts._parsed_starts(text))
    segments = renderer.segments(text, min_chars=1)
    assert "".join(s.html for s in segments) == renderer.render(text)


def test_the_helper_joins_only_once_it_is_wanted(
    qapp: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    renderer: MarkdownRenderer,
    typesetter: Typesetter,
) -> None:
    """While a reply streams its pieces are built on one thread (the window and the
    reader need the rest); when the stream ends the helper joins the build under way."""
    built_on: list[str] = []
    wanted = threading.Event()
    helped = threading.Event()
    piece = typesetter._piece

    def noting(*args: object) -> object:
        built_on.append(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread():
            if len(built_on) == 3:
                wanted.set()  # the stream ends while the third piece is built
            elif wanted.is_set():  # (the helper, asked for before this piece, may take a
                helped.wait(5)  # moment to start)
        else:
            helped.set()
        return piece(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(typesetter, "_piece", noting)
    stack = typesetter.build(LONG, 640, QFont(), helper_wanted=wanted)
    main = threading.main_thread().name
    assert built_on[:3] == [main] * 3
    assert set(built_on[3:]) == {main, *(n for n in built_on if n != main)}
    assert len(set(built_on)) == 2
    assert [p.segment for p in stack.pieces] == renderer.segments(LONG)
