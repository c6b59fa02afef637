"""One tab streams a long Markdown reply while a 1 ms timer probes the GUI loop.

``python -m bench.drivers.streaming REPORT --runs N --size CHARS --chunks N --delay S``
Each run opens a new tab, sends a message and waits until the whole reply is painted;
it reports the probe's gaps and the time from the server's last byte of the reply's
text (just before it wrote the event carrying the last piece) to that paint. Only
after that write can the model hold the whole reply, so the time is never negative.
"""

from __future__ import annotations

import sys
from functools import partial

from bench import data
from bench.drivers import gui
from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.ui.shell.chat_tab import ChatTab


def _shows(tab: ChatTab, reply: str) -> bool:
    """Whether the tab's last message holds the whole reply, laid out in full.

    (A text that grew by a burst is laid out a prefix at a time; a paint of a prefix
    does not count.)
    """
    rows = tab.model.rowCount()
    if rows < 2:
        return False
    message = tab.model.message(rows - 1)
    text = message.content
    return (
        len(text) == len(reply)
        and text == reply
        and tab.view.message_delegate().is_measured(message, tab.view.viewport().width())
    )


def _painted(watch: gui.PaintWatch) -> bool:
    return watch.painted_at is not None


def _sent_after(server: gui.FakeServer, count: int) -> bool:
    return len(server.text_sent_times()) > count


def main(argv: list[str]) -> int:
    args = gui.stream_options(size=100_000, chunks=2000, delay=0.0).parse_args(argv)
    app = gui.application()
    reply = data.markdown_reply(args.size)
    runs: list[dict[str, float]] = []
    with gui.window_on_fake_server(reply, "bench-stream-", args) as (window, server):
        probe = gui.GapProbe()
        for number in range(args.runs):
            tab = window.new_tab()
            gui.run_loop(200)
            watch = gui.PaintWatch(tab.view.viewport(), partial(_shows, tab, reply))
            before = len(server.text_sent_times())
            probe.start()
            tab.submit(Role.USER, f"Run {number}: write a long answer.")
            gui.wait_until(partial(_painted, watch), 180, "the full reply")
            gaps = probe.stop()
            gui.wait_until(partial(_sent_after, server, before), 10, "sent time")
            sent = server.text_sent_times()[before]
            assert watch.painted_at is not None
            latency_ms = (watch.painted_at - sent) * 1000
            if latency_ms < 0:  # the text was painted before it was sent: a broken clock
                raise RuntimeError(f"painted {-latency_ms:.1f} ms before the last text")
            runs.append({
                **gui.gap_summary(gaps),
                "latency_ms": latency_ms,
                "paints": watch.paints,
            })
            window.close_tab(window.tabs.indexOf(tab))
            gui.settle_between_runs()
    gui.write_report(args.report, {"runs": runs})
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
