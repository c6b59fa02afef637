"""Where a long message may be cut into pieces that render as they do in the whole.

A long message is laid out as a stack of documents (:mod:`.document`), each of whole
top-level Markdown blocks, so a streamed reply lays out only its last piece as it
grows. This module finds the cuts; :meth:`MarkdownRenderer.segments` renders the pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mixtral_desktop.ui.text.markdown import MAX_RENDERED_CHARS, parser

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


def block_starts(text: str) -> list[int]:
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
    for block in parser().tree(text).children[1:]:
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

