"""Markdown to the HTML subset that ``QTextDocument`` understands.

Messages are Markdown; the conversation view paints them through ``QTextDocument``,
which knows a subset of HTML 4 and CSS 2. markdown-it-pyrs (markdown-it in Rust: ~3 ms
for 100 KB, against ~30 ms for markdown-it-py in Python) parses and renders CommonMark
plus tables and strikethrough, raw HTML disabled so it shows as text. Its HTML is then
finished for Qt (:func:`_finish`): pygments colours fenced code with inline ``style``
attributes, and code blocks and tables get the borders, padding and background Qt
needs attributes for.

Each code block is followed by a ``copy`` link whose href is ``copy-code:N``; N
indexes :func:`code_blocks` of the same text.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from mixtral_desktop.ui.messages.lexers import LexerLoader, lexers

if TYPE_CHECKING:
    from markdown_it_pyrs import MarkdownIt
    from pygments.lexer import Lexer
    from PySide6.QtCore import SignalInstance

# The parser and pygments are imported on the first message rendered, not at start-up
# (milliseconds and megabytes a window with no message yet does not need).

COPY_SCHEME = "copy-code"
MONO_FAMILY = "'DejaVu Sans Mono', 'Menlo', 'Consolas', 'Courier New', monospace"
CODE_BACKGROUND = "#f6f8fa"
CODE_BORDER = "#d0d7de"
LINK_COLOUR = "#0969da"
MUTED_COLOUR = "#6e7781"

#: Default style sheet for every document showing rendered Markdown.
DOCUMENT_CSS = f"""
p {{ margin-top: 0px; margin-bottom: 8px; }}
ul, ol {{ margin-top: 0px; margin-bottom: 8px; }}
li {{ margin-bottom: 2px; }}
h1 {{ font-size: x-large; margin-top: 4px; margin-bottom: 8px; }}
h2 {{ font-size: large; margin-top: 4px; margin-bottom: 6px; }}
h3, h4, h5, h6 {{ font-size: medium; margin-top: 4px; margin-bottom: 4px; }}
a {{ color: {LINK_COLOUR}; }}
code {{ font-family: {MONO_FAMILY}; background-color: #eef1f4; }}
pre {{ font-family: {MONO_FAMILY}; margin: 0px; }}
blockquote {{ color: #57606a; margin-left: 12px; }}
th {{ background-color: {CODE_BACKGROUND}; font-weight: bold; }}
"""

def escape_html(raw: str) -> str:
    """Replace "&", "<", ">" and '"' with entities (single quotes are left alone)."""
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;"
    )


# CommonMark (markdown-it-pyrs: markdown-it in Rust) without raw HTML, which then shows as
# text, plus tables and strikethrough. Its HTML is then finished for Qt (_finish).
_PLUGINS: Final = (
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
    "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link",
    "newline", "table", "strikethrough",
)


def _new_parser() -> MarkdownIt:
    from markdown_it_pyrs import MarkdownIt

    parser = MarkdownIt("zero")
    parser.enable_many(list(_PLUGINS))
    return parser


_FENCE_LANGUAGE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*([^\s`]+)", re.MULTILINE)


def fence_languages(texts: Iterable[str]) -> set[str]:
    """The languages named by the code fences of ``texts`` (a quick scan, no parse), so
    their lexers can be built ahead of the render (:meth:`LexerLoader.preload`)."""
    return {
        match.group(1).lower()
        for text in texts
        if "``" in text or "~~" in text
        for match in _FENCE_LANGUAGE.finditer(text)
    }


def _lexer_for(info: str) -> Lexer | None:
    """The fence's language, else plain text; None while that language's lexer loads.

    No guessing: pygments' ``guess_lexer`` imports and asks every lexer it has (200 ms
    the first time, tens of ms after), and a streamed fence is nameless until its
    language arrives in the next chunk ("```" then "python").
    """
    language = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    if not language:
        return _plain_lexer()
    known, lexer = _loader().lookup(language)
    if not known:
        return None
    return lexer if lexer is not None else _plain_lexer()


@lru_cache(maxsize=1)
def _plain_lexer() -> Lexer:
    from pygments.lexers.special import TextLexer

    return TextLexer()


@lru_cache(maxsize=1)
def _loader() -> LexerLoader:
    loader = lexers()
    loader.ready.connect(forget_rendered)  # first, so every later slot renders afresh
    return loader


def prepare_for_threads() -> None:
    """Import and build, on the GUI thread, everything rendering uses, before a worker
    thread renders: pygments loads its formatters and lexers lazily, and two threads
    asking for one at the same moment can fail ("cannot import name 'HtmlFormatter'").
    The lexer loader is made here too (it must live on the GUI thread)."""
    from pygments import highlight  # noqa: F401 (imported for the worker's first use)

    _parser()
    _formatter()
    _plain_lexer()
    _loader()


def colours_ready() -> SignalInstance:
    """Emitted when code shown uncoloured can now be coloured: render it again."""
    return _loader().ready


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(noclasses=True, nowrap=True, style="default")


def _code_html(code: str, info: str) -> str:
    """Coloured HTML for one code block, or plain while its language's lexer loads."""
    lexer = _lexer_for(info)
    if lexer is None:
        return escape_html(code).rstrip("\n")
    return _highlight(code, lexer)


@lru_cache(maxsize=512)
def _highlight(code: str, lexer: Lexer) -> str:
    """Cached, as a streamed reply renders it again and again while the text after it
    grows."""
    from pygments import highlight

    body = highlight(code, lexer, _formatter())
    return str(body).rstrip("\n")


def forget_rendered() -> None:
    """Drop every cached rendering (they may show code not yet coloured)."""
    _render_from.cache_clear()


# markdown-it-pyrs renders code blocks, tables and images as plain HTML; Qt needs more.
# Raw HTML is off, so these tags can only come from the Markdown itself, and the code in
# a block is escaped: it cannot hold "</code></pre>".
_CODE_BLOCK = re.compile(r'<pre><code(?: class="language-([^"]*)")?>(.*?)</code></pre>\n', re.S)
_TABLE_OPEN = "<table>\n"
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')


def _unescape(escaped: str) -> str:
    """Undo the renderer's escaping of code ("&", "<", ">" and '"'; nothing else)."""
    return (
        escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&amp;", "&")
    )


def _finish(html: str, code_index: int, copy_links: bool) -> tuple[str, int]:
    """The parser's HTML made ready for Qt; also how many code blocks it has.

    Code blocks get a bordered box, pygments colours and (with ``copy_links``) a
    ``copy-code:N`` link numbered from ``code_index``; tables get borders and padding;
    images become links (``QTextDocument`` would try to load the source).
    """
    count = 0

    def code(match: re.Match[str]) -> str:
        nonlocal count
        index = code_index + count
        count += 1
        return _code_box(_unescape(match.group(2)), _unescape(match.group(1) or ""),
                         index, copy_links)

    if "<pre><code" in html:
        html = _CODE_BLOCK.sub(code, html)
    if _TABLE_OPEN in html:
        html = html.replace(_TABLE_OPEN, _TABLE_TAG)
    if "<img " in html:
        html = _IMAGE.sub(_image_link, html)
    return html, count


def _code_box(code: str, language: str, index: int, copy_links: bool) -> str:
    label = (
        f'<span style="color: {MUTED_COLOUR};">{escape_html(language)}</span>&nbsp;&nbsp;'
        if language else ""
    )
    block = (
        f'<table width="100%" cellspacing="0" cellpadding="8" bgcolor="{CODE_BACKGROUND}"'
        f' style="border: 1px solid {CODE_BORDER}; border-collapse: collapse;'
        ' margin-top: 2px; margin-bottom: 0px;">'
        f'<tr><td><pre style="font-family: {MONO_FAMILY};">{_code_html(code, language)}'
        "</pre></td></tr></table>\n"
    )
    if not copy_links:
        return block
    return block + (
        '<p align="right" style="margin-top: 2px; margin-bottom: 8px; font-size: small;">'
        f'{label}<a href="{COPY_SCHEME}:{index}" style="color: {LINK_COLOUR};'
        ' text-decoration: none;">copy</a></p>\n'
    )


# Single 1 px rules between cells: each cell draws its own border and a spacing of -1
# lays neighbours' borders over each other. Qt's "border-collapse: collapse" draws the
# same rules, but its layout weighs every cell's edges against its neighbours': a
# third of the layout time of a reply with tables (100 KB of the benchmark's reply:
# 32.6 -> 24.5 ms).
_TABLE_TAG = (
    f'<table border="1" cellspacing="-1" cellpadding="6" style="border-color: {CODE_BORDER};'
    ' border-style: solid; margin-top: 4px; margin-bottom: 8px;">\n'
)


def _image_link(match: re.Match[str]) -> str:
    # (src and alt are escaped already)
    return f'<a href="{match.group(1)}">[image: {match.group(2) or "image"}]</a>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = _new_parser()
    if gc.get_freeze_count():
        # app.main() froze the start-up objects so full collections skip them; those of
        # pygments, imported just now, live as long.
        gc.freeze()
    return parser


MAX_RENDERED_CHARS = 100_000
"""Longer messages (a 10 MB paste) show their start as plain text: laying out megabytes
of rich text would freeze the window for seconds. Copy message still copies all of it."""


def render_markdown(text: str, copy_links: bool = True) -> str:
    """Render Markdown ``text`` to Qt rich-text HTML; raw HTML in it shows as text.

    With ``copy_links`` each code block is followed by a ``copy-code:N`` link.
    """
    if len(text) > MAX_RENDERED_CHARS:
        return _render_oversized(text)
    return _render_from(text, 0, copy_links, _loader().epoch)[0]


# The cache is keyed by the loader's epoch too: a worker thread may store a render with
# code still uncoloured just after forget_rendered(); the next epoch misses it.
@lru_cache(maxsize=1024)
def _render_from(text: str, code_index: int, copy_links: bool, epoch: int) -> tuple[str, int]:
    """The HTML of ``text`` (copy links numbered from ``code_index``), and its code blocks."""
    if len(text) > MAX_RENDERED_CHARS:
        return _render_oversized(text), 0
    return _finish(_parser().render(text), code_index, copy_links)


@lru_cache(maxsize=8)
def _render_oversized(text: str) -> str:
    shown = text[:MAX_RENDERED_CHARS]
    hidden = len(text) - len(shown)
    return (
        f'<pre style="white-space: pre-wrap;">{escape_html(shown)}</pre>'
        f"<p><i>… {hidden:,} more characters not shown (the message is "
        f"{len(text):,} characters long). “Copy message” copies all of it.</i></p>"
    )


@lru_cache(maxsize=256)
def _code_blocks(text: str) -> tuple[str, ...]:
    return tuple(
        _strip_final_newline(_unescape(match.group(2)))
        for match in _CODE_BLOCK.finditer(_parser().render(text))
    )


def _strip_final_newline(code: str) -> str:
    return code[:-1] if code.endswith("\n") else code


def code_blocks(text: str) -> list[str]:
    """The code of each code block of ``text``, in the order of their copy links.

    Fenced and indented blocks both count; the newline ending the last line of a
    block belongs to the fence, not to the code, and is left out.
    """
    return list(_code_blocks(text))


# Long messages in pieces

SEGMENT_CHARS = 2000
"""A long message is laid out as a stack of documents of about this many characters of
Markdown each: a streamed reply then lays out only its last piece as it grows."""
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:", re.MULTILINE)


@dataclass(frozen=True)
class Segment:
    """Whole top-level blocks ``text[start:end]`` of a message, rendered."""

    start: int
    end: int
    html: str
    code_blocks: int  # how many copy links it has (the next segment's numbering starts after)


def render_segments(
    text: str, *, code_index: int = 0, min_chars: int = SEGMENT_CHARS
) -> list[Segment]:
    """Render ``text`` as consecutive segments whose HTML, joined, is ``render_markdown(text)``.

    A segment ends only before a top-level paragraph that follows a blank line
    (:func:`_block_starts`): it starts with no top margin, so documents stacked one
    under the other look exactly like one document, and the blocks before it are
    closed, so each segment renders alone as it does in the whole. Each segment but the
    last has at least ``min_chars`` characters; the last one holds the last block, the
    one a stream may still change.
    ``code_index`` numbers the first copy link (the segments before this text had
    that many). Text the pieces could render differently (link reference
    definitions, carriage returns, oversized text) comes back as one segment.
    """
    if not text:
        return [Segment(0, 0, "", 0)]
    epoch = _loader().epoch
    if not splittable(text) or len(text) < 2 * min_chars:
        return [Segment(0, len(text), *_render_from(text, code_index, True, epoch))]
    segments: list[Segment] = []
    first = 0
    for offset in _block_starts(text):
        if offset - first < min_chars:
            continue
        html, count = _render_from(text[first:offset], code_index, True, epoch)
        segments.append(Segment(first, offset, html, count))
        code_index += count
        first = offset
    html, count = _render_from(text[first:], code_index, True, epoch)
    segments.append(Segment(first, len(text), html, count))
    return segments


def _block_starts(text: str) -> list[int]:
    """Where top-level paragraphs that follow a blank line start (character offsets).

    Mostly a line scan in Python, not a parse: the parser holds the GIL for its whole
    call (~5 ms for 100 KB, a stall for the GUI thread while a worker lays a burst
    out) where Python code lets the other threads in every 0.2 ms (A/B: burst p99 gap
    18.0 -> 15.2 ms). The scan is cautious, as a cut it wrongly allows would change the
    rendering, and one it misses only makes a piece longer: a line is a cut when it
    follows a blank line outside any code fence, starts at the margin with a letter or
    a digit (no list item, heading, quote, table or fence starts so), and its paragraph
    does not turn into a setext heading or a table header. Nothing after a blank line
    and at the margin can still belong to a list, a quote or indented code, so the
    blocks before it are closed. A fence indented by 1-3 spaces outside a list item
    could be either kind, so such a text is parsed instead (:func:`_parsed_starts`).
    """
    lines = text.split("\n")
    starts: list[int] = []
    offset = 0
    fence: tuple[str, int] | None = None  # the open fence's character and length
    fence_indent = 0  # the open fence is in a list item indented this much (0: top level)
    item_indent: int | None = None  # content indent of the list item a fence may be in
    blank_before = False
    for number, line in enumerate(lines):
        start, offset = offset, offset + len(line) + 1
        blank = not line.strip()
        indent = len(line) - len(line.lstrip(" "))
        marker = _FENCE_LINE.match(line)
        if fence is not None:
            if fence_indent and not blank and indent < fence_indent:
                fence = None  # the list item ends, and its fence with it
                item_indent = None
            elif marker and marker.group(2)[0] == fence[0] and len(marker.group(2)) >= fence[1] \
                    and not marker.group(3).strip():
                fence = None
                blank_before = False
                continue
            else:
                blank_before = blank
                continue
        if marker and not (marker.group(2)[0] == "`" and "`" in marker.group(3)):
            if indent and (item_indent is None or indent < item_indent):
                return _parsed_starts(text)  # top level or not: only the parser knows
            fence = (marker.group(2)[0], len(marker.group(2)))
            fence_indent = indent
            if not indent:
                item_indent = None  # a fence at the margin ends a list
            blank_before = False
            continue
        if not blank and indent == 0:
            item = _LIST_ITEM.match(line)
            # Anything else at the margin ends the list, or may (a lazy line): a fence
            # indented after it is taken for a list item's no longer.
            item_indent = len(item.group(0)) if item else None
            if blank_before and number > 0 and _paragraph_starts(lines, number):
                starts.append(start)
        blank_before = blank
    return starts


_FENCE_LINE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)]) {1,4}(?=\S)")  # (others: no fast path)
_ORDERED_MARKER = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_PARSED_STARTS = frozenset({"paragraph", "bullet_list", "ordered_list"})


