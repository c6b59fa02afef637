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

import json
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from mixtral_desktop.core.net.cancel import CancelToken, active
from mixtral_desktop.core.net.chunked_body import MalformedChunk
from mixtral_desktop.core.segmind.config import (
    CREDITS_PATH,
    MODEL_SLUG,
    ClientConfig,
    check_base_url,
    is_loopback,
)
from mixtral_desktop.core.segmind.errors import (
    AuthError,
    BadResponse,
    Cancelled,
    MissingKey,
    NetworkError,
    SegmindError,
    Timeout,
)
from mixtral_desktop.core.segmind.protocol import ChatReply, Credits, json_object, parse_credits
from mixtral_desktop.core.segmind.response import Body, CallState, check_status, read_chat
from mixtral_desktop.core.segmind.stream import CallbackFailed

if TYPE_CHECKING:  # requests (~50 ms, 9 MB at start-up) is imported by the first client
    import requests

log = logging.getLogger(__name__)

# Statuses that say something else than "I do not understand a field of the body":
# a 4xx outside this set to a request carrying "stream" is retried once without it.
_NOT_A_FIELD_REJECTION = frozenset({401, 404, 405, 406, 408, 429})
_NO_PROXIES: Any = {"http": None, "https": None, "all": None}
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces

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
        self._no_proxy = is_loopback(urlsplit(self._base_url).hostname or "")
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

    def _guarded(self, token: CancelToken, work: Callable[[CallState], _T]) -> _T:
        """Run ``work`` with ``token`` active; turn every failure into a SegmindError."""
        if token.cancelled:
            raise Cancelled()
        call = CallState(token, self._key)
        try:
            with active(token):
                return work(call)
        except CallbackFailed as exc:
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
        self, body: dict[str, Any], on_delta: Callable[[str], None] | None, call: CallState
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
            return read_chat(response, on_delta, call)
        finally:
            response.close()

    def _credits(self, call: CallState) -> Credits:
        response = self._send("GET", CREDITS_PATH, None)
        try:
            credits = check_status(response, call)
            data = Body(response, call.token).read_all(credits)
            return parse_credits(json_object(data, credits), credits)
        finally:
            response.close()

