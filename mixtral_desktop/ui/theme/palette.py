"""Every colour the app draws, by what it is for, in one place.

One :class:`Palette` (the light one, so far); widgets and painters read their colours
from it and nowhere else, so a dark palette (and a Pygments style to match) can be added
here without touching them. Contrast of text against its background is at least 4.5:1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bubble:
    """How one role's messages look."""

    background: str
    border: str
    label: str  # the speaker's name
    accent: str | None = None  # a bar down the left edge


@dataclass(frozen=True)
class Banner:
    """A bar inside a tab or panel: an error, a notice, an undo offer."""

    background: str
    border: str
    text: str


@dataclass(frozen=True)
class Meter:
    """The context meter: how full the model's window is."""

    track: str  # the empty part of the bar
    fill: str  # the request, while it fits comfortably
    warn: str  # from 80 % of the window (amber)
    over: str  # over the window (red); also its text
    reserve: str  # the room kept for the reply (max_tokens)
    text: str


@dataclass(frozen=True)
class Chart:
    """The usage window's bar chart (bars at least 3:1 against its background)."""

    background: str
    bar: str  # one value per day; a stack's first part (prompt tokens)
    second: str  # a stack's second part (completion tokens): blue and orange stay apart
    grid: str  # the value lines behind the bars


@dataclass(frozen=True)
class Palette:
    text: str
    muted: str  # times, hints, placeholders
    conversation: str  # behind the message bubbles
    user: Bubble
    assistant: Bubble
    system: Bubble
    note_incomplete: str  # "Reply incomplete" under a cut reply
    note_failed: str
    link: str
    code_background: str
    code_border: str
    inline_code_background: str
    quote: str
    pygments_style: str  # the code colours (a Pygments style name)
    row_selected: str  # the history and search lists
    row_accent: str
    row_hover: str
    row_separator: str
    search_hit: str  # a match highlighted in a search snippet
    error: Banner
    notice: Banner
    caution: Banner  # the undo bar
    credits_low: str
    instructions: Banner  # the chat's instructions above its conversation
    badge: Banner  # a preset's name beside the instructions
    invalid: str  # a value that cannot be sent: its reason, its field's border
    chart: Chart
    meter: Meter  # the context meter under the composer
    chip: Banner  # an attached document above the composer


LIGHT = Palette(
    text="#1f2328",
    muted="#6e7781",
    conversation="#f3f4f6",
    user=Bubble(background="#e8f1ff", border="#b9d3f7", label="#1d4ed8", accent="#3b82f6"),
    assistant=Bubble(background="#ffffff", border="#d8dee4", label="#6d28d9"),
    system=Bubble(background="#fff8e5", border="#ecd28b", label="#8a5a00", accent="#e0a526"),
    note_incomplete="#9a6700",
    note_failed="#cf222e",
    link="#0969da",
    code_background="#f6f8fa",
    code_border="#d0d7de",
    inline_code_background="#eef1f4",
    quote="#57606a",
    pygments_style="default",
    row_selected="#e8f1ff",
    row_accent="#3b82f6",
    row_hover="#f4f6f8",
    row_separator="#eef0f2",
    search_hit="#fde68a",
    error=Banner(background="#fdecea", border="#f5c2c0", text="#7a1c16"),
    notice=Banner(background="#eef4fc", border="#c5d8f0", text="#1d3b63"),
    caution=Banner(background="#fff8e5", border="#ecd28b", text="#5c3d00"),
    credits_low="#9a5b00",
    instructions=Banner(background="#fff8e5", border="#ecd28b", text="#5c3d00"),
    badge=Banner(background="#ede9fe", border="#c4b5fd", text="#4c1d95"),
    invalid="#b42318",
    chart=Chart(background="#ffffff", bar="#2563eb", second="#c2410c", grid="#e5e7eb"),
    meter=Meter(
        track="#e5e7eb", fill="#3b82f6", warn="#d97706", over="#b42318", reserve="#a5b4fc",
        text="#57606a",
    ),
    chip=Banner(background="#f6f8fa", border="#c9d1d9", text="#1f2328"),
)
"""The app's palette (the only one until dark mode)."""


def banner_style(object_name: str, banner: Banner) -> str:
    """The style sheet of a banner frame named ``object_name`` and its labels."""
    return (
        f"#{object_name} {{ background: {banner.background}; border: 1px solid "
        f"{banner.border}; border-radius: 6px; }}"
        f"#{object_name} QLabel {{ color: {banner.text}; }}"
    )
