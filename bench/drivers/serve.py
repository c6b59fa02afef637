"""The fake Segmind in its own process, so serving never competes with the app's GIL.

``python -m bench.drivers.serve REPLY_FILE [--chunks N] [--delay S] [--tagged]`` prints
the base URL, then ``text <monotonic time>`` for every streamed reply: the moment
just before the fake wrote the event with the last piece of the reply's text (the
finish event and ``[DONE]`` that follow carry none; at 100 chunks/s they come 10 and
20 ms later), so a client cannot have the whole text before it.
With ``--tagged`` each reply starts with the last user message, so a test can tell
whose reply it is.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from tests.fakes.segmind_server import FakeSegmind


def tagged_reply(body: str) -> Any:
    def reply(messages: list[dict[str, Any]]) -> str:
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        last = str(users[-1].get("content", "")) if users else ""
        return f"Reply to: {last}\n\n{body}"

    return reply


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("reply_file", type=Path)
    parser.add_argument("--chunks", type=int, default=None)
    parser.add_argument("--chunk-size", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--tagged", action="store_true")
    args = parser.parse_args(argv)
    body = args.reply_file.read_text(encoding="utf-8")
    server = FakeSegmind(
        mode="auto",
        reply=tagged_reply(body) if args.tagged else body,
        chunks=args.chunks,
        chunk_size=args.chunk_size,
        chunk_delay=args.delay,
    )
    lock = threading.Lock()

    def text_sent(when: float) -> None:
        with lock:
            print(f"text {when:.6f}", flush=True)

    server.on_text_sent = text_sent
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        print(server.base_url, flush=True)
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
