"""Segmind client for Mixtral 8x22B Instruct (plain Python, no Qt).

One blocking call per request, meant to run on a worker thread:

* :meth:`SegmindClient.chat` posts the conversation with ``"stream": true`` and accepts
  whatever comes back, a server-sent-event stream or a plain JSON completion, told apart
  by Content-Type and by sniffing the body (a server's label is not trusted). Streamed
  pieces go to ``on_delta`` in the calling thread as they arrive.
* :meth:`SegmindClient.get_credits` asks for the account balance.
* Every failure is one of the typed errors of :mod:`mixtral_desktop.core.segmind.errors`; no
  other exception escapes (apart from whatever ``on_delta`` itself raises). Messages
  never contain the key or server text.
* A :class:`CancelToken` stops a call from another thread within a few milliseconds,
  even while the server has not sent a byte (see :mod:`mixtral_desktop.core.net.cancel`).

The base URL is checked in :class:`SegmindClient`'s constructor, which raises
:class:`~mixtral_desktop.core.segmind.errors.InsecureBaseUrl` (plain ``http://`` is only allowed
to a loopback host) and :class:`~mixtral_desktop.core.segmind.errors.MissingKey`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.core.net.cancel import CancelToken, active
from mixtral_desktop.core.net.chunked_body import MalformedChunk, open_chunked
from mixtral_desktop.core.segmind.errors import (
    AuthError,
    BadResponse,
    Cancelled,
    CreditsExhausted,
    InsecureBaseUrl,
    MethodNotAllowed,
    MissingKey,
    ModelNotFound,
    NetworkError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    SegmindError,
    ServerError,
    Timeout,
)
from mixtral_desktop.core.segmind.sse import Event, SSEDecoder

if TYPE_CHECKING:  # requests (~50 ms, 9 MB at start-up) is imported by the first client
    import requests

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_READ_TIMEOUT",
    "MAX_BODY_BYTES",
    "MODEL_SLUG",
    "CancelToken",
    "ChatReply",
    "ClientConfig",
    "Credits",
    "SegmindClient",
    "check_base_url",
    "key_from_environment",
    "parse_credits_header",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.segmind.com/v1"
MODEL_SLUG = "mixtral-8x22b-instruct"
CREDITS_PATH = "get-user-credits"
ENV_BASE_URL = "SEGMIND_API_BASE"
ENV_API_KEY = "SEGMIND_API_KEY"
ENV_READ_TIMEOUT = "SEGMIND_READ_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 300.0
MAX_BODY_BYTES = 20 * 1024 * 1024
"""A non-streamed body larger than this is refused as :class:`BadResponse`."""
CREDITS_HEADER = "x-remaining-credits"

_READ_SIZE = 64 * 1024
# Statuses that say something else than "I do not understand a field of the body":
# a 4xx outside this set to a request carrying "stream" is retried once without it.
_NO_PROXIES: Any = {"http": None, "https": None, "all": None}
_NOT_A_FIELD_REJECTION = frozenset({401, 404, 405, 406, 408, 429})
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces
_SSE_START = re.compile(rb"(data|event|id|retry)(:|\r|\n|$)")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """The longest wait for the next byte; a cold-booting model needs minutes."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ClientConfig:
        """Settings from ``SEGMIND_API_BASE`` and ``SEGMIND_READ_TIMEOUT`` (seconds).

        Blank or invalid values fall back to the defaults; the base URL loses its
        trailing slashes. The URL is checked later, by :class:`SegmindClient`.
        """
        base = environ.get(ENV_BASE_URL, "").strip().rstrip("/") or DEFAULT_BASE_URL
        return cls(base_url=base, read_timeout=_positive_float(environ.get(ENV_READ_TIMEOUT)))


def _positive_float(text: str | None, default: float = DEFAULT_READ_TIMEOUT) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def key_from_environment(environ: Mapping[str, str] = os.environ) -> str | None:
    """``SEGMIND_API_KEY`` without surrounding blanks, or None if unset or blank."""
    return environ.get(ENV_API_KEY, "").strip() or None


