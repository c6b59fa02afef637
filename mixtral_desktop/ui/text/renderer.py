"""The app's Markdown renderer: Qt HTML for a message, whole or in segments, with code
coloured by pygments once its language's lexer is ready (:mod:`.lexers`).

One renderer is made with the window's services and handed to everything that renders
(the delegate's documents, the selectable text, "Copy as plain text"). Its caches are
its own: renders are keyed by the lexer loader's epoch, and dropped when lexers become
ready (code shown plain can then be coloured).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mixtral_desktop.ui.text.lexers import LexerLoader
from mixtral_desktop.ui.text.markdown import (
    MAX_RENDERED_CHARS,
    escape_html,
    finish_for_qt,
    parser,
    render_oversized,
)
from mixtral_desktop.ui.text.segments import SEGMENT_CHARS, Segment, block_starts, splittable
from mixtral_desktop.ui.theme.current import PALETTE

if TYPE_CHECKING:
    from pygments.lexer import Lexer
    from PySide6.QtCore import SignalInstance

RENDER_CACHE = 1024
HIGHLIGHT_CACHE = 512


class MarkdownRenderer:
    """Renders Markdown to Qt HTML; any thread may render (lexers load on the GUI's)."""

    def __init__(self, lexers: LexerLoader) -> None:
        self.lexers = lexers
        lexers.ready.connect(self.forget)  # first, so every later slot renders afresh
        # Keyed by the loader's epoch too: a worker thread may store a render with code
        # still uncoloured just after forget(); the next epoch misses it.
        self._render_from = lru_cache(maxsize=RENDER_CACHE)(self._render_uncached)
        # A streamed reply renders its code again and again while the text after it grows.
        self._highlight = lru_cache(maxsize=HIGHLIGHT_CACHE)(self._highlight_uncached)
        self._formatter: Any = None
        self._plain: Lexer | None = None

    @property
    def colours_ready(self) -> SignalInstance:
        """Emitted when code shown uncoloured can now be coloured: render it again."""
        return self.lexers.ready

    def render(self, text: str, copy_links: bool = True) -> str:
        """Render Markdown ``text`` to Qt rich-text HTML; raw HTML in it shows as text.

        With ``copy_links`` each code block is followed by a ``copy-code:N`` link.
        """
        if len(text) > MAX_RENDERED_CHARS:
            return render_oversized(text)
        return self._render_from(text, 0, copy_links, self.lexers.epoch)[0]

    def segments(
        self, text: str, *, code_index: int = 0, min_chars: int = SEGMENT_CHARS
    ) -> list[Segment]:
        """Render ``text`` as consecutive segments whose HTML, joined, is ``render(text)``.

        A segment ends only before a top-level paragraph that follows a blank line
        (:func:`~.segments.block_starts`): it starts with no top margin, so documents
        stacked one under the other look exactly like one document, and the blocks
        before it are closed, so each segment renders alone as it does in the whole.
        Each segment but the last has at least ``min_chars`` characters; the last one
        holds the last block, the one a stream may still change. ``code_index`` numbers
        the first copy link (the segments before this text had that many). Text the
        pieces could render differently (link reference definitions, carriage returns,
        oversized text) comes back as one segment.
        """
        if not text:
            return [Segment(0, 0, "", 0)]
        epoch = self.lexers.epoch
        render = self._render_from
        if not splittable(text) or len(text) < 2 * min_chars:
            return [Segment(0, len(text), *render(text, code_index, True, epoch))]
        segments: list[Segment] = []
        first = 0
        for offset in block_starts(text):
            if offset - first < min_chars:
                continue
            html, count = render(text[first:offset], code_index, True, epoch)
            segments.append(Segment(first, offset, html, count))
            code_index += count
            first = offset
        html, count = render(text[first:], code_index, True, epoch)
        segments.append(Segment(first, len(text), html, count))
        return segments

    def prepare_for_threads(self) -> None:
        """Import and build, on the GUI thread, everything rendering uses, before a worker
        thread renders: pygments loads its formatters and lexers lazily, and two threads
        asking for one at the same moment can fail ("cannot import name 'HtmlFormatter'")."""
        from pygments import highlight  # noqa: F401 (imported for the worker's first use)

        parser()
        self._html_formatter()
        self._plain_lexer()

    def forget(self) -> None:
        """Drop every cached rendering (they may show code not yet coloured)."""
        self._render_from.cache_clear()

    def recolour(self) -> None:
        """The theme changed: render everything again in its colours (code included)."""
        self._highlight.cache_clear()
        self._formatter = None
        self.lexers.ready.emit()  # (forget() runs first, then every view repaints)

    # Rendering

    def _render_uncached(
        self, text: str, code_index: int, copy_links: bool, epoch: int
    ) -> tuple[str, int]:
        """The HTML of ``text`` (copy links numbered from ``code_index``), its code blocks."""
        if len(text) > MAX_RENDERED_CHARS:
            return render_oversized(text), 0
        return finish_for_qt(parser().render(text), code_index, copy_links, self._code_html)

    def _code_html(self, code: str, info: str) -> str:
        """Coloured HTML for one code block, or plain while its language's lexer loads."""
        lexer = self._lexer_for(info)
        if lexer is None:
            return escape_html(code).rstrip("\n")
        return self._highlight(code, lexer)

    def _lexer_for(self, info: str) -> Lexer | None:
        """The fence's language, else plain text; None while that language's lexer loads.

        No guessing: pygments' ``guess_lexer`` imports and asks every lexer it has (200 ms
        the first time, tens of ms after), and a streamed fence is nameless until its
        language arrives in the next chunk ("```" then "python").
        """
        language = info.strip().split(maxsplit=1)[0] if info.strip() else ""
        if not language:
            return self._plain_lexer()
        known, lexer = self.lexers.lookup(language)
        if not known:
            return None
        return lexer if lexer is not None else self._plain_lexer()

    def _highlight_uncached(self, code: str, lexer: Lexer) -> str:
        from pygments import highlight

        body = highlight(code, lexer, self._html_formatter())
        return str(body).rstrip("\n")

    def _html_formatter(self) -> Any:
        if self._formatter is None:
            from pygments.formatters import HtmlFormatter

            self._formatter = HtmlFormatter(
                noclasses=True, nowrap=True, style=PALETTE.pygments_style
            )
        return self._formatter

    def _plain_lexer(self) -> Lexer:
        if self._plain is None:
            from pygments.lexers.special import TextLexer

            self._plain = TextLexer()
        return self._plain
