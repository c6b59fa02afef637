"""A restored tab of 10,000 messages with 1,000 branch points: switch to it, then switch
versions, timing each from the call to the end of the paint that shows it.

``python -m bench.drivers.version_switch REPORT DB --switches N``: DB is a history with
the branched conversation in tab 0 and a short one in tab 1 (the active tab). Reports the
tab switch (as ``long_chat`` does) and two kinds of version switch, each N times back and
forth: near the end (the last branch point: a few rows change) and in the middle (the
row on screen, with some 5,000 rows below it replaced each time).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.drivers import gui


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("db", type=Path)
    parser.add_argument("--switches", type=int, default=10)
    args = parser.parse_args(argv)
    app = gui.application()
    with tempfile.TemporaryDirectory(prefix="bench-branches-") as folder:
        shutil.copyfile(args.db, Path(folder) / "history.sqlite3")
        window = gui.open_window("http://127.0.0.1:9/v1", Path(folder))
        try:
            gui.run_loop(300)
            tab = window.tab(0)
            model, view = tab.model, tab.view
            rows = model.rowCount()
            open_ms = gui.time_tab_switch(window, 0)
            gui.run_loop(500)
            branch_rows = [row for row in range(rows) if model.version(row)[1] > 1]

            def switch(row: int, step: int) -> float:
                gui.wait_until(lambda: not view.layout_pending(), 30, "layout to settle")
                gui.run_loop(50)
                painted = gui.PaintWatch(view.viewport(), lambda: True)
                begun = time.monotonic()
                tab.branching.switch_version(row, step)
                gui.wait_until(lambda: painted.painted_at is not None, 30, "the switch painted")
                assert painted.painted_at is not None
                return (painted.painted_at - begun) * 1000

            end_row = branch_rows[-1]
            end_ms = [switch(end_row, 1 if i % 2 == 0 else -1) for i in range(args.switches)]
            middle = branch_rows[len(branch_rows) // 2]
            view.scroll_to_row(middle)
            gui.run_loop(500)
            middle_ms = [switch(middle, 1 if i % 2 == 0 else -1) for i in range(args.switches)]
            intact = model.rowCount() == rows and len(model.tree) == rows + len(branch_rows)
        finally:
            gui.close_window(window)
    gui.write_report(args.report, {
        "rows": rows, "branch_points": len(branch_rows), "open_ms": open_ms,
        "end_ms": end_ms, "middle_ms": middle_ms, "intact": intact,
    })
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
