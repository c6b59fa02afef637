"""The threads long messages are laid out on, behind one object.

Laying a 100 KB reply out takes ~100 ms no frame should wait for, so the message
delegate hands such texts to :class:`LayoutPool`: one worker thread builds one text at a
time (app-wide), and one helper thread may build some of its pieces in parallel (see
:mod:`mixtral_desktop.ui.text.document`). The documents are filled and laid out with
the GIL released (:mod:`mixtral_desktop.ui.text.native`), so the GUI thread keeps
running Python meanwhile.

This stays threaded rather than on the event loop: a result goes back to the GUI thread
as one queued signal, the shortest path a finished burst has to the screen. Both
threads are Qt threads (:class:`QtThreadExecutor`): a document too long to lay out at
once starts a timer to finish later, which needs the thread's event dispatcher (a
plain Python thread has none: Qt warns and the timer is lost), and the timer moves with
the document to the GUI thread. The pool is made by the window's services and shut
down with them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from mixtral_desktop.core.services.executors import THREAD_PREFIX

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any, Exception | None], None]


class QtThreadExecutor(Executor):
    """A ``concurrent.futures`` executor on a ``QThreadPool`` of its own (Qt threads)."""

    def __init__(self, threads: int, name: str) -> None:
        self._pool: QThreadPool | None = QThreadPool()
        self._pool.setMaxThreadCount(threads)
        self._pool.setObjectName(name)
        self._lock = threading.Lock()
        self._queued: set[Future[Any]] = set()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._pool is None:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._queued.add(future)

        def run() -> None:
            with self._lock:
                self._queued.discard(future)
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                future.set_exception(error)
            else:
                future.set_result(result)

        self._pool.start(_Job(run))
        return future

    def wait(self, timeout_ms: int) -> bool:
        """Whether everything submitted so far is done within ``timeout_ms``."""
        pool = self._pool
        return pool is None or bool(pool.waitForDone(timeout_ms))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            queued, self._queued = self._queued, set()
        if pool is None:
            return
        if cancel_futures:
            pool.clear()
            for future in queued:
                future.cancel()
        if wait:
            pool.waitForDone()
            shiboken6.delete(pool)  # (its destructor joins its idle threads)


class LayoutPool(QObject):
    """``submit`` a build; its ``done(result, error)`` runs on the GUI thread."""

    _finished = Signal(object, object, object)  # done, result, error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = QtThreadExecutor(1, f"{THREAD_PREFIX}layout")
        self._helper = QtThreadExecutor(1, f"{THREAD_PREFIX}layout-helper")
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    @property
    def helper(self) -> Executor:
        """The second thread, for pieces of the text the worker is building."""
        return self._helper

    def submit(
        self, build: Callable[[], T], done: Callable[[T | None, Exception | None], None]
    ) -> None:
        """Run ``build`` on the worker thread; then ``done(result, None)`` or
        ``done(None, error)`` on the GUI thread (not at all once the pool is shut down)."""
        if self._closed:
            return

        def job() -> None:
            try:
                result = build()
            except Exception as error:  # delivered to the GUI thread, which decides
                self._emit(done, None, error)
            else:
                self._emit(done, result, None)

        self._worker.submit(job)

    def wait(self, timeout_ms: int = 2000) -> bool:
        """Whether every build submitted so far is done within ``timeout_ms``."""
        return self._worker.wait(timeout_ms)

    def alive(self) -> bool:
        """Whether the pool's threads may still run (until :meth:`shutdown`)."""
        return not self._closed

    def shutdown(self) -> None:
        """Drop queued builds, join both threads (on quit)."""
        self._closed = True
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._helper.shutdown(wait=True, cancel_futures=True)

    def _emit(self, done: Done, result: object, error: Exception | None) -> None:
        try:
            self._finished.emit(done, result, error)
        except RuntimeError:  # the pool is gone: the app quit while this ran
            log.debug("a layout finished after the app quit")

    def _deliver(self, done: Done, result: object, error: Exception | None) -> None:
        if not self._closed:
            done(result, error)


class _Job(QRunnable):
    def __init__(self, run: Callable[[], None]) -> None:
        super().__init__()
        self._run = run

    def run(self) -> None:
        self._run()
