"""Markdown to the HTML subset that ``QTextDocument`` understands (pure functions).

Messages are Markdown; the conversation view paints them through ``QTextDocument``,
which knows a subset of HTML 4 and CSS 2. markdown-it-pyrs (markdown-it in Rust: ~3 ms
for 100 KB, against ~30 ms for markdown-it-py in Python) parses and renders CommonMark
plus tables and strikethrough, raw HTML disabled so it shows as text. Its HTML is then
finished for Qt (:func:`finish_for_qt`): fenced code gets its colours from a
``highlight`` function (:class:`~mixtral_desktop.ui.text.renderer.MarkdownRenderer`'s,
with pygments), and code blocks and tables get the borders, padding and background Qt
needs attributes for.

Each code block is followed by a ``copy`` link whose href is ``copy-code:N``; N
indexes :func:`code_blocks` of the same text.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from mixtral_desktop.ui.theme.current import PALETTE

if TYPE_CHECKING:
    from markdown_it_pyrs import MarkdownIt

# The parser is imported on the first message rendered, not at start-up (milliseconds
# and megabytes a window with no message yet does not need).

COPY_SCHEME = "copy-code"
MONO_FAMILY = "'DejaVu Sans Mono', 'Menlo', 'Consolas', 'Courier New', monospace"

def document_css() -> str:
    """The default style sheet of every document showing rendered Markdown (in the
    palette in use)."""
    return f"""
p {{ margin-top: 0px; margin-bottom: 8px; }}
ul, ol {{ margin-top: 0px; margin-bottom: 8px; }}
li {{ margin-bottom: 2px; }}
h1 {{ font-size: x-large; margin-top: 4px; margin-bottom: 8px; }}
h2 {{ font-size: large; margin-top: 4px; margin-bottom: 6px; }}
h3, h4, h5, h6 {{ font-size: medium; margin-top: 4px; margin-bottom: 4px; }}
a {{ color: {PALETTE.link}; }}
code {{ font-family: {MONO_FAMILY}; background-color: {PALETTE.inline_code_background}; }}
pre {{ font-family: {MONO_FAMILY}; margin: 0px; }}
blockquote {{ color: {PALETTE.quote}; margin-left: 12px; }}
th {{ background-color: {PALETTE.code_background}; font-weight: bold; }}
"""

Highlight = Callable[[str, str], str]
"""``highlight(code, info)``: the HTML of one code block's code, given its fence's info."""

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


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The one parser (it holds no state between calls)."""
    made = _new_parser()
    if gc.get_freeze_count():
        # app.main() froze the start-up objects so full collections skip them; those of
        # the parser, imported just now, live as long.
        gc.freeze()
    return made


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


def finish_for_qt(
    html: str, code_index: int, copy_links: bool, highlight: Highlight
) -> tuple[str, int]:
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
                         index, copy_links, highlight)

    if "<pre><code" in html:
        html = _CODE_BLOCK.sub(code, html)
    if _TABLE_OPEN in html:
        html = html.replace(_TABLE_OPEN, _TABLE_TAG)
    if "<img " in html:
        html = _IMAGE.sub(_image_link, html)
    return html, count


def _code_box(
    code: str, language: str, index: int, copy_links: bool, highlight: Highlight
) -> str:
    label = (
        f'<span style="color: {PALETTE.muted};">{escape_html(language)}</span>&nbsp;&nbsp;'
        if language else ""
    )
    block = (
        '<table width="100%" cellspacing="0" cellpadding="8"'
        f' bgcolor="{PALETTE.code_background}"'
        f' style="border: 1px solid {PALETTE.code_border}; border-collapse: collapse;'
        ' margin-top: 2px; margin-bottom: 0px;">'
        f'<tr><td><pre style="font-family: {MONO_FAMILY};">{highlight(code, language)}'
        "</pre></td></tr></table>\n"
    )
    if not copy_links:
        return block
    return block + (
        '<p align="right" style="margin-top: 2px; margin-bottom: 8px; font-size: small;">'
        f'{label}<a href="{COPY_SCHEME}:{index}" style="color: {PALETTE.link};'
        ' text-decoration: none;">copy</a></p>\n'
    )


# Single 1 px rules between cells: each cell draws its own border and a spacing of -1
# lays neighbours' borders over each other. Qt's "border-collapse: collapse" draws the
# same rules, but its layout weighs every cell's edges against its neighbours': a
# third of the layout time of a reply with tables (100 KB of the benchmark's reply:
# 32.6 -> 24.5 ms).
_TABLE_TAG = (
    '<table border="1" cellspacing="-1" cellpadding="6"'
    f' style="border-color: {PALETTE.code_border}; border-style: solid;'
    ' margin-top: 4px; margin-bottom: 8px;">\n'
)


def _image_link(match: re.Match[str]) -> str:
    # (src and alt are escaped already)
    return f'<a href="{match.group(1)}">[image: {match.group(2) or "image"}]</a>'


MAX_RENDERED_CHARS = 100_000
"""Longer messages (a 10 MB paste) show their start as plain text: laying out megabytes
of rich text would freeze the window for seconds. Copy message still copies all of it."""


@lru_cache(maxsize=8)
def render_oversized(text: str) -> str:
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
        for match in _CODE_BLOCK.finditer(parser().render(text))
    )


def _strip_final_newline(code: str) -> str:
    return code[:-1] if code.endswith("\n") else code


def code_blocks(text: str) -> list[str]:
    """The code of each code block of ``text``, in the order of their copy links.

    Fenced and indented blocks both count; the newline ending the last line of a
    block belongs to the fence, not to the code, and is left out.
    """
    return list(_code_blocks(text))


