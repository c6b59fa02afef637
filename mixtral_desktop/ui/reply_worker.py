"""One worker thread per chat tab: runs the blocking Segmind call, reports by signals.

The worker lives in its own QThread and never touches a widget; everything it
reports crosses to the GUI thread as queued signals carrying immutable values.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, QThread, Signal, Slot

from mixtral_desktop.core.api import CancelToken, SegmindClient
from mixtral_desktop.core.errors import Cancelled, SegmindError

log = logging.getLogger(__name__)

ClientProvider = Callable[[], SegmindClient]
"""Returns the client to use for the next request (raises MissingKey when there is no key)."""

_request_ids = itertools.count(1)


class _Worker(QObject):
    """Lives in the worker thread; :meth:`run` blocks there for one request."""

    started = Signal(int)
    delta = Signal(int, str)
    finished = Signal(int, object)  # request id, ChatReply
    failed = Signal(int, object)  # request id, SegmindError
    cancelled = Signal(int)

    def __init__(self, client_provider: ClientProvider) -> None:
        super().__init__()
        self._client_provider = client_provider

    @Slot(int, object, object)
    def run(self, request_id: int, messages: Sequence[Mapping[str, str]], cancel: object) -> None:
        assert isinstance(cancel, CancelToken)
        if cancel.cancelled:
            self.cancelled.emit(request_id)
            return
        self.started.emit(request_id)
        try:
            client = self._client_provider()
            reply = client.chat(
                messages, on_delta=lambda text: self.delta.emit(request_id, text), cancel=cancel
            )
        except Cancelled:
            self.cancelled.emit(request_id)
        except SegmindError as error:
            if cancel.cancelled:
                self.cancelled.emit(request_id)
            else:
                log.info("request %d failed: %s", request_id, type(error).__name__)
                self.failed.emit(request_id, error)
        except Exception as error:  # a bug, not a reply: report it, keep the thread alive
            log.exception("request %d crashed", request_id)
            self.failed.emit(request_id, SegmindError(f"Internal error: {type(error).__name__}."))
        else:
            if cancel.cancelled:
                self.cancelled.emit(request_id)
            else:
                self.finished.emit(request_id, reply)


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
    _submit = Signal(int, object, object)

    def __init__(self, client_provider: ClientProvider, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("reply-worker")
        self._worker = _Worker(client_provider)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.started.connect(self.started)
        self._worker.delta.connect(self.delta)
        self._worker.finished.connect(self.finished)
        self._worker.failed.connect(self.failed)
        self._worker.cancelled.connect(self.cancelled)
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
