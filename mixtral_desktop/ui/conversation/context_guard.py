"""Before a request goes out: count it exactly (on the token worker) and, when it does not
fit the model's window, say by how much and how many of the oldest messages would have
to be left out for it to fit. Nothing is sent then: the user chooses.

The count is kept on the reply's row (``counted_tokens``) beside the server's own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from mixtral_desktop.core.domain.conversation import Message, MessageState
from mixtral_desktop.core.domain.request import ChatRequest
from mixtral_desktop.core.domain.tokens import CONTEXT_WINDOW, TokenCounter
from mixtral_desktop.core.segmind.errors import SegmindError
from mixtral_desktop.core.services.executors import run_in

log = logging.getLogger(__name__)

Build = Callable[[Sequence[Message]], ChatRequest]
"""The request for a reply after some rows (the same kind: a reply, or a continuation)."""


@dataclass(frozen=True)
class Verdict:
    """What the guard found: the request's ``tokens`` and the ``limit`` it must fit in
    (the window less the room kept for the reply). Over the limit, ``first_row`` is the
    first row to send for it to fit, having left out ``leave_out`` more messages (None:
    even the last message with the instructions alone does not fit)."""

    tokens: int
    limit: int
    reserve: int
    first_row: int | None = None
    leave_out: int | None = None

    @property
    def fits(self) -> bool:
        return self.tokens <= self.limit


def over_window_text(verdict: Verdict) -> str:
    """"This request is 70,120 tokens; the model takes 65,536." (and the reply's room)."""
    kept = (f" ({verdict.reserve:,} of them kept for the reply, max_tokens)"
            if verdict.reserve else "")
    return (f"This request is {verdict.tokens:,} tokens; the model takes "
            f"{CONTEXT_WINDOW:,}{kept}.")


class OverWindow(SegmindError):
    """Nothing was sent: the request would not fit the window (``verdict`` says by how
    much and what to leave out)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(over_window_text(verdict) + " Nothing was sent.")
        self.verdict = verdict


def leave_out_text(count: int) -> str:
    return (f"Leave out the {count} oldest messages" if count != 1
            else "Leave out the oldest message")


class ContextGuard:
    """Counts with the window's shared :class:`TokenCounter` on ``executor``."""

    def __init__(self, counter: TokenCounter, executor: Executor) -> None:
        self.counter = counter
        self._executor = executor

    async def check(
        self, request: ChatRequest, rows: Sequence[Message], first_row: int, build: Build,
        reserve: int = 0,
    ) -> Verdict | None:
        """``request`` was built by ``build`` from ``rows[first_row:]`` (the rows before
        the reply): does it fit, and if not, from which row would it? None when it could
        not be counted (logged): the request goes out uncounted rather than not at all."""
        rows = list(rows)  # a snapshot: the worker reads it while the GUI goes on
        first_row = first_row if 0 < first_row < len(rows) else 0
        try:
            return await run_in(
                self._executor, _verdict, self.counter, request, rows, first_row, build,
                reserve,
            )
        except Exception:
            log.exception("the request could not be counted")
            return None


def _verdict(
    counter: TokenCounter, request: ChatRequest, rows: list[Message], first_row: int,
    build: Build, reserve: int,
) -> Verdict:
    limit = CONTEXT_WINDOW - reserve
    tokens = counter.count(request.messages)
    if tokens <= limit:
        return Verdict(tokens, limit, reserve)
    last = len(rows) - 1  # the newest row is always sent
    low, high = first_row, last  # count(build(rows[high:])) is what decides
    if last < first_row or counter.count(build(rows[last:]).messages) > limit:
        return Verdict(tokens, limit, reserve)
    while high - low > 1:  # fits from ``high``, not from ``low``
        middle = (low + high) // 2
        if counter.count(build(rows[middle:]).messages) <= limit:
            high = middle
        else:
            low = middle
    left_out = sum(
        1 for m in rows[first_row:high] if m.state is MessageState.DONE and m.content
    )
    return Verdict(tokens, limit, reserve, first_row=high, leave_out=left_out)