def _paragraph_starts(lines: list[str], number: int) -> bool:
    line = lines[number]
    if not line[:1].isalnum() or _ORDERED_MARKER.match(line):
        return False
    if number + 1 < len(lines) and _TABLE_DELIMITER.fullmatch(lines[number + 1]):
        return False  # the header row of a table
    for following in lines[number + 1:]:
        if not following.strip():
            return True
        if _SETEXT_UNDERLINE.fullmatch(following):
            return False  # the paragraph is a heading's text
    return True


def _parsed_starts(text: str) -> list[int]:
    """:func:`_block_starts` by the parser: top-level paragraphs and lists after a blank
    line, from the syntax tree (its offsets count UTF-8 bytes)."""
    utf8 = text.encode("utf-8")
    line_starts = [0]
    for source_line in text.split("\n")[:-1]:
        line_starts.append(line_starts[-1] + len(source_line) + 1)
    starts: list[int] = []
    line, counted_to = 0, 0  # the line number of byte offset counted_to
    for block in _parser().tree(text).children[1:]:
        if block.name not in _PARSED_STARTS or block.srcmap is None:
            continue
        byte = block.srcmap[0]
        line += utf8.count(b"\n", counted_to, byte)
        counted_to = byte
        if line > 0 and not text[line_starts[line - 1]:line_starts[line]].strip():
            starts.append(line_starts[line])
    return starts


def splittable(text: str) -> bool:
    """Whether pieces of ``text`` render as they do in the whole (see render_segments)."""
    return not (
        len(text) > MAX_RENDERED_CHARS or "\r" in text or "\0" in text or _REFERENCE.search(text)
    )
