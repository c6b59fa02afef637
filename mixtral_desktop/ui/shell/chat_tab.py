"""One chat tab: its conversation, its composer, its worker, its state.

Data flow: composer -> :meth:`ChatTab.submit` -> model -> worker thread -> delta
signals buffered and flushed to the model about 30 times a second -> finished /
failed / cancelled.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from enum import Enum

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from mixtral_desktop.core.domain.conversation import (
    Message,
    MessageState,
    Role,
    api_messages,
    validate_text,
)
from mixtral_desktop.core.segmind.errors import Action, NetworkError, SegmindError, Timeout
from mixtral_desktop.core.segmind.protocol import ChatReply
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.composer.composer import Composer
from mixtral_desktop.ui.conversation.error_banner import ErrorBanner
from mixtral_desktop.ui.conversation.model import ConversationModel
from mixtral_desktop.ui.conversation.notice_bar import NoticeBar
from mixtral_desktop.ui.conversation.reply_worker import ReplyRunner
from mixtral_desktop.ui.conversation.view import ConversationView
from mixtral_desktop.ui.messages.lexers import lexers
from mixtral_desktop.ui.messages.markdown import fence_languages

log = logging.getLogger(__name__)

COLD_START_AFTER_S = 30
"""With no byte after this long, say that Segmind may be starting the model."""
CONTINUE_PROMPT = (
    "Continue your previous reply exactly where it stopped, without repeating any of it."
)

FLUSH_INTERVAL_MS = 33
"""Streamed text reaches the model at most this often: one repaint per frame or so."""
PRELOAD_ROWS = 200
"""A saved chat's newest messages whose code languages are loaded ahead of a paint."""


class TabState(Enum):
    IDLE = "Idle"
    WAITING = "Waiting"
    STREAMING = "Streaming"
    ERROR = "Error"