def check_base_url(url: str) -> str:
    """Return ``url`` without trailing slashes, or raise :class:`InsecureBaseUrl`.

    ``https://`` is always accepted; ``http://`` only to a loopback host (127.0.0.0/8,
    ::1, ``localhost``), so the key never crosses a network in clear text.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        host = None
    scheme = parts.scheme.lower() if host else ""
    if scheme not in ("http", "https") or not host:
        raise InsecureBaseUrl(
            "The API base URL is not a valid https:// address, so nothing can be sent."
        )
    if scheme == "http" and not _is_loopback(host):
        raise InsecureBaseUrl()
    return url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


@dataclass(frozen=True)
class Credits:
    credits: float
    free_credits: float

    @property
    def total(self) -> float:
        return self.credits + self.free_credits


@dataclass(frozen=True)
class ChatReply:
    text: str
    usage: Usage | None
    remaining_credits: float | None
    finish_reason: str | None
    streamed: bool


def parse_credits_header(value: str | None) -> float | None:
    """The ``x-remaining-credits`` header as a number, or None if absent or not numeric."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds from either form (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    import email.utils  # an HTTP date is rare; the email package is not needed at start-up

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_for_status(
    status: int, headers: Mapping[str, str], remaining_credits: float | None
) -> SegmindError:
    """The typed error for a non-2xx reply (the body is never quoted)."""
    kw: dict[str, Any] = {"status": status, "remaining_credits": remaining_credits}
    if status == 401:
        return AuthError(**kw)
    if status == 404:
        return ModelNotFound(**kw)
    if status == 405:
        return MethodNotAllowed(**kw)
    if status == 406:
        return CreditsExhausted(**kw)
    if status == 408:
        return RequestTimeout(**kw)
    if status == 429:
        return RateLimited(retry_after=parse_retry_after(headers.get("Retry-After")), **kw)
    if 400 <= status < 500:
        return RequestRejected(f"Segmind rejected the request ({status}).", **kw)
    if status >= 500:
        return ServerError(f"Segmind had a server error ({status}): retry in a moment.", **kw)
    if 300 <= status < 400:
        return BadResponse(
            f"Segmind answered with a redirect ({status}), which this app does not follow: "
            "check the API base URL.",
            **kw,
        )
    return BadResponse(f"Segmind answered with an unexpected status ({status}).", **kw)


class _CallbackFailed(Exception):
    """Carries an exception raised by the caller's ``on_delta`` past the error mapping."""

    def __init__(self, original: Exception) -> None:
        super().__init__("on_delta raised")
        self.original = original


_T = TypeVar("_T")


