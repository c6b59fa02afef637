"""A streamed reply: server-sent events turned into text pieces and one :class:`ChatReply`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind import protocol
from mixtral_desktop.core.segmind.config import MAX_BODY_BYTES
from mixtral_desktop.core.segmind.errors import BadResponse, Cancelled
from mixtral_desktop.core.segmind.protocol import ChatReply
from mixtral_desktop.core.segmind.sse import Event, SSEDecoder


class CallbackFailed(Exception):
    """Carries an exception raised by the caller's ``on_delta`` past the error mapping."""

    def __init__(self, original: Exception) -> None:
        super().__init__("on_delta raised")
        self.original = original



class StreamState:
    def __init__(self, on_delta: Callable[[str], None] | None, credits: float | None) -> None:
        self.on_delta = on_delta
        self.credits = credits
        self.parts: list[str] = []
        self.unsent: list[str] = []
        self.size = 0
        self.events = 0
        self.saw_choice = False
        self.done = False
        self.finish_reason: str | None = None
        self.usage: Usage | None = None

    def handle(self, event: Event, token: CancelToken) -> None:
        if token.cancelled:
            raise Cancelled()
        if self.done or not event.data.strip():
            return
        self.events += 1
        if event.data.strip() == "[DONE]":
            self.done = True
            return
        if event.event == "error":
            raise BadResponse(
                "Segmind reported an error in the middle of the reply.",
                remaining_credits=self.credits,
            )
        try:
            value = json.loads(event.data)
        except (ValueError, RecursionError):
            raise BadResponse(remaining_credits=self.credits) from None
        if not isinstance(value, dict):
            raise BadResponse(remaining_credits=self.credits)
        if value.get("error") is not None:
            raise BadResponse(
                "Segmind reported an error in the middle of the reply.",
                remaining_credits=self.credits,
            )
        self.usage = protocol.usage(value.get("usage")) or self.usage
        if "choices" not in value or value["choices"] is None:
            return  # e.g. a last chunk that only carries usage
        choice = protocol.first_choice(value["choices"], self.credits)
        if choice is None:
            return
        self.saw_choice = True
        self.finish_reason = protocol.finish_reason(choice) or self.finish_reason
        delta = choice.get("delta")
        if delta is None:
            delta = choice.get("message")  # some servers send whole messages as events
        if delta is None:
            return
        if not isinstance(delta, dict):
            raise BadResponse(remaining_credits=self.credits)
        content = delta.get("content")
        if content is None:
            return
        if not isinstance(content, str):
            raise BadResponse(remaining_credits=self.credits)
        if content:
            self.parts.append(content)
            self.size += len(content)
            if self.size > MAX_BODY_BYTES:
                raise BadResponse(
                    "Segmind's reply was larger than this app accepts.",
                    remaining_credits=self.credits,
                )
            self.unsent.append(content)

    def send(self) -> None:
        """Give ``on_delta`` the pieces parsed since the last call, as one string.

        One call per read from the socket, not per event: a burst of 2,000 events
        already received is one signal to the GUI thread, not 2,000.
        """
        if not self.unsent:
            return
        text = "".join(self.unsent)
        self.unsent.clear()
        if self.on_delta is not None:
            try:
                self.on_delta(text)
            except Exception as exc:
                raise CallbackFailed(exc) from exc


class StreamBody(Protocol):
    """What the stream is read from (a response body): the bytes sniffed already, then
    each :meth:`read` the next bytes available (``b""`` at the end)."""

    head: bytes

    def read(self) -> bytes: ...


def read_stream(
    body: StreamBody,
    on_delta: Callable[[str], None] | None,
    token: CancelToken,
    credits: float | None,
) -> ChatReply:
    decoder = SSEDecoder()
    state = StreamState(on_delta, credits)
    data = body.head
    while not state.done:
        events = decoder.feed(data) if data else decoder.close()
        try:
            for event in events:
                state.handle(event, token)
        finally:
            state.send()  # the pieces before a broken event are the partial reply
        if not data:
            break
        data = body.read()
    if not state.done and state.events == 0:
        raise BadResponse(
            "Segmind's reply stream ended before any data.", remaining_credits=credits
        )
    if not state.saw_choice:
        raise BadResponse(remaining_credits=credits)
    return ChatReply(
        text="".join(state.parts),
        usage=state.usage,
        remaining_credits=credits,
        finish_reason=state.finish_reason,
        streamed=True,
    )
