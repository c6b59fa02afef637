"""How messages look: colours per role and state, spacing, and the state notes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QRect

from mixtral_desktop.core.domain.attachments import attached_line
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.theme.current import current
from mixtral_desktop.ui.theme.names import SPEAKERS
from mixtral_desktop.ui.theme.palette import Bubble, Palette

K = TypeVar("K")
V = TypeVar("V")

MARGIN_X = 12  # between the view's edge and a bubble
MARGIN_Y = 5  # above and below a bubble
PAD_X = 14  # inside a bubble
PAD_Y = 10
ACCENT_WIDTH = 4
GAP = 6  # between label, body and note
RADIUS = 8.0
CURSOR = "▍"


@dataclass(frozen=True)
class BubbleStyle:
    """How one role looks."""

    label: str
    background: str
    border: str
    label_colour: str
    accent: str | None = None  # a bar down the left edge
    italic_label: bool = False
    indent_left: int = 0  # extra room on the left (user turns sit to the right)
    indent_right: int = 0


def _style(role: Role, bubble: Bubble, *, italic: bool = False, left: int = 0,
           right: int = 0) -> BubbleStyle:
    return BubbleStyle(
        SPEAKERS[role], bubble.background, bubble.border, bubble.label, bubble.accent,
        italic_label=italic, indent_left=left, indent_right=right,
    )


class _ByPalette(Mapping[K, V]):
    """A mapping made from the palette in use, made again when the theme changes."""

    def __init__(self, make: Callable[[Palette], dict[K, V]]) -> None:
        self._make = make
        self._made: tuple[Palette, dict[K, V]] | None = None

    def _current(self) -> dict[K, V]:
        palette = current()
        if self._made is None or self._made[0] is not palette:
            self._made = (palette, self._make(palette))
        return self._made[1]

    def __getitem__(self, key: K) -> V:
        return self._current()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


STYLES: Mapping[Role, BubbleStyle] = _ByPalette(lambda p: {
    Role.USER: _style(Role.USER, p.user, left=64),  # (user turns sit to the right)
    Role.ASSISTANT: _style(Role.ASSISTANT, p.assistant, right=24),
    Role.SYSTEM: _style(Role.SYSTEM, p.system, italic=True, left=24, right=24),
})

NOTE_COLOURS: Mapping[MessageState, str] = _ByPalette(lambda p: {
    MessageState.WAITING: p.muted,
    MessageState.STREAMING: p.muted,
    MessageState.INCOMPLETE: p.note_incomplete,
    MessageState.FAILED: p.note_failed,
})

# States whose note gets a line of its own under the text (when there is text).
NOTE_LINE_STATES = frozenset({MessageState.WAITING, MessageState.INCOMPLETE, MessageState.FAILED})


def bubble_style(role: Role) -> BubbleStyle:
    return STYLES[role]


def status_text(message: Message, now: float) -> str | None:
    """The note shown for ``message``'s state at time ``now`` (for a finished one, its
    attached documents); ``None`` when there is nothing to say."""
    state = message.state
    if state is MessageState.WAITING:
        return f"Waiting for Mixtral… {max(0, int(now - message.created))} s"
    if state is MessageState.STREAMING:
        return "streaming…"
    if state is MessageState.INCOMPLETE:
        return "Reply incomplete" + (f": {message.error}" if message.error else "")
    if state is MessageState.FAILED:
        return "Reply failed" + (f": {message.error}" if message.error else "")
    if message.attachments:
        return attached_line(message.attachments)
    return None


def body_width(view_width: int, role: Role) -> int:
    """How wide the Markdown of a ``role`` message is in a view ``view_width`` wide."""
    style = STYLES[role]
    accent = ACCENT_WIDTH if style.accent else 0
    used = 2 * MARGIN_X + style.indent_left + style.indent_right + 2 * PAD_X + accent
    return max(view_width - used, 80)


@dataclass(frozen=True)
class RowLayout:
    """Where the parts of one row go, in view coordinates."""

    bubble: QRect
    label: QRect
    body: QRect
    note: QRect | None

    @property
    def height(self) -> int:
        """The row's full height, margins included."""
        return self.bubble.height() + 2 * MARGIN_Y


def row_height(body: int, label: int, note: int | None) -> int:
    """A row's height from its parts' heights (``note`` None: no note line)."""
    height = 2 * MARGIN_Y + 2 * PAD_Y + label + GAP + body
    return height + GAP + note if note is not None else height


def row_layout(rect: QRect, role: Role, body: int, label: int, note: int | None) -> RowLayout:
    """Place a row's parts in ``rect`` (only its top, left and width count)."""
    style = STYLES[role]
    left = rect.left() + MARGIN_X + style.indent_left
    right = rect.left() + rect.width() - MARGIN_X - style.indent_right
    bubble_height = row_height(body, label, note) - 2 * MARGIN_Y
    bubble = QRect(left, rect.top() + MARGIN_Y, right - left, bubble_height)
    text_left = left + PAD_X + (ACCENT_WIDTH if style.accent else 0)
    width = body_width(rect.width(), role)
    top = bubble.top() + PAD_Y
    label_rect = QRect(text_left, top, width, label)
    top += label + GAP
    body_rect = QRect(text_left, top, width, body)
    note_rect = QRect(text_left, top + body + GAP, width, note) if note is not None else None
    return RowLayout(bubble, label_rect, body_rect, note_rect)
