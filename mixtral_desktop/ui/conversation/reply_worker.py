"""One worker thread per chat tab: runs the blocking Segmind call, reports by signals.

The worker lives in its own QThread and never touches a widget; everything it
reports crosses to the GUI thread as queued signals carrying immutable values.

Streamed text is coalesced: the worker puts each piece in an outbox and signals only
when the outbox was empty; the GUI thread takes everything waiting at once. Over
HTTP/1.1 every SSE event is its own chunk, read one at a time, so a burst of 2,000
events would otherwise be 2,000 slot calls on the GUI thread; now it is as many as
the GUI thread has time to take, and no text waits for a timer.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Mapping, Sequence
from operator import itemgetter

from PySide6.QtCore import QObject, QThread, Signal, Slot

from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.errors import Cancelled, SegmindError
from mixtral_desktop.core.services.clients import ClientProvider

log = logging.getLogger(__name__)


_request_ids = itertools.count(1)


class _Outbox:
    """Streamed text on its way from the worker thread to the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[int, str]] = []

    def put(self, request_id: int, text: str) -> bool:
        """Add a piece; True if the outbox was empty (the GUI thread must be told)."""
        with self._lock:
            was_empty = not self._items
            self._items.append((request_id, text))
            return was_empty

    def take(self) -> list[tuple[int, str]]:
        """Everything waiting, consecutive pieces of one request joined, in order."""
        with self._lock:
            items, self._items = self._items, []
        # One join per run of a request's pieces: adding them one by one copied the text
        # so far for each of a burst's 2,000 pieces (~20 ms of the GUI thread).
        return [
            (request_id, "".join(text for _, text in run))
            for request_id, run in itertools.groupby(items, key=itemgetter(0))
        ]


class _Worker(QObject):
    """Lives in the worker thread; :meth:`run` blocks there for one request.

    Before each try it takes a slot of the shared rate limiter (waiting in the queue if
    needed); a failed try is sent again by the retry policy's rules, never after a byte
    of the reply arrived. Every wait ends at once when the request is cancelled.
    """

    started = Signal(int)
    text_ready = Signal()  # the outbox has text (sent when it was empty)
    finished = Signal(int, object)  # request id, ChatReply
    failed = Signal(int, object)  # request id, SegmindError
    cancelled = Signal(int)
    queued = Signal(int, float)  # request id, seconds until the rate limit lets it go
    retrying = Signal(int, float, int, str)  # id, seconds, the next try's number, why

    def __init__(self, client_provider: ClientProvider, outbox: _Outbox) -> None:
        super().__init__()
        self._clients = client_provider
        self._outbox = outbox

    @Slot(int, object, object)
    def run(self, request_id: int, messages: Sequence[Mapping[str, str]], cancel: object) -> None:
        assert isinstance(cancel, CancelToken)
        attempt = 0
        while not cancel.cancelled:
            attempt += 1
            if not self._wait_for_slot(request_id, cancel):
                break
            self.started.emit(request_id)
            streamed: list[bool] = []

            def on_delta(text: str, seen: list[bool] = streamed) -> None:
                seen.append(True)
                if self._outbox.put(request_id, text):
                    self.text_ready.emit()

            try:
                reply = self._clients().chat(messages, on_delta=on_delta, cancel=cancel)
            except Cancelled:
                break
            except SegmindError as error:
                if cancel.cancelled:
                    break
                delay = None if streamed else self._retry_delay(error, attempt)
                if delay is None:
                    log.info("request %d failed: %s", request_id, type(error).__name__)
                    self.failed.emit(request_id, error)
                    return
                log.info("request %d: %s, retrying in %.1f s", request_id,
                         type(error).__name__, delay)
                self.retrying.emit(request_id, delay, attempt + 1, short_reason(error))
                if cancel.wait(delay):
                    break
                continue
            except Exception as error:  # a bug, not a reply: report it, keep the thread
                log.exception("request %d crashed", request_id)
                self.failed.emit(
                    request_id, SegmindError(f"Internal error: {type(error).__name__}.")
                )
                return
            if cancel.cancelled:
                break
            self.finished.emit(request_id, reply)
            return
        self.cancelled.emit(request_id)

    def _retry_delay(self, error: SegmindError, attempt: int) -> float | None:
        return self._clients.retry.delay(error, attempt)

    def _wait_for_slot(self, request_id: int, cancel: CancelToken) -> bool:
        """Wait in the rate limiter's queue; False if cancelled meanwhile."""
        while (wait := self._clients.reserve()) > 0:
            self.queued.emit(request_id, wait)
            if cancel.wait(wait):
                return False
        return not cancel.cancelled


class ReplyRunner(QObject):
    """GUI-thread handle of a tab's worker thread: start, cancel, shut down.

    Signals carry the request id so a late signal from a cancelled request can be
    told apart from the current one.
    """

    started = Signal(int)
    delta = Signal(int, str)
    finished = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)
    queued = Signal(int, float)
    retrying = Signal(int, float, int, str)
    _submit = Signal(int, object, object)

    def __init__(self, client_provider: ClientProvider, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("reply-worker")
        self._outbox = _Outbox()
        self._worker = _Worker(client_provider, self._outbox)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.started.connect(self.started)
        self._worker.text_ready.connect(self._deliver_text)
        # Whatever text is still waiting goes out before the request's end.
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.queued.connect(self.queued)
        self._worker.retrying.connect(self.retrying)
        self._thread.finished.connect(self._worker.deleteLater)
        self._cancel: CancelToken | None = None
        self._thread.start()

    def start(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Queue a request with these API messages; returns its id."""
        request_id = next(_request_ids)
        self._cancel = CancelToken()
        self._submit.emit(request_id, list(messages), self._cancel)
        return request_id

    def cancel(self) -> None:
        """Stop the request in flight (safe to call when none is)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel, stop the thread and wait for it; True if it ended in time."""
        self.cancel()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    @Slot()
    def _deliver_text(self) -> None:
        for request_id, text in self._outbox.take():
            self.delta.emit(request_id, text)

    @Slot(int, object)
    def _on_finished(self, request_id: int, reply: object) -> None:
        self._deliver_text()
        self.finished.emit(request_id, reply)

    @Slot(int, object)
    def _on_failed(self, request_id: int, error: object) -> None:
        self._deliver_text()
        self.failed.emit(request_id, error)

    @Slot(int)
    def _on_cancelled(self, request_id: int) -> None:
        self._deliver_text()
        self.cancelled.emit(request_id)


def short_reason(error: SegmindError) -> str:
    """The first clause of the error's sentence, for "… Trying again in N s"."""
    first = error.user_message.split(":", 1)[0].split(". ", 1)[0].rstrip(".")
    return first + "."