class SegmindClient:
    """Talks to Segmind with one key. Calls may run in several threads at once, each
    with its own :class:`CancelToken` (the token is found through a thread-local).

    Raises :class:`InsecureBaseUrl` for a base URL that is not https (or http to
    loopback), :class:`MissingKey` for a blank key and :class:`AuthError` for a key with
    characters no key has (spaces, control or non-ASCII characters), all at construction.
    """

    def __init__(self, api_key: str, config: ClientConfig | None = None) -> None:
        self._config = config or ClientConfig()
        self._base_url = check_base_url(self._config.base_url)
        key = (api_key or "").strip()
        if not key:
            raise MissingKey()
        if not _KEY_CHARS.fullmatch(key):
            raise AuthError(
                "The API key contains characters no Segmind key has (spaces, line breaks "
                "or non-ASCII text): paste it again."
            )
        self._key = key
        self._lock = threading.Lock()
        self._stream_supported = True
        import requests

        from mixtral_desktop.core.net.adapter import CancellableAdapter

        self._session = requests.Session()
        # The environment's CA bundle (REQUESTS_CA_BUNDLE) and proxies apply, except that
        # a local server (tests, a tunnel) is never reached through a proxy: the key
        # stays on this machine.
        self._no_proxy = _is_loopback(urlsplit(self._base_url).hostname or "")
        adapter = CancellableAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"SegmindClient(base_url={self._base_url!r})"

    def __enter__(self) -> SegmindClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def config(self) -> ClientConfig:
        return self._config

    @property
    def stream_supported(self) -> bool:
        """False once the server rejected the ``stream`` field; later calls omit it."""
        with self._lock:
            return self._stream_supported

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        on_delta: Callable[[str], None] | None = None,
        cancel: CancelToken | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> ChatReply:
        """Send the conversation and return the whole reply.

        ``on_delta`` gets each streamed piece, in this thread, as it arrives; a JSON
        (non-streamed) reply is only returned (``ChatReply.streamed`` is False).
        ``params`` are extra body fields (``temperature``, ``max_tokens``...).
        Raises a :class:`SegmindError` subclass; :class:`Cancelled` after ``cancel``.
        If a stream breaks after some pieces, :class:`NetworkError` is raised and the
        pieces already given to ``on_delta`` are the partial reply.
        """
        body: dict[str, Any] = {
            key: value for key, value in (params or {}).items() if key not in ("messages", "stream")
        }
        body["messages"] = [dict(message) for message in messages]
        json.dumps(body)  # a TypeError here is the caller's bug: let it show as one
        token = cancel if cancel is not None else CancelToken()
        return self._guarded(token, lambda call: self._chat(body, on_delta, call))

    def get_credits(self, *, cancel: CancelToken | None = None) -> Credits:
        """The account's paid and free credits."""
        token = cancel if cancel is not None else CancelToken()
        return self._guarded(token, self._credits)

    def close(self) -> None:
        """Close pooled connections. A call in progress is stopped with its CancelToken."""
        self._session.close()

    # -- plumbing ------------------------------------------------------------------

    def _guarded(self, token: CancelToken, work: Callable[[_Call], _T]) -> _T:
        """Run ``work`` with ``token`` active; turn every failure into a SegmindError."""
        if token.cancelled:
            raise Cancelled()
        call = _Call(token, self._key)
        try:
            with active(token):
                return work(call)
        except _CallbackFailed as exc:
            raise exc.original from None
        except Cancelled as exc:
            exc.remaining_credits = call.credits
            raise
        except SegmindError as typed:
            if token.cancelled:
                raise Cancelled(remaining_credits=call.credits) from None
            typed.reply_started = call.reply_started
            raise
        except Exception as exc:
            if token.cancelled:
                raise Cancelled(remaining_credits=call.credits) from None
            error = self._map_exception(exc)
            error.remaining_credits = call.credits
            error.reply_started = call.reply_started
            log.debug("Segmind request failed: %s (%s)", type(error).__name__, type(exc).__name__)
            raise error from exc

    def _map_exception(self, exc: Exception) -> SegmindError:
        import requests
        import urllib3.exceptions

        if isinstance(
            exc, requests.exceptions.ConnectTimeout | urllib3.exceptions.ConnectTimeoutError
        ):
            return Timeout(
                f"Could not connect to Segmind within {self._config.connect_timeout:.0f} s: "
                "check your network connection, then retry."
            )
        if isinstance(
            exc, requests.exceptions.Timeout | urllib3.exceptions.TimeoutError | TimeoutError
        ):  # (the last: a body read straight from its socket, core.chunked_body)
            return Timeout(
                f"Segmind sent nothing for {self._config.read_timeout:.0f} s: retry, or raise "
                "the read timeout."
            )
        if isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
            error = NetworkError(
                "The secure connection to Segmind failed (TLS): check the network, a proxy "
                "or the system clock, then retry."
            )
            error.transient = False  # a certificate does not fix itself in a second
            return error
        if isinstance(
            exc,
            requests.exceptions.ContentDecodingError | urllib3.exceptions.DecodeError
            | MalformedChunk,
        ):
            return BadResponse()
        if isinstance(
            exc, requests.exceptions.RequestException | urllib3.exceptions.HTTPError | OSError
        ):
            return NetworkError()
        return BadResponse()

    def _send(self, method: str, path: str, payload: dict[str, Any] | None) -> requests.Response:
        headers = {"x-api-key": self._key, "Accept": "application/json, text/event-stream"}
        data = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        url = f"{self._base_url}/{path}"
        response = self._session.request(
            method,
            url,
            headers=headers,
            data=data,
            stream=True,
            allow_redirects=False,
            timeout=(self._config.connect_timeout, self._config.read_timeout),
            proxies=_NO_PROXIES if self._no_proxy else None,
        )
        log.debug("%s %s -> HTTP %d", method, url, response.status_code)
        return response

    def _chat(
        self, body: dict[str, Any], on_delta: Callable[[str], None] | None, call: _Call
    ) -> ChatReply:
        with_stream = self.stream_supported
        response = self._send("POST", MODEL_SLUG, {**body, "stream": True} if with_stream else body)
        try:
            status = response.status_code
            if with_stream and 400 <= status < 500 and status not in _NOT_A_FIELD_REJECTION:
                log.info(
                    "Segmind refused the request with 'stream' (HTTP %d): retrying without", status
                )
                response.close()
                if call.token.cancelled:
                    raise Cancelled()
                response = self._send("POST", MODEL_SLUG, body)
                if 200 <= response.status_code < 300:
                    with self._lock:
                        self._stream_supported = False
            return _read_chat(response, on_delta, call)
        finally:
            response.close()

    def _credits(self, call: _Call) -> Credits:
        response = self._send("GET", CREDITS_PATH, None)
        try:
            credits = _check_status(response, call)
            data = _Body(response, call.token).read_all(credits)
            value = _json_object(data, credits)
            paid = _number(value.get("credits"))
            free = _number(value.get("free-credits", 0.0))
            if paid is None or free is None:
                raise BadResponse(remaining_credits=credits)
            return Credits(credits=paid, free_credits=free)
        finally:
            response.close()


class _Call:
    """What one call has learnt so far, for the errors it may still raise."""

    def __init__(self, token: CancelToken, key: str | None = None) -> None:
        self.token = token
        self.key = key
        self.credits: float | None = None
        self.reply_started = False  # a 2xx status line arrived: the reply is being made


