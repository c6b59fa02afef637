"""The app's request path against a raw ``requests`` call to the same fake server.

``python -m bench.drivers.overhead REPORT --runs N --requests M``: each run times M
requests each way, interleaved: raw is ``Session.post`` (keep-alive, the same body,
the whole streamed body read); the app's path is what a tab runs for a reply: the
:func:`stream_reply` coroutine on the qasync loop, the client on a reply thread, the
deltas and the reply handed to the GUI thread, timed until the task's done callback
runs on the GUI thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import requests
from PySide6.QtCore import QEventLoop

from bench.drivers import gui
from bench.stats import median
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.request import ChatRequest
from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.core.services.reply import stream_reply
from tests.fakes.segmind_server import FAKE_KEY, MODEL_SLUG

REPLY = "Hello! Here is a short answer with **bold** text and a `code` span, as usual.\n"
MESSAGES = [{"role": "user", "content": "Say hello."}]


class Listener:
    """What a tab hears of a reply; here only the text is kept."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def on_queued(self, seconds: float) -> None:
        pass

    def on_started(self) -> None:
        pass

    def on_retrying(self, seconds: float, next_try: int, reason: str) -> None:
        print(f"retrying: {reason}", file=sys.stderr)

    def on_text(self, text: str) -> None:
        self.text.append(text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    app = gui.application()
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as folder:
        server = gui.FakeServer(REPLY, Path(folder), "--chunk-size", "8")
        keys = KeyStore({"SEGMIND_API_KEY": FAKE_KEY})
        clients = ClientProvider(keys, ClientConfig(base_url=server.base_url))
        executors = Executors()
        event_loop = asyncio.get_event_loop()
        session = requests.Session()
        session.trust_env = False
        url = f"{server.base_url}/{MODEL_SLUG}"
        body = json.dumps({"messages": MESSAGES, "stream": True}).encode()
        headers = {
            "x-api-key": FAKE_KEY, "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        def raw() -> float:
            started = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=10)
            response.raise_for_status()
            assert response.content
            return (time.perf_counter() - started) * 1000

        def app_path() -> float:
            listener = Listener()
            loop = QEventLoop()
            finished_at: list[float] = []

            def finished(_task: object) -> None:
                finished_at.append(time.perf_counter())
                loop.quit()

            started = time.perf_counter()
            task = event_loop.create_task(stream_reply(
                ChatRequest(tuple(MESSAGES)), clients, executors.replies, CancelToken(),
                listener,
            ))
            task.add_done_callback(finished)
            loop.exec()
            reply = task.result()  # (raises what the request raised)
            if not finished_at or reply.text != "".join(listener.text):
                raise RuntimeError("the reply did not arrive whole")
            return (finished_at[0] - started) * 1000

        try:
            for _ in range(5):  # warm up: connections, imports, caches
                raw()
                app_path()
            for _ in range(args.runs):
                raws, apps = [], []
                for _ in range(args.requests):
                    raws.append(raw())
                    apps.append(app_path())
                runs.append({"raw_ms": median(raws), "app_ms": median(apps)})
        finally:
            executors.shutdown(wait=True)
            session.close()
            server.stop()
    gui.write_report(args.report, {"runs": runs})
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
