"""A restored tab of 10,000 messages: switch to it, then drag from the top to the bottom.

``python -m bench.drivers.long_chat REPORT DB --steps N``: DB is a history with the
long conversation in tab 0 and a short one in tab 1 (the active tab). Reports the
time from ``setCurrentIndex`` to the end of the first paint of the long tab, and the
probe's gaps while the scroll bar moves from top to bottom in N steps, one per 16 ms
(a thumb dragged down over a few seconds: every step lands on rows never seen).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from bench.drivers import gui

FRAME_MS = 16


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("db", type=Path)
    parser.add_argument("--steps", type=int, default=250)
    args = parser.parse_args(argv)
    app = gui.application()
    with tempfile.TemporaryDirectory(prefix="bench-long-") as folder:
        shutil.copyfile(args.db, Path(folder) / "history.sqlite3")
        window = gui.open_window("http://127.0.0.1:9/v1", Path(folder))
        try:
            gui.run_loop(300)
            tab = window.tab(0)
            rows = tab.model.rowCount()
            view = tab.view
            switch_ms = gui.time_tab_switch(window, 0)
            gui.run_loop(500)
            bar = view.verticalScrollBar()
            bar.setValue(0)
            gui.run_loop(500)
            probe = gui.GapProbe()
            step = 0
            timer = QTimer()
            timer.setInterval(FRAME_MS)

            def move() -> None:
                nonlocal step
                step += 1
                bar.setValue(round(bar.maximum() * min(step / args.steps, 1.0)))
                if step >= args.steps:
                    timer.stop()

            timer.timeout.connect(move)
            probe.start()
            timer.start()
            gui.wait_until(lambda: not timer.isActive(), 120, "the scroll to the bottom")
            gui.run_loop(FRAME_MS)
            gaps = probe.stop()
            at_bottom = bar.value() >= bar.maximum() - 4
        finally:
            gui.close_window(window)
    gui.write_report(args.report, {
        "rows": rows, "switch_ms": switch_ms, "scroll": gui.gap_summary(gaps),
        "at_bottom": at_bottom,
    })
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
