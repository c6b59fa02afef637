"""What the in-process GUI drivers share: the real window, a loop probe, a fake server.

The window is the app's own :class:`MainWindow` with a real store in a temporary
folder and a client pointed at a fake Segmind running in another process. As in the
app, Qt's loop runs asyncio through qasync: the drivers spin Qt event loops
(:func:`run_loop`, :func:`wait_until`) with the qasync loop marked running, so the
window's coroutines (the reply, the lexers, the key) run inside them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from bench.stats import percentile
from mixtral_desktop.app.interpreter import settle_for_gui
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.shell.main_window import MainWindow
from mixtral_desktop.ui.shell.services import WindowServices
from tests.fakes.segmind_server import FAKE_KEY


def application() -> QApplication:
    """The application, with its qasync loop current and marked running (made once)."""
    app = QApplication.instance()
    if app is None:
        import qasync

        app = QApplication(sys.argv[:1])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        asyncio._set_running_loop(loop)  # the Qt loops the drivers spin are this loop running
    assert isinstance(app, QApplication)
    return app


def run_loop(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle_between_runs() -> None:
    """After a run: let closed tabs go and collect their garbage, so the next run is not
    charged for this one's clean-up."""
    run_loop(100)
    gc.collect()
    run_loop(100)


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``predicate()`` (checked every 5 ms) is true."""
    if predicate():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(5)

    def check() -> None:
        if predicate() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if not predicate():
        raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")


class GapProbe(QObject):
    """A 1 ms timer on the GUI thread; the gaps between its ticks are the frames lost."""

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.gaps_ms: list[float] = []

    def start(self) -> None:
        self.gaps_ms = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        self._tick()
        return self.gaps_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000)
        self._last = now


def gap_summary(gaps: list[float]) -> dict[str, float]:
    return {"p99": percentile(gaps, 99), "max": max(gaps), "ticks": len(gaps)}


class PaintWatch(QObject):
    """Notes when ``widget`` finished a paint for which ``ready()`` was true.

    The paint itself runs after event filters, so the moment is taken by a 0 ms
    timer queued from the paint event: the end of that frame, not its start.
    """

    def __init__(self, widget: QWidget, ready: Callable[[], bool]) -> None:
        super().__init__()
        self._widget = widget
        self._ready = ready
        self.painted_at: float | None = None
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
            if self.painted_at is None and self._ready():
                QTimer.singleShot(0, self._done)
        return False

    def _done(self) -> None:
        if self.painted_at is None:
            self.painted_at = time.monotonic()
            self._widget.removeEventFilter(self)


class FakeServer:
    """``bench.drivers.serve`` in a child process; collects its last-text-sent times."""

    def __init__(self, reply: str, folder: Path, *args: str) -> None:
        reply_file = folder / "reply.md"
        reply_file.write_text(reply, encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.drivers.serve", str(reply_file), *args],
            stdout=subprocess.PIPE, text=True, env=os.environ.copy(),
        )
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"fake server did not start: {self.base_url!r}")
        self._sent: list[float] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("text "):
                with self._lock:
                    self._sent.append(float(line.split()[1]))

    def text_sent_times(self) -> list[float]:
        """For each streamed reply, in order: when the fake started writing the event
        with the last piece of its text (``time.monotonic()``, system-wide)."""
        with self._lock:
            return list(self._sent)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(10)


def open_window(server_url: str, folder: Path) -> MainWindow:
    """The app's main window on a store in ``folder``, talking to ``server_url``."""
    store = Store.open(folder / "history.sqlite3")
    keys = KeyStore({"SEGMIND_API_KEY": FAKE_KEY})
    clients = ClientProvider(keys, ClientConfig(base_url=server_url))
    window = MainWindow(WindowServices.create(clients, store, loop=asyncio.get_event_loop()))
    window.show()
    settle_for_gui()  # as app.main() does before its event loop
    run_loop(300)
    return window


def time_tab_switch(window: MainWindow, index: int) -> float:
    """Make tab ``index`` current; ms from the call to the end of its first paint."""
    view = window.tab(index).view
    watch = PaintWatch(view.viewport(), lambda: True)
    started = time.monotonic()
    window.tabs.setCurrentIndex(index)
    wait_until(lambda: watch.painted_at is not None, 30, "the tab painted")
    assert watch.painted_at is not None
    return (watch.painted_at - started) * 1000


def stream_options(*, size: int, chunks: int, delay: float) -> argparse.ArgumentParser:
    """The options of a driver that streams replies from the fake server: where the
    report goes, runs, the reply's size, and its pacing (``chunks``, ``delay`` s)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=size)
    parser.add_argument("--chunks", type=int, default=chunks)
    parser.add_argument("--delay", type=float, default=delay)
    return parser


@contextmanager
def window_on_fake_server(
    reply: str, prefix: str, args: argparse.Namespace, *server_args: str
) -> Iterator[tuple[MainWindow, FakeServer]]:
    """The app's window talking to a fake Segmind that streams ``reply`` paced as
    ``args`` (from :func:`stream_options`) say; both are closed on the way out."""
    pacing = ("--chunks", str(args.chunks), "--delay", str(args.delay))
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        server = FakeServer(reply, Path(folder), *server_args, *pacing)
        try:
            window = open_window(server.base_url, Path(folder))
            try:
                yield window, server
            finally:
                close_window(window)
        finally:
            server.stop()


def close_window(window: MainWindow) -> None:
    """Close ``window`` as the app quits: its tasks end, its threads are joined."""
    services = window.services
    window.close()
    wait_until(lambda: not services.tasks.pending(), 10, "the window's tasks to end")
    services.finish()
    services.store.close()
    run_loop(50)


def write_report(path: str, report: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(report), encoding="utf-8")
