"""One chat's behaviour: what is sent, how the reply streams into the model, what is
kept when it fails or is stopped. A :class:`QObject`, not a widget.

Data flow: :meth:`ConversationController.submit` -> model -> a reply task on the event
loop (:func:`~mixtral_desktop.core.services.reply.stream_reply`: the client on a reply
thread) -> text into the reply's row (:class:`StreamingRow`) -> finished / failed /
cancelled. While it waits, :class:`WaitNotices` says why. The composer is another
feature: the chat tab wires it to :attr:`busy_changed`, :attr:`accepted` and
:attr:`focus_wanted`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from functools import partial

from PySide6.QtCore import QObject, Signal

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, validate_text
from mixtral_desktop.core.domain.request import ChatRequest
from mixtral_desktop.core.domain.tree import ConversationTree
from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.errors import (
    Action,
    Cancelled,
    NetworkError,
    SegmindError,
    Timeout,
)
from mixtral_desktop.core.segmind.protocol import ChatReply
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.core.services.metering import Metering
from mixtral_desktop.core.services.rejections import rejection_error
from mixtral_desktop.core.services.reply import stream_reply
from mixtral_desktop.ui.conversation.chat_steering import ChatSteering, waiting_reply
from mixtral_desktop.ui.conversation.context_guard import ContextGuard, OverWindow, Verdict
from mixtral_desktop.ui.conversation.error_banner import ErrorBanner
from mixtral_desktop.ui.conversation.notice_bar import NoticeBar, Refusal
from mixtral_desktop.ui.conversation.reply_listener import Reply, ReplyListener
from mixtral_desktop.ui.conversation.streaming_row import StreamingRow
from mixtral_desktop.ui.conversation.waiting import WaitNotices
from mixtral_desktop.ui.messages.message_actions import can_continue
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)

BUSY_TEXT = "A reply is on its way in this chat: wait for it, or Stop it, before {}."
UNSENDABLE_TEXT = "{} Fix it in the chat's settings (Ctrl+Shift+,) before {}."


class TabState(Enum):
    IDLE = "Idle"
    WAITING = "Waiting"
    STREAMING = "Streaming"
    ERROR = "Error"


class ConversationController(QObject):
    """A conversation with its own replies; two tabs' controllers can wait at once."""

    state_changed = Signal()
    credits_seen = Signal(float)
    usage_seen = Signal(object)  # Usage | None
    set_key_requested = Signal()
    busy_changed = Signal(bool)  # a reply is in flight (the composer's button reads Stop)
    accepted = Signal()  # a message was added: the composer's text has gone into it
    focus_wanted = Signal()  # the composer should have the keyboard again
    over_window = Signal(object)  # Verdict: a request too long for the model, not sent

    def __init__(
        self,
        model: ConversationModel,
        banner: ErrorBanner,
        notice: NoticeBar,
        clients: ClientProvider,
        executors: Executors,
        tasks: TaskGroup,
        parent: QObject | None = None,
        metering: Metering | None = None,
    ) -> None:
        super().__init__(parent)
        self.metering = metering if metering is not None else Metering()
        self.guard = ContextGuard(self.metering.counter, executors.tokens)
        self.model = model
        self._banner = banner
        self._refusal = Refusal(notice, self)
        self.steering = ChatSteering(self)
        self._clients = clients
        self._executors = executors
        self._tasks = tasks
        self.state = TabState.IDLE
        self.last_error: SegmindError | None = None
        self._reply: Reply | None = None
        self.streaming = StreamingRow(model, self)
        self.waiting = WaitNotices(notice, clients, self)
        self.waiting.ticked.connect(self._tick)
        banner.retry_requested.connect(self.retry)
        banner.continue_requested.connect(self.continue_reply)
        banner.set_key_requested.connect(self.set_key_requested)
        banner.send_without_requested.connect(self.send_without)
        notice.stop_requested.connect(self.stop)

    # -- public -----------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._reply is not None

    def current(self, reply: Reply) -> bool:
        """Whether ``reply`` is the one this conversation waits for."""
        return reply is self._reply

    def state_text(self) -> str:
        if self.state is TabState.WAITING:
            return self.waiting.state_text()
        return str(self.state.value)

    def waiting_for_key(self) -> bool:
        """The last request failed for want of a (valid) key."""
        return (
            self.state is TabState.ERROR
            and self.last_error is not None
            and self.last_error.action is Action.SET_KEY
        )

    def refuse_if_busy(self, doing: str) -> bool:
        """True (and the user told why, e.g. doing="regenerating") while a reply is in
        flight: the tree does not change under a streaming reply."""
        if not self.is_busy():
            return False
        self._refusal.say(BUSY_TEXT.format(doing))
        return True

    def refuse_if_unsendable(self, doing: str) -> bool:
        """True (and the user told why) while a reply is in flight or the chat's settings
        hold a value that cannot be sent: nothing is added, nothing typed is lost."""
        if self.refuse_if_busy(doing):
            return True
        problem = self.steering.problem()
        if problem is None:
            return False
        self._refusal.say(UNSENDABLE_TEXT.format(problem, doing))
        return True

    def load(self, messages: Sequence[Message] | ConversationTree) -> None:
        """Show a saved conversation; a reply cut short by a crash offers Retry."""
        if isinstance(messages, ConversationTree):
            self.model.set_tree(messages)
        else:
            self.model.set_messages(list(messages))
        rows = self.model.rowCount()
        last = self.model.message(rows - 1) if rows else None
        if last is not None and last.role is Role.ASSISTANT and last.state in (
            MessageState.INCOMPLETE, MessageState.STREAMING, MessageState.WAITING
        ):
            self._banner.show_error(
                SegmindError("This reply was cut short before it finished."),
                can_continue=bool(last.content),
            )

    def submit(self, role: Role, text: str, attachments: Sequence[Attachment] = ()) -> bool:
        """Add a message as ``role`` (a user message with the documents ``attachments``,
        which are enough without text); a user message also asks Mixtral. False if
        refused."""
        attachments = tuple(attachments) if role is Role.USER else ()
        try:
            if not attachments:
                validate_text(text)
        except ValueError:
            return False
        refused = (
            self.refuse_if_unsendable("sending") if role is Role.USER
            else self.refuse_if_busy("adding a message")
        )
        if refused:
            return False
        self._banner.hide()
        self.model.append(Message(role=role, content=text, attachments=attachments))
        self.accepted.emit()
        if role is Role.USER:
            self.ask_for_reply()
        elif self.state is TabState.ERROR:
            self._set_state(TabState.IDLE)
        self.focus_wanted.emit()
        return True

    def retry(self) -> None:
        """Ask again for the reply that failed or was stopped: a reply cut short keeps
        its text as a version of its own and the new one is the next version."""
        if self.is_busy() or self.refuse_if_unsendable("sending again"):
            return
        self._banner.hide()
        rows = self.model.rowCount()
        last = self.model.message(rows - 1) if rows else None
        unfinished = last is not None and last.state is not MessageState.DONE
        if last is not None and unfinished and last.role is Role.ASSISTANT:
            if last.content:
                self.regenerate(rows - 1)
                return
            self.model.remove_row(rows - 1)
        if not self.steering.reply(self.model.messages()):
            return
        self.ask_for_reply()

    def send_without(self, fields: Sequence[str]) -> None:
        """Segmind refused ``fields``: leave them out of this chat's requests, ask again."""
        self.steering.leave_out(fields)
        self.retry()

    def regenerate(self, row: int) -> None:
        """A new version of the reply in ``row``, from the same turns before it."""
        if self.refuse_if_unsendable("regenerating"):
            return
        self._banner.hide()
        request = self.steering.reply(self.model.messages()[:row])
        self._start(request, self.model.add_version(row, waiting_reply(request)), prefix="")

    def continue_reply(self, row: int | None = None) -> None:
        """Ask Mixtral to carry on from a reply that was cut short (the last by default)."""
        rows = self.model.rowCount()
        row = rows - 1 if row is None else row
        if not 0 <= row < rows or not can_continue(self.model.message(row)):
            return
        if self.refuse_if_unsendable("continuing a reply"):
            return
        self._banner.hide()
        partial = self.model.message(row).content
        request = self.steering.continue_from(self.model.messages()[:row], partial)
        self._start(request, row, prefix=partial)

    def stop(self) -> None:
        """Stop the reply in flight: its wait ends at once, its connection within ms."""
        reply = self._reply
        if reply is not None:
            reply.cancel.cancel()
            if reply.task is not None:
                reply.task.cancel()

    def shutdown(self) -> None:
        """The tab closes: cancel the request in flight (what arrived is saved already)."""
        self.streaming.release()
        self.waiting.stop()
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.cancel.cancel()
        self._tasks.cancel()

    # -- what the reply reports -------------------------------------------------

    def text_arrived(self, text: str) -> None:
        first = self.state is not TabState.STREAMING
        if first:
            self.waiting.stop()
            self._set_state(TabState.STREAMING)
        self.streaming.add(text, now=first)

    # -- request life cycle -----------------------------------------------------

    def ask_for_reply(self) -> None:
        """Send the visible path and stream the reply into a new last row."""
        request = self.steering.reply(self.model.messages())
        row = self.model.append(waiting_reply(request))
        self._start(request, row, prefix="")

    def _start(self, request: ChatRequest, row: int, prefix: str) -> None:
        reply = Reply(self._clients.next_request_id(), CancelToken())
        self._reply = reply
        self.streaming.follow(row, prefix)
        self.waiting.start()
        check = partial(
            self.guard.check, request, self.model.messages()[:row], self.steering.first_row(),
            self.steering.build(prefix), self.steering.reserve(),
        )
        reply.task = self._tasks.start(self._run(reply, request, check), "reply")
        self.busy_changed.emit(True)
        self._set_state(TabState.WAITING)

    async def _run(
        self, reply: Reply, request: ChatRequest, check: Callable[[], Awaitable[Verdict | None]]
    ) -> None:
        """Count the request (not sent if it is over the window), send it, stream the
        reply, and keep what it cost from the credits before and after."""
        listener = ReplyListener(self, reply)
        ledger, key = self.metering.ledger, reply.request_id
        counted: int | None = None
        try:
            verdict = await check()
            if verdict is not None and not verdict.fits:
                if self.current(reply):
                    self._on_failed(OverWindow(verdict), request)
                return
            counted = None if verdict is None else verdict.tokens
            if counted is not None and self.current(reply):
                self.streaming.count(counted)
            ledger.begin(key)
            result = await stream_reply(
                request, self._clients, self._executors.replies, reply.cancel, listener, key
            )
        except asyncio.CancelledError:
            ledger.end(key, None)
            if self.current(reply):
                self._on_cancelled()
            raise
        except SegmindError as error:
            spend = ledger.end(key, error.remaining_credits)
            if self.current(reply):
                self.streaming.charge(spend)
                if isinstance(error, Cancelled):
                    self._on_cancelled()
                else:
                    self._on_failed(error, request)
        else:
            spend = ledger.end(key, result.remaining_credits, paid_tokens(result, counted))
            if self.current(reply):
                self.streaming.charge(spend)
                self._on_finished(key, result)

    def _on_finished(self, request_id: int, reply: ChatReply) -> None:
        self.streaming.finish(reply)
        log.info(
            "reply %d shown: %d characters, %s", request_id, len(reply.text),
            "streamed" if reply.streamed else "not streamed",
        )
        self._end_request(TabState.IDLE)
        self.usage_seen.emit(reply.usage)
        if reply.remaining_credits is not None:
            self.credits_seen.emit(reply.remaining_credits)

    def _on_failed(self, error: SegmindError, request: ChatRequest) -> None:
        if isinstance(error, OverWindow):
            # The user chooses what to leave out (the tab asks on over_window); Retry
            # asks again.
            self.streaming.keep_partial()
            self.last_error = error
            self._end_request(TabState.ERROR)
            self._banner.show_error(error, can_continue=False)
            self.over_window.emit(error.verdict)
            return
        rejected = self.steering.rejected(error, request)
        if rejected:
            error = rejection_error(error, rejected)
        can_continue = self.streaming.keep_partial(str(error))
        if can_continue and isinstance(error, NetworkError | Timeout):
            error = type(error)(
                "The connection to Segmind dropped in the middle of the reply; the part that "
                "arrived is kept. Retry, or Continue from where it stopped.",
                status=error.status, remaining_credits=error.remaining_credits,
            )
            error.reply_started = True  # never re-sent by itself: it may be charged
        self.last_error = error
        self._end_request(TabState.ERROR)
        self._banner.show_error(error, can_continue=can_continue, without=rejected)
        if error.remaining_credits is not None:
            self.credits_seen.emit(error.remaining_credits)
        if error.action is Action.SET_KEY:
            self.set_key_requested.emit()

    def _on_cancelled(self) -> None:
        self.streaming.keep_partial()
        self._end_request(TabState.IDLE)

    def _end_request(self, state: TabState) -> None:
        self._reply = None
        self.streaming.release()
        self.waiting.stop()
        self.busy_changed.emit(False)
        self._set_state(state)
        self.focus_wanted.emit()

    def _tick(self) -> None:
        """A second of waiting went by: the waiting row and the status bar count it."""
        row = self.streaming.row()
        if row is None or self.state is not TabState.WAITING:
            return
        self.model.refresh(row)
        self.state_changed.emit()

    def _set_state(self, state: TabState) -> None:
        self.state = state
        self.state_changed.emit()


def paid_tokens(reply: ChatReply, counted: int | None) -> tuple[int, int] | None:
    """The prompt and completion tokens a reply was billed for (the server's usage; our
    count of the prompt when the server gave none), or None when unknown."""
    usage = reply.usage
    if usage is None:
        return None
    return usage.prompt_tokens or (counted or 0), usage.completion_tokens
