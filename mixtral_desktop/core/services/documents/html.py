"""An HTML page reduced to its text: what a reader sees, not the markup. Scripts, styles
and the head (but its title) are dropped; blocks become lines, list items "- " lines,
table cells are separated by " | "; runs of spaces collapse (not inside <pre>)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset({
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote",
    "pre", "figure", "figcaption", "form", "dl", "dt", "dd", "hr", "title", "address",
})
HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "head"})
SPACES = re.compile(r"[ \t\r\f\v]+")


class _Reducer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._pre = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag == "tr":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            self.parts.append("\n\n")
        if tag in HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._hidden and not self._in_title:
            return
        self.parts.append(data if self._pre else SPACES.sub(" ", data.replace("\n", " ")))


def html_text(html: str) -> str:
    """The text a reader of ``html`` sees, as plain lines."""
    reducer = _Reducer()
    reducer.feed(html)
    reducer.close()
    # (outside <pre> runs of spaces are one space: a line starting with one is trimmed;
    # a <pre> line keeps its indentation)
    lines = [(line[1:] if line.startswith(" ") and not line.startswith("  ") else line)
             .rstrip() for line in "".join(reducer.parts).split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"^\| |(?<=\n)\| ", "", text)  # a row's first cell has no separator
    return text.strip()
