"""Interpreter settings for a long-lived GUI process whose worker threads run Python."""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.0002
"""How long a thread may keep the GIL while another one asks for it. The GUI thread
shares it with the reply worker (parsing the stream) and the layout worker (laying out
a long reply); PySide keeps the GIL through each Qt call, and at CPython's default of
5 ms every Python slot of the GUI thread (a paint, a timer) waited up to 5 ms for its
turn while a worker ran: a burst's frames took ~90 ms instead of ~20."""


def settle_for_gui() -> None:
    """Call once start-up is done, before the event loop (``app.main``; the benchmarks)."""
    # The ~50,000 objects of start-up live as long as the app: keep the cyclic garbage
    # collector from walking them on every full collection (30-70 ms pauses mid-stream).
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
