"""Typing into a 200,000-character draft with the context meter live.

``python -m bench.drivers.typing REPORT --keystrokes N --chars C --interval MS``
The app's window; its tab's composer holds a pasted draft of ``C`` characters (Markdown
prose, code and tables, many paragraphs) and the meter has counted it once. Then ``N``
keystrokes are posted to the composer as the window system would deliver them (a key
press and its release queued on the GUI thread), one every ``interval`` ms as a fast
typist types, each timed from being queued to the end of the composer's next paint.
Every keystroke also starts a count on the token worker (the draft's turn is
re-counted; the rest is cached), which is what the figure is about: the composer must
not wait for it. At the end the meter must show the exact count of what is there.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from bench import data
from bench.drivers import gui
from bench.stats import percentile
from mixtral_desktop.ui.shell.chat_tab import ChatTab

TEXT = "the quick brown fox jumps over the lazy dog, ça va? "


def _post_key(widget: object, char: str) -> None:
    key = Qt.Key.Key_Space if char == " " else Qt.Key.Key_A
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.postEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                 char))


def _painted(watch: gui.PaintWatch) -> bool:
    return watch.painted_at is not None


def _meter_shows(tab: ChatTab, shown: list[int], exact: int) -> bool:
    return bool(shown) and shown[-1] == exact


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--keystrokes", type=int, default=200)
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--interval", type=float, default=50.0)
    args = parser.parse_args(argv)
    app = gui.application()
    options = gui.stream_options(size=100, chunks=1, delay=0.0).parse_args(["unused"])
    with gui.window_on_fake_server("ok", "bench-typing-", options) as (window, _server):
        tab = window.current_tab()
        shown: list[int] = []
        tab.context.counted.connect(shown.append)
        box = tab.composer.input
        draft = data.markdown_reply(args.chars)[: args.chars]
        box.setFocus()
        box.setPlainText(draft)
        box.moveCursor(QTextCursor.MoveOperation.End)
        gui.wait_until(lambda: bool(shown), 60, "the draft's first count")
        gui.run_loop(300)
        latencies: list[float] = []
        counts_before = len(shown)
        for number in range(args.keystrokes):
            char = TEXT[number % len(TEXT)]
            watch = gui.PaintWatch(box.viewport(), lambda: True)
            started = time.monotonic()
            _post_key(box, char)
            gui.wait_until(partial(_painted, watch), 10, "the keystroke painted")
            assert watch.painted_at is not None
            latencies.append((watch.painted_at - started) * 1000)
            left = args.interval / 1000 - (time.monotonic() - started)
            if left > 0:
                gui.run_loop(int(left * 1000))
        typed = len(box.toPlainText()) - len(draft)
        if typed != args.keystrokes:
            raise RuntimeError(f"{typed} characters typed of {args.keystrokes}")
        exact = window.services.metering.counter.count(tab.context.request_messages())
        gui.wait_until(partial(_meter_shows, tab, shown, exact), 30, "the meter's last count")
        report = {
            "ms": latencies,
            "p99": percentile(latencies, 99),
            "median": percentile(latencies, 50),
            "draft_chars": len(box.toPlainText()),
            "counts_shown": len(shown) - counts_before,
            "tokens": shown[-1],
        }
    gui.write_report(args.report, report)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
