"""What every suite needs: how many runs, how big, the environment, the profiles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.profiles import ProfileCache, Sizes


@dataclass(frozen=True)
class Scale:
    """Sizes of the GUI scenarios (``--quick`` shrinks them)."""

    reply_chars: int = 100_000
    reply_chunks: int = 2000
    paced_delay: float = 0.01  # seconds between chunks: 100 chunks/s
    paced_chunks: int = 2000
    scroll_steps: int = 250
    tabs: int = 10
    tab_reply_chars: int = 20_000
    tab_reply_chunks: int = 500
    requests: int = 30
    search_repeats: int = 3
    draft_chars: int = 200_000
    keystrokes: int = 200
    pdf_pages: int = 300
    source_bytes: int = 5 * 1024 * 1024


QUICK_SCALE = Scale(
    reply_chars=5_000, reply_chunks=100, paced_chunks=50, scroll_steps=20, tabs=3,
    tab_reply_chars=2_000, tab_reply_chunks=40, requests=5, search_repeats=1,
    draft_chars=20_000, keystrokes=20, pdf_pages=30, source_bytes=500_000,
)


@dataclass
class Context:
    runs: int
    warm_up: bool
    scale: Scale
    sizes: Sizes
    env: dict[str, str]
    work: Path
    profiles: ProfileCache
    verbose: bool = True

    def log(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)
