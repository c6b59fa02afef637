"""Every colour the app draws, by what it is for, in one place.

Two :class:`Palette` s, :data:`LIGHT` and :data:`DARK`; widgets and painters read the
one in use through :mod:`~mixtral_desktop.ui.theme.current` and nowhere else. Contrast
of text against its background is at least 4.5:1 in both (tested).
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
class Chrome:
    """The window's own colours (Qt's palette: every standard widget and dialog)."""

    window: str  # behind everything
    base: str  # inside text fields, lists
    button: str
    highlight: str  # the selection, the focused default button
    highlighted_text: str
    disabled_text: str
    placeholder: str


@dataclass(frozen=True)
class Palette:
    name: str  # "light" or "dark"
    chrome: Chrome
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
    name="light",
    chrome=Chrome(window="#efefef", base="#ffffff", button="#efefef", highlight="#0969da",
                  highlighted_text="#ffffff", disabled_text="#8c959f", placeholder="#6e7781"),
    text="#1f2328",
    muted="#5c6570",
    conversation="#f3f4f6",
    user=Bubble(background="#e8f1ff", border="#b9d3f7", label="#1d4ed8", accent="#3b82f6"),
    assistant=Bubble(background="#ffffff", border="#d8dee4", label="#6d28d9"),
    system=Bubble(background="#fff8e5", border="#ecd28b", label="#8a5a00", accent="#e0a526"),
    note_incomplete="#845800",
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
"""The light palette."""

DARK = Palette(
    name="dark",
    chrome=Chrome(window="#1c2128", base="#0d1117", button="#2d333b", highlight="#1f6feb",
                  highlighted_text="#ffffff", disabled_text="#6e7681", placeholder="#8b949e"),
    text="#e6edf3",
    muted="#9ba7b4",
    conversation="#161b22",
    user=Bubble(background="#1b2a41", border="#2f4a73", label="#93b8ff", accent="#4c8dff"),
    assistant=Bubble(background="#0d1117", border="#30363d", label="#c9b3ff"),
    system=Bubble(background="#2a2212", border="#5a4720", label="#e8b94a", accent="#d29922"),
    note_incomplete="#e8b94a",
    note_failed="#ff8a80",
    link="#6cb6ff",
    code_background="#1c2128",
    code_border="#3d444d",
    inline_code_background="#272e38",
    quote="#a5b0bc",
    pygments_style="github-dark",
    row_selected="#1f3350",
    row_accent="#4c8dff",
    row_hover="#1c2330",
    row_separator="#21262d",
    search_hit="#6b5310",
    error=Banner(background="#3b1d1d", border="#6e3434", text="#ffc9c4"),
    notice=Banner(background="#172a45", border="#2c4a73", text="#cde2ff"),
    caution=Banner(background="#2e2612", border="#5a4720", text="#f5dfa8"),
    credits_low="#e8b94a",
    instructions=Banner(background="#2e2612", border="#5a4720", text="#f5dfa8"),
    badge=Banner(background="#2d2347", border="#54438a", text="#ddd2ff"),
    invalid="#ff8a80",
    chart=Chart(background="#0d1117", bar="#4c8dff", second="#f0883e", grid="#30363d"),
    meter=Meter(
        track="#30363d", fill="#4c8dff", warn="#e3a008", over="#ff6b61", reserve="#6e7bd9",
        text="#a5b0bc",
    ),
    chip=Banner(background="#1c2128", border="#3d444d", text="#e6edf3"),
)
"""The dark palette (GitHub's dark colours, in spirit)."""

PALETTES = {"light": LIGHT, "dark": DARK}


def banner_style(object_name: str, banner: Banner) -> str:
    """The style sheet of a banner frame named ``object_name`` and its labels."""
    return (
        f"#{object_name} {{ background: {banner.background}; border: 1px solid "
        f"{banner.border}; border-radius: 6px; }}"
        f"#{object_name} QLabel {{ color: {banner.text}; }}"
    )
