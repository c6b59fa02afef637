"""Every finished row's size in one tight loop, before the view's layout asks for it."""

from __future__ import annotations

from collections.abc import Container

from PySide6.QtCore import QSize

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages.layout_cache import (
    Key,
    LayoutCache,
    count_lines_and_fences,
    estimated_height,
)
from mixtral_desktop.ui.messages.style import NOTE_LINE_STATES, body_width, row_height
from mixtral_desktop.ui.text.segments import SEGMENT_CHARS


def size_rows(
    cache: LayoutCache, waiting: Container[Key], messages: list[Message], view_width: int
) -> None:
    """Give every finished row its size (at the start of a full layout, or ahead of one:
    a background tab, while idle).

    The first layout of a long conversation at a new width asks ``sizeHint`` for every
    row; this answers what ``sizeHint`` would (a measured height, else the estimate)
    without its per-call work, so each call is one dictionary look-up. Rows whose size
    depends on more (streaming, laid out up to a prefix: in ``waiting``, extending a
    growing document) are left to ``sizeHint``.
    """
    sizes = cache.sizes
    if len(sizes) + len(messages) > cache.HEIGHT_CACHE:
        return
    counts = cache.counts
    if len(counts) + len(messages) > cache.HEIGHT_CACHE:
        counts.clear()
    heights = cache.heights.peek
    long_text = 2 * SEGMENT_CHARS
    line_height = cache.line_height
    by_role = {  # keyed by id(): hashing an Enum runs Python code
        id(role): (width, cache.chars_per_line(width))
        for role in Role
        for width in [body_width(view_width, role)]
    }
    plain_row = row_height(0, cache.label_height, None)
    noted_row = row_height(0, cache.label_height, cache.note_height)
    streaming = MessageState.STREAMING
    noted = {id(state) for state in NOTE_LINE_STATES}
    shared: dict[int, QSize] = {}  # one QSize per height (Qt copies what we return)
    marked = cache.context_marked  # the last row left out of requests: a line under it
    for message in messages:
        entry = sizes.get(id(message))
        content = message.content
        state = message.state
        if (entry is not None and entry[0] is message and entry[1] == view_width) or (
            not content or state is streaming
        ):
            continue
        width, per_line = by_role[id(message.role)]
        key = (content, width)
        body = heights(key)
        if body is None:
            if key in waiting or (
                len(content) >= long_text and cache.growing_base(content, width)
            ):
                continue
            text_counts = counts.get(content)
            if text_counts is None:
                text_counts = counts[content] = count_lines_and_fences(content)
            body = estimated_height(content, per_line, line_height, text_counts)
        noted_here = id(state) in noted or message is marked or bool(message.attachments)
        height = (noted_row if noted_here else plain_row) + body
        size = shared.get(height)
        if size is None:
            size = shared[height] = QSize(view_width, height)
        sizes[id(message)] = (message, view_width, size, height)