class ChatTab(QWidget):
    """A conversation with its own worker; two tabs can wait for replies at once."""

    state_changed = Signal()
    credits_seen = Signal(float)
    usage_seen = Signal(object)  # Usage | None
    set_key_requested = Signal()

    def __init__(self, client_provider: ClientProvider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_tab")
        self.model = ConversationModel(self)
        self.view = ConversationView(self.model, self)
        self.banner = ErrorBanner(self)
        self.notice = NoticeBar(self)
        self.composer = Composer(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.banner)
        layout.addWidget(self.composer)

        self.runner = ReplyRunner(client_provider, self)
        self.runner.started.connect(self._on_started)
        self.runner.delta.connect(self._on_delta)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.queued.connect(self._on_queued)
        self.runner.retrying.connect(self._on_retrying)
        self._clients = client_provider

        self.state = TabState.IDLE
        self.last_error: SegmindError | None = None
        self._request_id: int | None = None
        self._reply_row: int | None = None
        self._pending: list[str] = []
        self._prefix = ""  # the partial text a Continue carries on from
        self._waiting_since = 0.0
        self._notice_until = 0.0
        self._retry_reason = ""
        self._next_try = 0
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(1000)
        self._tick_timer.timeout.connect(self._tick)

        self.composer.send_requested.connect(self.submit)
        self.composer.stop_requested.connect(self.stop)
        self.banner.retry_requested.connect(self.retry)
        self.banner.continue_requested.connect(self.continue_reply)
        self.notice.stop_requested.connect(self.stop)
        self.banner.set_key_requested.connect(self.set_key_requested)

    # -- public -----------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._request_id is not None

    def state_text(self) -> str:
        if self.state is TabState.WAITING:
            if self.notice.kind == "queued":
                return f"Queued {self._seconds_left()} s"
            if self.notice.kind == "retrying":
                return f"Retrying in {self._seconds_left()} s"
            return f"Waiting {int(time.monotonic() - self._waiting_since)} s"
        return str(self.state.value)

    def waiting_for_key(self) -> bool:
        """The last request failed for want of a (valid) key."""
        return (
            self.state is TabState.ERROR
            and self.last_error is not None
            and self.last_error.action is Action.SET_KEY
        )

    def load(self, messages: list[Message], draft: str, role: Role) -> None:
        """Show a saved conversation; a reply cut short by a crash offers Retry."""
        self.model.set_messages(messages)
        # The newest rows are the ones shown first: have their code's lexers built while
        # the app is idle, before the tab is shown (most often a background tab).
        newest = messages[-PRELOAD_ROWS:]
        lexers().preload(fence_languages(message.content for message in newest))
        self.composer.set_role(role)
        self.composer.set_text(draft)
        self.view.scroll_to_end()
        last = messages[-1] if messages else None
        if last is not None and last.role is Role.ASSISTANT and last.state in (
            MessageState.INCOMPLETE, MessageState.STREAMING, MessageState.WAITING
        ):
            self.banner.show_error(
                SegmindError("This reply was cut short before it finished."),
                can_continue=bool(last.content),
            )

    def submit(self, role: Role, text: str) -> bool:
        """Add a message as ``role``; a user message also asks Mixtral. False if refused."""
        try:
            validate_text(text)
        except ValueError:
            return False
        if role is Role.USER and self.is_busy():
            return False
        self.banner.hide()
        self.model.append(Message(role=role, content=text))
        self.composer.clear()
        self.view.scroll_to_end()
        if role is Role.USER:
            self._request_reply()
        elif self.state is TabState.ERROR:
            self._set_state(TabState.IDLE)
        self.composer.focus_input()
        return True

    def retry(self) -> None:
        """Ask again for the reply that failed or was stopped."""
        if self.is_busy():
            return
        self.banner.hide()
        self._drop_unfinished_reply()
        if not api_messages(self.model.messages()):
            return
        self._request_reply()

    def continue_reply(self) -> None:
        """Ask Mixtral to carry on from a reply that was cut short."""
        rows = self.model.rowCount()
        last = self.model.message(rows - 1) if rows else None
        if self.is_busy() or last is None or not _continuable(last):
            return
        self.banner.hide()
        payload = [
            *api_messages(self.model.messages()[:-1]),
            {"role": Role.ASSISTANT.value, "content": last.content},
            {"role": Role.USER.value, "content": CONTINUE_PROMPT},
        ]
        self._start(payload, rows - 1, prefix=last.content)

    def stop(self) -> None:
        if self.is_busy():
            self.runner.cancel()

    def shutdown(self) -> None:
        """Cancel the request in flight and join the worker thread."""
        self._flush_timer.stop()
        self._tick_timer.stop()
        self.runner.shutdown()

    # -- request life cycle -----------------------------------------------------

    def _request_reply(self) -> None:
        payload = api_messages(self.model.messages())
        row = self.model.append(
            Message(role=Role.ASSISTANT, content="", state=MessageState.WAITING)
        )
        self._start(payload, row, prefix="")

    def _start(self, payload: list[dict[str, str]], row: int, prefix: str) -> None:
        self._pending.clear()
        self._reply_row = row
        self._prefix = prefix
        self._waiting_since = time.monotonic()
        self._request_id = self.runner.start(payload)
        self.composer.set_busy(True)
        self._tick_timer.start()
        self._set_state(TabState.WAITING)

    def _current(self, request_id: int) -> bool:
        return request_id == self._request_id and self._reply_row is not None

    def _on_started(self, request_id: int) -> None:
        if self._current(request_id):
            self._waiting_since = time.monotonic()
            self.notice.clear()
            self.state_changed.emit()

    def _on_queued(self, request_id: int, seconds: float) -> None:
        if self._current(request_id):
            self._notice_until = time.monotonic() + seconds
            self.notice.say("queued", self._queued_text())
            self.state_changed.emit()

    def _on_retrying(self, request_id: int, seconds: float, next_try: int, reason: str) -> None:
        if self._current(request_id):
            self._notice_until = time.monotonic() + seconds
            self._retry_reason, self._next_try = reason, next_try
            self.notice.say("retrying", self._retrying_text())
            self.state_changed.emit()

    def _seconds_left(self) -> int:
        return max(0, round(self._notice_until - time.monotonic()))

    def _queued_text(self) -> str:
        rpm = self._clients.requests_per_minute
        return (
            f"Your Segmind plan allows {rpm} requests a minute, so this one waits its turn: "
            f"it goes out in {self._seconds_left()} s."
        )

    def _retrying_text(self) -> str:
        tries = self._clients.retry.max_retries + 1
        return (
            f"{self._retry_reason} Trying again in {self._seconds_left()} s "
            f"(try {self._next_try} of {tries})."
        )

    def _on_delta(self, request_id: int, text: str) -> None:
        if not self._current(request_id):
            return
        self._pending.append(text)
        if self.state is not TabState.STREAMING:
            self._tick_timer.stop()
            self.notice.clear()
            self._set_state(TabState.STREAMING)
            self._flush()
        elif not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        if self._reply_row is None or not self._pending:
            return
        current = self.model.message(self._reply_row)
        text = current.content + "".join(self._pending)
        self._pending.clear()
        self.model.replace(
            self._reply_row, replace(current, content=text, state=MessageState.STREAMING)
        )

    def _on_finished(self, request_id: int, reply: ChatReply) -> None:
        if not self._current(request_id):
            return
        assert self._reply_row is not None
        self._pending.clear()
        current = self.model.message(self._reply_row)
        self.model.replace(
            self._reply_row,
            replace(
                current, content=self._prefix + reply.text, state=MessageState.DONE,
                usage=reply.usage, remaining_credits=reply.remaining_credits,
            ),
        )
        log.info(
            "reply %d shown: %d characters, %s", request_id, len(reply.text),
            "streamed" if reply.streamed else "not streamed",
        )
        self._end_request(TabState.IDLE)
        self.usage_seen.emit(reply.usage)
        if reply.remaining_credits is not None:
            self.credits_seen.emit(reply.remaining_credits)

    def _on_failed(self, request_id: int, error: SegmindError) -> None:
        if not self._current(request_id):
            return
        can_continue = self._keep_partial_reply()
        if can_continue and isinstance(error, NetworkError | Timeout):
            error = type(error)(
                "The connection to Segmind dropped in the middle of the reply; the part that "
                "arrived is kept. Retry, or Continue from where it stopped.",
                status=error.status, remaining_credits=error.remaining_credits,
            )
            error.reply_started = True  # never re-sent by itself: it may be charged
        self.last_error = error
        self._end_request(TabState.ERROR)
        self.banner.show_error(error, can_continue=can_continue)
        if error.remaining_credits is not None:
            self.credits_seen.emit(error.remaining_credits)
        if error.action is Action.SET_KEY:
            self.set_key_requested.emit()

    def _on_cancelled(self, request_id: int) -> None:
        if not self._current(request_id):
            return
        self._keep_partial_reply()
        self._end_request(TabState.IDLE)

    def _keep_partial_reply(self) -> bool:
        """A reply cut short keeps its text, marked incomplete (True); an empty one goes."""
        self._flush()
        assert self._reply_row is not None
        current = self.model.message(self._reply_row)
        if current.content:
            self.model.replace(self._reply_row, replace(current, state=MessageState.INCOMPLETE))
            return True
        self.model.remove_row(self._reply_row)
        return False

    def _end_request(self, state: TabState) -> None:
        self._request_id = None
        self._reply_row = None
        self._prefix = ""
        self.notice.clear()
        self._flush_timer.stop()
        self._tick_timer.stop()
        self.composer.set_busy(False)
        self._set_state(state)
        self.composer.focus_input()

    def _drop_unfinished_reply(self) -> None:
        """On retry, an incomplete last reply makes way for the new one."""
        rows = self.model.rowCount()
        if rows and self.model.message(rows - 1).state is not MessageState.DONE:
            self.model.remove_row(rows - 1)

    def _tick(self) -> None:
        if self._reply_row is None or self.state is not TabState.WAITING:
            return
        if self.notice.kind == "queued":
            self.notice.say("queued", self._queued_text())
        elif self.notice.kind == "retrying":
            self.notice.say("retrying", self._retrying_text())
        else:
            waited = int(time.monotonic() - self._waiting_since)
            if waited >= COLD_START_AFTER_S:
                self.notice.say(
                    "cold_start",
                    f"No answer yet after {waited} s. Segmind may be starting the model, "
                    "which can take a few minutes after a quiet spell; keep waiting, or Stop.",
                )
        self.model.refresh(self._reply_row)
        self.state_changed.emit()

    def _set_state(self, state: TabState) -> None:
        self.state = state
        self.state_changed.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.composer.focus_input)


def _continuable(message: Message) -> bool:
    return (
        message.role is Role.ASSISTANT
        and message.state is MessageState.INCOMPLETE
        and bool(message.content)
    )
