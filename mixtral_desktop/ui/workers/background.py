"""Run one blocking call on Qt's thread pool and get its result back as a signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as error:  # delivered to the GUI thread, which decides
            outcome, value = "failed", error
        else:
            outcome, value = "succeeded", result
        try:
            getattr(self._relay, outcome).emit(value)
        except RuntimeError:  # the relay is gone: the app quit while this ran
            log.debug("a background job finished after the app quit")


_alive: set[_Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_result: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    pool: QThreadPool | None = None,
) -> None:
    """Call ``fn`` on a pool thread; ``on_result`` / ``on_error`` run on the GUI thread."""
    relay = _Relay()
    _alive.add(relay)

    def done() -> None:
        _alive.discard(relay)
        relay.deleteLater()

    relay.succeeded.connect(on_result)
    relay.failed.connect(on_error)
    relay.succeeded.connect(done)
    relay.failed.connect(done)
    (pool or QThreadPool.globalInstance()).start(_Job(fn, relay))
