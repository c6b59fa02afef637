"""Markdown to the HTML subset that ``QTextDocument`` understands.

Messages are Markdown; the conversation view paints them through ``QTextDocument``,
which knows a subset of HTML 4 and CSS 2. markdown-it-py parses (CommonMark plus
tables and strikethrough, raw HTML disabled so it shows as text), pygments colours
fenced code with inline ``style`` attributes, and a few renderer rules add what
Qt needs to draw tables and code blocks with borders, padding and a background.

Each code block is followed by a ``copy`` link whose href is ``copy-code:N``; N
indexes :func:`code_blocks` of the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, guess_lexer
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

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

_FORMATTER = HtmlFormatter(noclasses=True, nowrap=True, style="default")
_GUESS_LIMIT = 4000  # guessing a lexer reads the whole text; skip it for huge blocks


def _new_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    rules = md.add_render_rule
    rules("fence", _render_code)
    rules("code_block", _render_code)
    rules("code_inline", _render_code_inline)
    rules("table_open", _render_table_open)
    rules("image", _render_image)
    return md


def _lexer_for(info: str, code: str) -> Lexer:
    language = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    if language:
        try:
            lexer: Lexer = get_lexer_by_name(language)
            return lexer
        except ClassNotFound:
            pass
    if len(code) <= _GUESS_LIMIT:
        try:
            guessed: Lexer = guess_lexer(code)
            return guessed
        except ClassNotFound:
            pass
    return TextLexer()


def _highlight(code: str, info: str) -> str:
    body = highlight(code, _lexer_for(info, code), _FORMATTER)
    return body.rstrip("\n")


def _render_code(
    self: Any, tokens: Sequence[Any], idx: int, options: Any, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    index = env.get("code_index", 0)
    env["code_index"] = index + 1
    info = token.info if token.type == "fence" else ""
    language = escapeHtml(info.strip().split(maxsplit=1)[0]) if info.strip() else ""
    label = (
        f'<span style="color: {MUTED_COLOUR};">{language}</span>&nbsp;&nbsp;' if language else ""
    )
    block = (
        f'<table width="100%" cellspacing="0" cellpadding="8" bgcolor="{CODE_BACKGROUND}"'
        f' style="border: 1px solid {CODE_BORDER}; border-collapse: collapse;'
        ' margin-top: 2px; margin-bottom: 0px;">'
        f'<tr><td><pre style="font-family: {MONO_FAMILY};">{_highlight(token.content, info)}'
        "</pre></td></tr></table>\n"
    )
    if not env.get("copy_links", True):
        return block
    return block + (
        '<p align="right" style="margin-top: 2px; margin-bottom: 8px; font-size: small;">'
        f'{label}<a href="{COPY_SCHEME}:{index}" style="color: {LINK_COLOUR};'
        ' text-decoration: none;">copy</a></p>\n'
    )


def _render_code_inline(
    self: Any, tokens: Sequence[Any], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return f"<code>{escapeHtml(tokens[idx].content)}</code>"


def _render_table_open(
    self: Any, tokens: Sequence[Any], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return (
        f'<table border="1" cellspacing="0" cellpadding="6" style="border-collapse: collapse;'
        f" border-color: {CODE_BORDER}; border-style: solid;"
        ' margin-top: 4px; margin-bottom: 8px;">\n'
    )


def _render_image(
    self: Any, tokens: Sequence[Any], idx: int, options: Any, env: dict[str, Any]
) -> str:
    # QTextDocument would try to load the source as a resource; show a link instead.
    token = tokens[idx]
    source = escapeHtml(str(token.attrGet("src") or ""))
    alt = escapeHtml(token.content or "image")
    return f'<a href="{source}">[image: {alt}]</a>'


_PARSER = _new_parser()


MAX_RENDERED_CHARS = 100_000
"""Longer messages (a 10 MB paste) show their start as plain text: laying out megabytes
of rich text would freeze the window for seconds. Copy message still copies all of it."""


def render_markdown(text: str, copy_links: bool = True) -> str:
    """Render Markdown ``text`` to Qt rich-text HTML; raw HTML in it shows as text.

    With ``copy_links`` each code block is followed by a ``copy-code:N`` link.
    """
    if len(text) > MAX_RENDERED_CHARS:
        return _render_oversized(text)
    return _render_markdown(text, copy_links)


@lru_cache(maxsize=1024)
def _render_markdown(text: str, copy_links: bool) -> str:
    env: dict[str, Any] = {"code_index": 0, "copy_links": copy_links}
    return str(_PARSER.render(text, env))


@lru_cache(maxsize=8)
def _render_oversized(text: str) -> str:
    shown = text[:MAX_RENDERED_CHARS]
    hidden = len(text) - len(shown)
    return (
        f'<pre style="white-space: pre-wrap;">{escapeHtml(shown)}</pre>'
        f"<p><i>… {hidden:,} more characters not shown (the message is "
        f"{len(text):,} characters long). “Copy message” copies all of it.</i></p>"
    )


@lru_cache(maxsize=256)
def _code_blocks(text: str) -> tuple[str, ...]:
    return tuple(
        _strip_final_newline(token.content)
        for token in _PARSER.parse(text)
        if token.type in {"fence", "code_block"}
    )


def _strip_final_newline(code: str) -> str:
    return code[:-1] if code.endswith("\n") else code


def code_blocks(text: str) -> list[str]:
    """The code of each code block of ``text``, in the order of their copy links.

    Fenced and indented blocks both count; the newline ending the last line of a
    block belongs to the fence, not to the code, and is left out.
    """
    return list(_code_blocks(text))
