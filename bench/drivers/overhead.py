"""The app's request path against a raw ``requests`` call to the same fake server.

``python -m bench.drivers.overhead REPORT --runs N --requests M``: each run times M
requests each way, interleaved: raw is ``Session.post`` (keep-alive, the same body,
the whole streamed body read); the app's path is a tab's :class:`ReplyRunner`: the
client on the worker thread, deltas and the reply sent to the GUI thread as signals,
timed until the ``finished`` slot runs on the GUI thread.
"""

from __future__ import annotations

import argparse
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
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.conversation.reply_worker import ReplyRunner
from tests.fakes.segmind_server import FAKE_KEY, MODEL_SLUG

REPLY = "Hello! Here is a short answer with **bold** text and a `code` span, as usual.\n"
MESSAGES = [{"role": "user", "content": "Say hello."}]


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
        runner = ReplyRunner(ClientProvider(keys, ClientConfig(base_url=server.base_url)))
        session = requests.Session()
        session.trust_env = False
        url = f"{server.base_url}/{MODEL_SLUG}"
        body = json.dumps({"messages": MESSAGES, "stream": True}).encode()
        headers = {
            "x-api-key": FAKE_KEY, "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        loop = QEventLoop()
        finished_at: list[float] = []

        def on_finished(_request_id: int, _reply: object) -> None:
            finished_at.append(time.perf_counter())
            loop.quit()

        runner.finished.connect(on_finished)
        def on_failed(_request_id: int, error: object) -> None:
            print(error, file=sys.stderr)
            loop.quit()

        runner.failed.connect(on_failed)

        def raw() -> float:
            started = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=10)
            response.raise_for_status()
            assert response.content
            return (time.perf_counter() - started) * 1000

        def app_path() -> float:
            finished_at.clear()
            started = time.perf_counter()
            runner.start(MESSAGES)
            loop.exec()
            if not finished_at:
                raise RuntimeError("the request failed")
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
            runner.shutdown()
            session.close()
            server.stop()
    gui.write_report(args.report, {"runs": runs})
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
