"""Reading one HTTP response from Segmind: its status, its body as it arrives, and which
kind of reply it is (a server-sent-event stream or a JSON completion, told apart by
sniffing the body: a server's label is not trusted)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.net.chunked_body import open_chunked
from mixtral_desktop.core.segmind.config import MAX_BODY_BYTES
from mixtral_desktop.core.segmind.errors import BadResponse, Cancelled
from mixtral_desktop.core.segmind.headers import (
    CREDITS_HEADER,
    body_names,
    error_for_status,
    parse_credits_header,
    server_detail,
)
from mixtral_desktop.core.segmind.protocol import BOM, ChatReply, json_object, parse_completion
from mixtral_desktop.core.segmind.stream import read_stream

if TYPE_CHECKING:  # requests (~50 ms, 9 MB at start-up) is imported by the first client
    import requests


_READ_SIZE = 64 * 1024
_SSE_START = re.compile(rb"(data|event|id|retry)(:|\r|\n|$)")


class CallState:
    """What one call has learnt so far, for the errors it may still raise."""

    def __init__(self, token: CancelToken, key: str | None = None) -> None:
        self.token = token
        self.key = key
        self.credits: float | None = None
        self.reply_started = False  # a 2xx status line arrived: the reply is being made


def check_status(response: requests.Response, call: CallState) -> float | None:
    """The reply's credits header; raises the typed error for a non-2xx status."""
    credits = call.credits = parse_credits_header(response.headers.get(CREDITS_HEADER))
    if not 200 <= response.status_code < 300:
        error = error_for_status(response.status_code, response.headers, credits)
        body = error_body(response)
        error.body_names = body_names(body)
        raise error.with_detail(server_detail(body, call.key))
    call.reply_started = True
    return credits



ERROR_BODY_BYTES = 4096


def error_body(response: requests.Response) -> bytes:
    try:
        return bytes(response.raw.read(ERROR_BODY_BYTES) or b"")
    except Exception:  # the body of an error is a courtesy; never fail on it
        return b""


class Body:
    """Reads the raw body piece by piece as it arrives, UTF-8 decoding left to the caller."""

    def __init__(self, response: requests.Response, token: CancelToken) -> None:
        self._raw = response.raw
        self._chunked = open_chunked(response.raw, response.headers)  # None: urllib3 reads
        self._token = token
        self.head = b""

    def read(self) -> bytes:
        """The next bytes available (b"" at end of body); raises Cancelled when cancelled."""
        if self._token.cancelled:
            raise Cancelled()
        data: bytes | None = (
            self._chunked.read(_READ_SIZE) if self._chunked is not None
            else self._raw.read1(_READ_SIZE, decode_content=True)
        )
        if self._token.cancelled:
            raise Cancelled()
        return data or b""

    def sniff(self) -> bytes:
        """Read until the body's first meaningful bytes are known; keep them in ``head``."""
        while True:
            start = self.head.lstrip().removeprefix(BOM).lstrip()
            if start[:1] in (b"{", b"[", b":", b"<") or len(start) >= 6:
                return start
            data = self.read()
            if not data:
                return start
            self.head += data

    def read_all(self, credits: float | None, limit: int = MAX_BODY_BYTES) -> bytes:
        parts = [self.head]
        size = len(self.head)
        while data := self.read():
            size += len(data)
            if size > limit:
                raise BadResponse(
                    "Segmind's reply was larger than this app accepts.", remaining_credits=credits
                )
            parts.append(data)
        return b"".join(parts)


def read_chat(
    response: requests.Response, on_delta: Callable[[str], None] | None, call: CallState
) -> ChatReply:
    token = call.token
    credits = check_status(response, call)
    body = Body(response, token)
    start = body.sniff()
    if not start:
        raise BadResponse("Segmind sent an empty reply.", remaining_credits=credits)
    content_type = response.headers.get("Content-Type", "").lower()
    if start[:1] in (b"{", b"["):
        is_stream = False
    elif start[:1] == b":" or _SSE_START.match(start):
        is_stream = True
    else:
        is_stream = "text/event-stream" in content_type
    if is_stream:
        return read_stream(body, on_delta, token, credits)
    return parse_completion(json_object(body.read_all(credits), credits), credits)

