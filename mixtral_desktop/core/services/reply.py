"""One reply from Mixtral, as a coroutine: wait for the rate limit, send, stream, retry.

:func:`stream_reply` runs on the event loop. The blocking call (the client's
``chat``) runs on a reply thread, each with its own HTTP session; waits (the rate
limit's queue, the back-off before a retry) are ``asyncio.sleep``. Streamed text is
coalesced: the reply thread puts each piece in an :class:`Outbox` and wakes the loop
only when the outbox was empty; the loop takes everything waiting at once. Over
HTTP/1.1 every SSE event is its own chunk, so a burst of 2,000 events would otherwise
be 2,000 callbacks; now it is as many as the loop has time to take.

A failed try is sent again by the retry policy's rules, never after a byte of the reply
arrived (it may be charged). To stop a reply, cancel its task and its
:class:`~mixtral_desktop.core.net.cancel.CancelToken`: the wait ends at once, the
blocked read within milliseconds (the token shuts its socket down).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Executor
from typing import Protocol

from mixtral_desktop.core.domain.request import ChatRequest
from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.errors import Cancelled, SegmindError
from mixtral_desktop.core.segmind.protocol import ChatReply
from mixtral_desktop.core.services.clients import ClientProvider

log = logging.getLogger(__name__)


class ReplyListener(Protocol):
    """What a reply reports while it is under way, on the event loop's thread."""

    def on_queued(self, seconds: float) -> None:
        """The rate limit holds the request back this long."""

    def on_started(self) -> None:
        """A try is sent (again, after ``on_retrying``)."""

    def on_retrying(self, seconds: float, next_try: int, reason: str) -> None:
        """A try failed before any reply; try ``next_try`` goes out in ``seconds``."""

    def on_text(self, text: str) -> None:
        """More of the reply (every piece that arrived since the last call, joined)."""


class Outbox:
    """Streamed text on its way from the reply thread to the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, listener: ReplyListener) -> None:
        self._loop = loop
        self._listener = listener
        self._lock = threading.Lock()
        self._pieces: list[str] = []
        self._closed = False
        self.received = False  # a piece arrived: the reply has started, never send again

    def put(self, text: str) -> None:
        """From the reply thread: add a piece; wake the loop if the outbox was empty."""
        with self._lock:
            if self._closed:
                return
            self.received = True
            was_empty = not self._pieces
            self._pieces.append(text)
        if was_empty:
            try:
                self._loop.call_soon_threadsafe(self.deliver)
            except RuntimeError:  # the loop is closed: the app quit meanwhile
                log.debug("a streamed piece arrived after the loop closed")

    def deliver(self) -> None:
        """On the loop: hand the listener everything waiting, as one string."""
        with self._lock:
            pieces, self._pieces = self._pieces, []
        if pieces:
            # One join for the lot: adding pieces one by one copied the text so far for
            # each of a burst's 2,000 pieces (~20 ms of the GUI thread).
            self._listener.on_text("".join(pieces))

    def close(self) -> None:
        """On the loop, when the try ends: deliver what is left; later pieces are dropped."""
        self.deliver()
        with self._lock:
            self._closed = True
            self._pieces.clear()


async def stream_reply(
    request: ChatRequest,
    clients: ClientProvider,
    executor: Executor,
    cancel: CancelToken,
    listener: ReplyListener,
    request_id: int = 0,
) -> ChatReply:
    """The whole reply; the listener hears the queue, each try and the text as it comes.

    Raises :class:`Cancelled` once ``cancel`` is set (and ``CancelledError`` when the
    task is cancelled), or the last try's :class:`SegmindError`. ``request_id`` names
    the request in the log.
    """
    loop = asyncio.get_running_loop()
    attempt = 0
    while True:
        attempt += 1
        while (wait := clients.reserve()) > 0:
            listener.on_queued(wait)
            await asyncio.sleep(wait)
        if cancel.cancelled:
            raise Cancelled()
        listener.on_started()
        outbox = Outbox(loop, listener)
        try:
            reply = await loop.run_in_executor(executor, _chat, clients, request, cancel, outbox)
        except Cancelled:
            raise
        except SegmindError as error:
            if cancel.cancelled:
                raise Cancelled() from None
            delay = None if outbox.received else clients.retry.delay(error, attempt)
            if delay is None:
                log.info("request %d failed: %s", request_id, type(error).__name__)
                raise
            log.info(
                "request %d: %s, retrying in %.1f s", request_id, type(error).__name__, delay
            )
            listener.on_retrying(delay, attempt + 1, short_reason(error))
        else:
            if cancel.cancelled:  # stopped as it finished: the user asked for no reply
                raise Cancelled()
            return reply
        finally:
            outbox.close()
        await asyncio.sleep(delay)


def _chat(
    clients: ClientProvider, request: ChatRequest, cancel: CancelToken, outbox: Outbox
) -> ChatReply:
    """On a reply thread: one try, blocking."""
    try:
        return clients().chat(
            request.messages, on_delta=outbox.put, cancel=cancel, params=request.params
        )
    except SegmindError:
        raise
    except Exception as error:  # a bug, not a reply: report it as one failed reply
        log.exception("a reply crashed")
        raise SegmindError(f"Internal error: {type(error).__name__}.") from error


def short_reason(error: SegmindError) -> str:
    """The first clause of the error's sentence, for "… Trying again in N s"."""
    first = error.user_message.split(":", 1)[0].split(". ", 1)[0].rstrip(".")
    return first + "."
