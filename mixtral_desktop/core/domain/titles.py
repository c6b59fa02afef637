"""A conversation's automatic title, made locally from its first user message (no API call)."""

from __future__ import annotations

import re

ELLIPSIS = "…"
UNTITLED = "New chat"
"""What a conversation without a title is called, wherever it is named (tab, history,
search, export)."""


def display_title(title: str) -> str:
    """``title``, or :data:`UNTITLED` when it is blank."""
    return title.strip() or UNTITLED

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s+|$)")
_QUOTE = re.compile(r"^\s{0,3}(>\s?)+")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_EMPHASIS = re.compile(r"(?<!\w)(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_SPACE = re.compile(r"\s+")


def title_from_message(text: str, max_chars: int = 48) -> str:
    """The first line of prose in ``text``, Markdown removed, cut to ``max_chars``.

    Lines inside code blocks only count when the message has no other text. Returns
    ``""`` when nothing visible is left (the caller shows its own placeholder). A cut
    title ends at a word boundary with "…" and is at most ``max_chars`` long.
    """
    prose, code = _first_lines(text)
    line = prose if prose is not None else code
    if line is None:
        return ""
    return shorten(line, max_chars)


def shorten(text: str, max_chars: int) -> str:
    """``text`` with whitespace collapsed, cut at a word boundary with "…" if too long."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS[:max_chars]
    room = max_chars - len(ELLIPSIS)
    cut = text[: room + 1]  # one more: a space right after the room means a clean cut
    space = cut.rfind(" ")
    # Keep a word boundary unless it would throw away more than half of the room.
    cut = cut[:space] if space >= room // 2 else text[:room]
    return cut.rstrip(" ,;:-–—.") + ELLIPSIS


def _first_lines(text: str) -> tuple[str | None, str | None]:
    """The first non-empty prose line and the first non-empty code line (each cleaned)."""
    in_fence: str | None = None
    first_code: str | None = None
    for raw in text.splitlines():
        fence = _FENCE.match(raw)
        if fence:
            marker = fence.group(1)
            if in_fence is None:
                in_fence = marker
            elif marker[0] == in_fence[0] and len(marker) >= len(in_fence):
                in_fence = None
            continue
        if in_fence is not None:
            if first_code is None and raw.strip():
                first_code = raw.strip()
            continue
        line = _strip_markdown(raw)
        if line:
            return line, first_code
    return None, first_code


def _strip_markdown(line: str) -> str:
    if _RULE.match(line):
        return ""
    line = _QUOTE.sub("", line)
    line = _HEADING.sub("", line)
    line = _LIST_ITEM.sub("", line)
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _CODE_SPAN.sub(lambda m: m.group(2).strip(), line)
    previous = None
    while previous != line:  # nested emphasis: ***a*** or **_a_**
        previous = line
        line = _EMPHASIS.sub(r"\2", line)
    return _SPACE.sub(" ", line).strip()