def _check_status(response: requests.Response, call: _Call) -> float | None:
    """The reply's credits header; raises the typed error for a non-2xx status."""
    credits = call.credits = parse_credits_header(response.headers.get(CREDITS_HEADER))
    if not 200 <= response.status_code < 300:
        error = error_for_status(response.status_code, response.headers, credits)
        raise error.with_detail(server_detail(_error_body(response), call.key))
    call.reply_started = True
    return credits


ERROR_BODY_BYTES = 4096
DETAIL_CHARS = 160
_KEY_LIKE = re.compile(r"(?i)\b(?:sk|key|api[_-]?key)[-_][A-Za-z0-9_\-]{6,}|[A-Za-z0-9_\-]{32,}")


def _error_body(response: requests.Response) -> bytes:
    try:
        return bytes(response.raw.read(ERROR_BODY_BYTES) or b"")
    except Exception:  # the body of an error is a courtesy; never fail on it
        return b""


def server_detail(body: bytes, key: str | None = None) -> str | None:
    """What an error body says, for a person: JSON ``error``/``message``/``detail`` only
    (never an HTML page), one line, cut short, with the key and key-like strings removed."""
    try:
        value = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    text: object = None
    if isinstance(value, dict):
        for name in ("error", "message", "detail"):
            text = value.get(name)
            if isinstance(text, dict):
                text = text.get("message")
            if isinstance(text, str) and text.strip():
                break
    if not isinstance(text, str) or not text.strip():
        return None
    if key:
        text = text.replace(key, "[key]")
    text = _KEY_LIKE.sub("[hidden]", " ".join(text.split()))
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1].rstrip() + "…"


class _Body:
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
            start = self.head.lstrip().removeprefix(_BOM).lstrip()
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


def _read_chat(
    response: requests.Response, on_delta: Callable[[str], None] | None, call: _Call
) -> ChatReply:
    token = call.token
    credits = _check_status(response, call)
    body = _Body(response, token)
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
        return _read_stream(body, on_delta, token, credits)
    return _parse_completion(_json_object(body.read_all(credits), credits), credits)


def _json_object(data: bytes, credits: float | None) -> dict[str, Any]:
    try:
        value = json.loads(data.removeprefix(_BOM).decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        raise BadResponse(remaining_credits=credits) from None
    if not isinstance(value, dict):
        raise BadResponse(remaining_credits=credits)
    return value


def _parse_completion(value: dict[str, Any], credits: float | None) -> ChatReply:
    if value.get("error") is not None:
        raise BadResponse(
            "Segmind reported an error instead of a reply.", remaining_credits=credits
        )
    choice = _first_choice(value.get("choices"), credits)
    message = choice.get("message") if choice is not None else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise BadResponse(remaining_credits=credits)
    assert choice is not None
    return ChatReply(
        text=content,
        usage=_usage(value.get("usage")),
        remaining_credits=credits,
        finish_reason=_finish_reason(choice),
        streamed=False,
    )


def _first_choice(choices: object, credits: float | None) -> dict[str, Any] | None:
    """``choices[0]``; None for an empty list; BadResponse for anything malformed."""
    if not isinstance(choices, list):
        raise BadResponse(remaining_credits=credits)
    if not choices:
        return None
    if not isinstance(choices[0], dict):
        raise BadResponse(remaining_credits=credits)
    return choices[0]


def _finish_reason(choice: Mapping[str, Any]) -> str | None:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _usage(value: object) -> Usage | None:
    """Token counts, or None when absent or not understood (never an error)."""
    if not isinstance(value, dict):
        return None
    counts: dict[str, int] = {}
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        raw = value.get(name)
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int):
            counts[name] = raw
        elif isinstance(raw, float) and raw.is_integer():
            counts[name] = int(raw)
        elif raw is not None:
            return None
    if not counts:
        return None
    prompt = counts.get("prompt_tokens", 0)
    completion = counts.get("completion_tokens", 0)
    return Usage(prompt, completion, counts.get("total_tokens", prompt + completion))


class _StreamState:
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
        self.usage = _usage(value.get("usage")) or self.usage
        if "choices" not in value or value["choices"] is None:
            return  # e.g. a last chunk that only carries usage
        choice = _first_choice(value["choices"], self.credits)
        if choice is None:
            return
        self.saw_choice = True
        self.finish_reason = _finish_reason(choice) or self.finish_reason
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
                raise _CallbackFailed(exc) from exc


def _read_stream(
    body: _Body,
    on_delta: Callable[[str], None] | None,
    token: CancelToken,
    credits: float | None,
) -> ChatReply:
    decoder = SSEDecoder()
    state = _StreamState(on_delta, credits)
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
