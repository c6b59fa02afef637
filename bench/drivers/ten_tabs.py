"""Ten tabs stream at once while a 1 ms timer probes the GUI loop.

``python -m bench.drivers.ten_tabs REPORT --runs N --tabs 10 --size CHARS --chunks N
--delay S``: each run opens the tabs, sends one message in each (the replies start
with the message, so each tab's reply is recognisable) and waits for all of them.
"""

from __future__ import annotations

import sys
from functools import partial

from bench import data
from bench.drivers import gui
from mixtral_desktop.core.domain.conversation import MessageState, Role
from mixtral_desktop.ui.shell.chat_tab import ChatTab


def _reply_shown(tab: ChatTab, expected: str) -> bool:
    rows = tab.model.rowCount()
    if rows < 2:
        return False
    message = tab.model.message(rows - 1)
    return message.state is MessageState.DONE and message.content == expected


def _all_shown(tabs: list[ChatTab], expected: list[str]) -> bool:
    return all(_reply_shown(t, e) for t, e in zip(tabs, expected, strict=True))


def main(argv: list[str]) -> int:
    parser = gui.stream_options(size=20_000, chunks=500, delay=0.01)
    parser.add_argument("--tabs", type=int, default=10)
    args = parser.parse_args(argv)
    app = gui.application()
    body = data.markdown_reply(args.size, seed=7)
    runs: list[dict[str, float]] = []
    with gui.window_on_fake_server(body, "bench-tabs-", args, "--tagged") as (window, _):
        probe = gui.GapProbe()
        for number in range(args.runs):
            tabs = [window.new_tab() for _ in range(args.tabs)]
            gui.run_loop(300)
            texts = [f"Run {number}, tab {i}: stream something." for i in range(args.tabs)]
            expected = [f"Reply to: {text}\n\n{body}" for text in texts]
            probe.start()
            for tab, text in zip(tabs, texts, strict=True):
                tab.submit(Role.USER, text)
            gui.wait_until(partial(_all_shown, tabs, expected), 180, "every reply")
            gaps = probe.stop()
            complete = sum(_reply_shown(t, e) for t, e in zip(tabs, expected, strict=True))
            runs.append({**gui.gap_summary(gaps), "complete": complete, "tabs": args.tabs})
            for tab in tabs:
                window.close_tab(window.tabs.indexOf(tab))
            gui.settle_between_runs()
    gui.write_report(args.report, {"runs": runs})
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
