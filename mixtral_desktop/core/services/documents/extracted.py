"""What reading a document gives: its text and what the chip and the user need to know
about it (pages or lines, the pages that had no text, undecodable bytes replaced)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Progress = Callable[[int, int], None]
"""``progress(done, total)``: pages (PDF) or bytes (text) read so far, of how many."""

IsCancelled = Callable[[], bool]
"""Checked between pages or chunks; True ends the reading with :class:`Cancelled`."""


@dataclass(frozen=True)
class Extracted:
    name: str  # the file's name (never its folder: that stays on the user's disk)
    kind: str  # "text", "markdown", "csv", "json", "html", "pdf", "docx"
    text: str
    pages: int | None = None  # PDF: every page of the file
    empty_pages: tuple[int, ...] = field(default=())  # PDF: 1-based pages with no text
    replacements: int = 0  # undecodable bytes shown as U+FFFD
    encoding: str | None = None  # the detected encoding of a text file
    page_spans: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)
    """PDF: (page, start, end) of each page with text, as offsets into ``text``."""

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1 if self.text else 0


def page_ranges(pages: tuple[int, ...]) -> str:
    """(1, 2, 3, 7, 9, 10) -> "1–3, 7, 9–10"."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
