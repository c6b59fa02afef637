"""Tell when a window has been painted and the event loop went idle after it.

Installed by the start-up drivers only, never by the app: an event filter on the
window notices its first paint; the next time Qt's event dispatcher is about to
block (nothing left to do) the start-up is over. The report has that moment on the
system-wide monotonic clock, so the bench can subtract the time it launched the
process, and the peak resident memory a second later (background start-up included).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def memory_kb() -> dict[str, int]:
    """Peak (VmHWM) and current (VmRSS) resident memory of this process, in KiB."""
    values: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0])
    return values


def write_report(path: Path, report: dict[str, object]) -> None:
    path.write_text(json.dumps(report), encoding="utf-8")


class IdleAfterPaint(QObject):
    """Calls ``on_idle(ready_time)`` once: after the first paint of ``window``, when idle."""

    def __init__(self, window: QWidget, on_idle: Callable[[float], None]) -> None:
        super().__init__()
        self._window = window
        self._on_idle = on_idle
        self._painted = False
        self._done = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            self._window.removeEventFilter(self)
            dispatcher = QAbstractEventDispatcher.instance()
            assert dispatcher is not None
            dispatcher.aboutToBlock.connect(self._about_to_block)
        return False

    def _about_to_block(self) -> None:
        if self._done:
            return
        self._done = True
        ready = time.monotonic()
        dispatcher = QAbstractEventDispatcher.instance()
        assert dispatcher is not None
        dispatcher.aboutToBlock.disconnect(self._about_to_block)
        self._on_idle(ready)


SETTLE_MS = 1000
"""Memory is read this long after the idle moment: work an app starts in the background
once its window is up (reading the key, asking for the credits) counts too."""


def report_and_quit(report_path: Path, extra: Callable[[], dict[str, object]] | None = None
                    ) -> Callable[[float], None]:
    """An ``on_idle`` that writes the ready time and, once settled, the memory; then quits."""

    def on_idle(ready: float) -> None:
        at_ready = memory_kb()

        def settled() -> None:
            report: dict[str, object] = {
                "ready": ready, **memory_kb(), "VmHWM_at_ready": at_ready["VmHWM"]
            }
            if extra is not None:
                report.update(extra())
            write_report(report_path, report)
            QApplication.quit()

        QTimer.singleShot(SETTLE_MS, settled)

    return on_idle
