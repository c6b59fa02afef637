"""One tab's context: the meter under its composer, kept up to date while the user types,
and the chat's first sent message (the oldest ones left out when a request outgrew the
model's window).

Counting never blocks the composer: a count runs on the token worker (one thread, the
window's :class:`~mixtral_desktop.core.domain.tokens.TokenCounter`, each turn's count
cached, so a keystroke re-counts only the draft's turn). One count is in flight at a
time; what changed meanwhile is counted next, and a result for a draft that has changed
since is dropped, never shown. The first count (and the tokenizer's loading) waits for
the user to do something in the tab: start-up loads nothing of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer, Signal

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.domain.request import api_messages
from mixtral_desktop.core.domain.tokens import CONTEXT_WINDOW
from mixtral_desktop.core.services.executors import Executors, run_in
from mixtral_desktop.core.services.metering import Metering
from mixtral_desktop.ui.composer.composer import Composer
from mixtral_desktop.ui.conversation.controller import ConversationController
from mixtral_desktop.ui.messages.context_mark import ContextMark
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)

# A 100 KB reply takes ~25 ms to count: counted at once, on two cores, it delayed its own
# last paint by about as much (the bench's "last byte to painted").
AFTER_REPLY_MS = 250


class ContextFlow(QObject):
    """Wires a tab's composer, conversation and meter to the token worker."""

    changed = Signal()  # the chat's first sent message changed: keep it
    counted = Signal(int)  # a count was shown (for tests and the bench)

    def __init__(
        self, composer: Composer, controller: ConversationController, mark: ContextMark,
        metering: Metering, executors: Executors, tasks: TaskGroup,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._composer = composer
        self._controller = controller
        self._model = controller.model
        self._mark = mark
        self._metering = metering
        self._executor = executors.tokens
        self._tasks = tasks
        self.attached: Callable[[], tuple[Attachment, ...]] = tuple
        """The draft's documents (the chat tab sets it)."""
        self._first_key: int | None = None  # the tree key of the first sent message
        self._generation = 0
        self._job: asyncio.Task[None] | None = None
        self._started = False
        controller.steering.first_row = self.first_row
        self._held = False  # a saved chat and its draft are being loaded: not the user
        self._after_reply = QTimer(self)
        self._after_reply.setSingleShot(True)
        self._after_reply.setInterval(AFTER_REPLY_MS)
        self._after_reply.timeout.connect(self._rows_changed)
        composer.input.textChanged.connect(self._edited)
        composer.role_selector.currentIndexChanged.connect(lambda _i: self._edited())
        model = self._model
        model.rowsInserted.connect(self._rows_changed)
        model.rowsRemoved.connect(self._rows_changed)
        model.modelReset.connect(self._rows_changed)
        # (a streaming reply changes its row 30 times a second, not the request: the
        # count follows when it ends, on busy_changed)
        model.dataChanged.connect(self._row_data_changed)
        controller.busy_changed.connect(self._busy_changed)

    # -- the first sent message ---------------------------------------------------------

    def first_row(self) -> int:
        """The first row the chat's requests send (0: all of them)."""
        if self._first_key is None:
            return 0
        row = self._model.row_of_key(self._first_key)
        return 0 if row is None else row

    def first_key(self) -> int | None:
        return self._first_key

    def set_first_key(self, key: int | None) -> None:
        """Send from the message of tree key ``key`` on (None: send everything)."""
        self._first_key = key
        self._show_mark()

    def send_from(self, row: int) -> None:
        """The user chose to leave out the rows above ``row``."""
        self._first_key = self._model.key_at(row) if 0 < row < self._model.rowCount() else None
        self._show_mark()
        self.changed.emit()
        self.recount()

    def _show_mark(self) -> None:
        row = self.first_row()
        self._model.first_sent_row = row
        self._mark.set(self._model, row)

    # -- counting -------------------------------------------------------------------------

    def recount(self) -> None:
        """Something the request is made of changed: count it again (soon, off the GUI)."""
        self._generation += 1
        if self._tasks.closed:  # the tab or the window is closing
            return
        if not self._started:
            self._started = True
            self._composer.meter.show_counting(CONTEXT_WINDOW)
        if self._job is None or self._job.done():
            self._job = self._tasks.start(self._count(), "context count")

    @contextmanager
    def loading(self) -> Iterator[None]:
        """A saved chat and its draft go into the tab: that is not the user doing
        something, so a tab never used since start-up counts nothing (and loads no
        tokenizer); one already counting is counted again after."""
        self._held = True
        try:
            yield
        finally:
            self._held = False
            self._rows_changed()

    def _edited(self) -> None:
        if not self._held:
            self.recount()

    def _busy_changed(self, busy: bool) -> None:
        # (a request going out cleared the draft, which recounts; the reply that ended is
        # counted a moment later, after its last layout and paint, not against them)
        if not busy and self._started:
            self._after_reply.start()

    def _row_data_changed(self) -> None:
        if not self._controller.is_busy():
            self._rows_changed()

    def _rows_changed(self) -> None:
        self._show_mark()
        if self._started:
            self.recount()

    def request_messages(self) -> list[dict[str, str]]:
        """What Send would send now: instructions, examples, the rows sent, the draft."""
        messages = self._model.messages()
        rows = self._controller.steering.sent(messages)
        text, role = self._composer.text(), self._composer.role()
        documents = self.attached() if role is Role.USER else ()
        if (text.strip() or documents) and not self._composer.is_editing():
            rows = [*rows, Message(role=role, content=text, attachments=documents)]
        settings = self._controller.steering.settings
        return [*settings.leading_messages(), *api_messages(rows)]

    async def _count(self) -> None:
        counter = self._metering.counter
        while True:
            generation = self._generation
            messages = self.request_messages()
            try:
                tokens = await run_in(self._executor, counter.count, messages)
            except Exception:
                log.exception("the context could not be counted")
                return
            if generation == self._generation:  # else: stale, count what is there now
                self._show(tokens)
                return

    def _show(self, tokens: int) -> None:
        reserve = self._controller.steering.reserve()
        self._composer.meter.show_count(tokens, CONTEXT_WINDOW, reserve)
        rate = self._metering.ledger.rate
        completion = min(reserve, rate.typical_completion()) if reserve else None
        self._composer.meter.show_estimate(rate.estimate(tokens, completion), len(rate))
        self.counted.emit(tokens)

    def count_due(self) -> bool:
        """Whether a count is due: a reply ended a moment ago (or one is in flight)."""
        return self._after_reply.isActive() or (self._job is not None and not self._job.done())

    def stop(self) -> None:
        """The tab closes: nothing more is counted (a reply's deferred count included)."""
        self._after_reply.stop()
        if self._job is not None:
            self._job.cancel()
