"""A fake Segmind that follows the contract in shared/reference/segmind-api.md.

Real HTTP/1.1 on 127.0.0.1 and a random port, so the client is tested with its real
``requests`` stack. Everything about the replies can be switched while it runs, from
any thread; faults can be persistent or one-shot. Every request is logged.

In-process::

    with FakeSegmind(mode="sse") as server:
        client = SegmindClient(FAKE_KEY, ClientConfig(base_url=server.base_url))
        server.fail_next(status=429, retry_after="7")
        ...
        assert server.wait_for_requests(2)[-1].json["stream"] is True

Standalone (the first stdout line is the base URL; serves until killed)::

    python -m tests.fakes.segmind_server --port 0 --mode sse
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

FAKE_KEY = "sk-test-FAKE-0000"
API_PREFIX = "/v1"
MODEL_SLUG = "mixtral-8x22b-instruct"
CHAT_PATH = f"{API_PREFIX}/{MODEL_SLUG}"
CREDITS_PATH = f"{API_PREFIX}/get-user-credits"

MODES = ("json", "sse", "auto")
ERROR_BODIES = ("json", "html", "empty")
MALFORMED = (
    "html",  # 200 text/html page
    "empty",  # 200 with an empty body
    "invalid_json",
    "not_object",  # valid JSON, but a list
    "no_choices",
    "empty_choices",
    "no_message",  # choices[0] without "message"
    "content_null",
    "content_not_string",
    "error_field",  # a 200 carrying {"error": ...}
    "oversize",  # a JSON body larger than the client's 20 MB bound
    "sse_invalid_json",  # an SSE event whose data is not JSON
    "sse_not_object",
    "sse_content_not_string",
    "sse_error_event",  # "event: error"
    "sse_no_events",  # an event stream with comments only
)

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>secret-server-text</p></body></html>"
)


def default_reply(messages: list[dict[str, Any]]) -> str:
    """An echo of the last user message, with some Markdown around it."""
    last = next(
        (
            str(message.get("content", ""))
            for message in reversed(messages)
            if isinstance(message, dict) and message.get("role") == "user"
        ),
        "",
    )
    return (
        f"You said: {last}\n\n"
        "Here is **bold**, *italic* and `code`:\n\n"
        "- one item\n"
        "- another item\n\n"
        "```python\nprint('hello')\n```\n"
    )


def word_usage(messages: Iterable[dict[str, Any]], text: str) -> dict[str, int]:
    """Word counts standing in for token counts: the fallback of :func:`fake_usage`."""
    prompt = _prompt_words(messages)
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _prompt_words(messages: Iterable[dict[str, Any]]) -> int:
    return sum(len(str(m.get("content", "")).split()) for m in messages if isinstance(m, dict))


class _Oracle:
    """mistral-common's v3 tokenizer (a test dependency; the app never imports it),
    imported and loaded once per process: by the first server to start, on a thread
    of its own, so that a first request rarely waits for it (~0.3 s), or else by the
    first count that needs it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._missing = False
        self._preloading = False

    @property
    def loaded(self) -> bool:
        return self._tokenizer is not None

    def preload(self) -> None:
        with self._lock:
            if self._preloading or self._tokenizer is not None or self._missing:
                return
            self._preloading = True
        threading.Thread(target=self.tokenizer, name="fake-segmind-oracle").start()

    def tokenizer(self) -> Any:
        """The ``MistralTokenizer``, or None when mistral-common is not installed."""
        with self._lock:
            if self._tokenizer is None and not self._missing:
                try:
                    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
                except ImportError:
                    self._missing = True
                    log.warning("fake Segmind: no mistral-common, usage is counted in words")
                else:
                    self._tokenizer = MistralTokenizer.v3()
            return self._tokenizer

    def prompt_tokens(self, messages: list[dict[str, Any]]) -> int | None:
        """The tokens of the prompt ``messages`` make, as Mixtral 8x22B reads it; None
        when the v3 template refuses them (or there is no mistral-common)."""
        tokenizer = self.tokenizer()
        if tokenizer is None:
            return None
        from mistral_common.protocol.instruct.request import ChatCompletionRequest

        try:
            request = ChatCompletionRequest(messages=messages)
            return len(tokenizer.encode_chat_completion(request).tokens)
        except Exception:  # what mistral-common refuses (see fake_usage); nothing to count
            return None

    def text_tokens(self, text: str) -> int | None:
        tokenizer = self.tokenizer()
        if tokenizer is None:
            return None
        return len(tokenizer.instruct_tokenizer.tokenizer.encode(text, bos=False, eos=False))


_ORACLE = _Oracle()


def fake_usage(
    messages: list[dict[str, Any]], text: str, finish_reason: str | None = "stop"
) -> dict[str, int]:
    """The usage a real server reports for ``messages`` answered with ``text``.

    ``prompt_tokens``: the tokens of mistral-common's
    ``MistralTokenizer.v3().encode_chat_completion`` of the messages (what the app's
    ``core.domain.tokens`` counts too). When the v3 template refuses the request (its
    validator wants the last message to be a user one, no system message right after
    a reply, no empty reply, only the roles it knows) there is no real count: the
    prompt's words stand in, as before this fake counted tokens.

    ``completion_tokens``: the reply's text encoded alone (no ``<s>``), plus one for
    the ``</s>`` the model ended with when ``finish_reason`` is "stop": vLLM-style
    servers count the end-of-sequence token they generated; a reply cut at
    ``max_tokens`` ("length") has none.
    """
    prompt = _ORACLE.prompt_tokens(messages)
    if prompt is None:
        prompt = _prompt_words(messages)
    reply = _ORACLE.text_tokens(text)
    if reply is None:
        completion = len(text.split())
    else:
        completion = reply + (1 if finish_reason == "stop" else 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class _LazyUsage:
    """A reply's usage, counted when it is first asked for: at once if the tokenizer is
    ready, else where it is sent (the end of a stream, as a real server sends it), so
    that a first request never waits for the tokenizer before its first byte."""

    def __init__(self, settings: Settings, messages: list[dict[str, Any]], text: str) -> None:
        self._settings, self._messages, self._text = settings, messages, text
        self._value: dict[str, int] | None = None
        if _ORACLE.loaded:
            self.get()

    def get(self) -> dict[str, int]:
        if self._value is None:
            self._value = self._settings.usage or fake_usage(
                self._messages, self._text, self._settings.finish_reason
            )
        return self._value


@dataclass(frozen=True)
class Fault:
    """One way to misbehave. ``endpoint`` is "chat", "credits" or "any"."""

    status: int | None = None
    body: str = "json"
    retry_after: str | None = None
    malformed: str | None = None
    cut_after: int | None = None
    drop: bool = False
    endpoint: str = "chat"

    def __post_init__(self) -> None:
        if self.body not in ERROR_BODIES:
            raise ValueError(f"body must be one of {ERROR_BODIES}")
        if self.malformed is not None and self.malformed not in MALFORMED:
            raise ValueError(f"malformed must be one of {MALFORMED}")
        if self.endpoint not in ("chat", "credits", "any"):
            raise ValueError("endpoint must be 'chat', 'credits' or 'any'")

    def applies_to(self, endpoint: str | None) -> bool:
        return self.endpoint == "any" or self.endpoint == endpoint


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    json: Any  # the parsed body, or None
    raw_body: bytes
    time: float  # time.monotonic() when the request was fully read

    @property
    def api_key(self) -> str | None:
        return self.headers.get("x-api-key")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.json.get("messages", [])) if isinstance(self.json, dict) else []

    @property
    def has_stream_field(self) -> bool:
        return isinstance(self.json, dict) and "stream" in self.json


@dataclass(frozen=True)
class Settings:
    """Everything switchable; ``FakeSegmind.configure(**fields)`` sets them."""

    api_key: str | None = FAKE_KEY  # None accepts any key
    mode: str = "auto"  # json | sse | auto (sse when the request says stream: true)
    reply: str | Callable[[list[dict[str, Any]]], str] | None = None  # None: default_reply
    chunk_size: int = 8  # characters of reply per SSE event
    chunks: int | None = None  # split the reply into this many events instead
    chunk_delay: float = 0.0  # seconds between SSE events
    charset: str | None = None  # charset declared in Content-Type (none by default)
    content_type: str | None = None  # replace the whole Content-Type of a 200 (a lie)
    split_multibyte: bool = False  # cut every multi-byte character across HTTP chunks
    write_size: int | None = None  # send the SSE bytes in HTTP chunks of this many bytes
    line_ending: str = "\n"  # "\n", "\r\n" or "\r" in the event stream
    keepalive_comments: bool = False  # ": keep-alive" before every event
    multiline_data: bool = False  # each event's JSON spread over several data: lines
    send_done: bool = True  # end with data: [DONE]
    role_event: bool = True  # a first event with delta.role and empty content
    include_usage: bool = True
    usage: dict[str, int] | None = None  # None: fake_usage(...), real token counts
    finish_reason: str | None = "stop"
    header_delay: float = 0.0  # cold boot: seconds before the status line
    hold: threading.Event | None = None  # hold chat replies until this is set
    remaining_credits: float = 100.0
    credit_cost: float = 0.25  # taken off remaining_credits by each successful chat
    # The header carries the balance after this call's charge, as Segmind documents it
    # (False: the balance before it, the charge landing as the reply ends).
    header_after_charge: bool = False
    credits_header: str | None = None  # send this literal x-remaining-credits instead
    send_credits_header: bool = True
    credits: float = 1.5  # /get-user-credits
    free_credits: float = 0.0184921035
    reject_stream: bool = False  # refuse requests that carry "stream"
    reject_stream_status: int = 400
    reject_fields: tuple[str, ...] = ()  # refuse requests that carry any of these fields
    reject_fields_status: int = 422  # 422: a FastAPI-style body naming the field; 400: plain
    fault: Fault | None = None  # a persistent fault
    raw_body: bytes | None = None  # send exactly these bytes as every chat reply's body

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")


_SETTING_NAMES = frozenset(Settings.__dataclass_fields__)


class FakeSegmind:
    """The fake server. Settings are attributes (``server.mode = "json"``) too."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **settings: Any) -> None:
        object.__setattr__(self, "_settings", Settings())
        self._host = host
        self._port = port
        self._lock = threading.Condition(threading.RLock())
        self._log: list[RequestRecord] = []
        self._one_shot: list[Fault] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # time.monotonic() just after the last byte of each complete chat reply was
        # written, in order; ``on_reply_sent`` (if set) is called with it (benchmarks).
        self.reply_sent_times: list[float] = []
        self.on_reply_sent: Callable[[float], None] | None = None
        # time.monotonic() just before the event carrying the last piece of each streamed
        # reply's text was written (the events after it, finish and [DONE], carry no
        # text), in order; ``on_text_sent`` (if set) is called with it once written.
        # Taken before the write, so no client can have the whole text earlier.
        self.text_sent_times: list[float] = []
        self.on_text_sent: Callable[[float], None] | None = None
        self.configure(**settings)

    # -- settings -------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name in _SETTING_NAMES:
            return getattr(self._settings, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SETTING_NAMES:
            self.configure(**{name: value})
        else:
            object.__setattr__(self, name, value)

    def configure(self, **settings: Any) -> FakeSegmind:
        """Change settings (see :class:`Settings`); unknown names raise TypeError."""
        unknown = set(settings) - _SETTING_NAMES
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        with self._lock:
            object.__setattr__(self, "_settings", replace(self._settings, **settings))
        return self

    def reset(self) -> None:
        """Default settings, no faults (the log is kept)."""
        with self._lock:
            object.__setattr__(self, "_settings", Settings())
            self._one_shot.clear()

    def snapshot(self) -> Settings:
        with self._lock:
            return self._settings

    def hold_replies(self) -> threading.Event:
        """Hold chat replies (before the status line) until :meth:`release`."""
        gate = threading.Event()
        self.configure(hold=gate)
        return gate

    def release(self) -> None:
        """Let held replies go, and stop holding new ones."""
        gate = self.snapshot().hold
        self.configure(hold=None)
        if gate is not None:
            gate.set()

    def fail_next(self, times: int = 1, **fault: Any) -> None:
        """The next ``times`` requests to ``endpoint`` (default chat) misbehave as told."""
        one = Fault(**fault)
        with self._lock:
            self._one_shot.extend([one] * times)

    def set_fault(self, **fault: Any) -> None:
        """Misbehave on every request until :meth:`clear_faults`."""
        self.configure(fault=Fault(**fault))

    def clear_faults(self) -> None:
        with self._lock:
            self._one_shot.clear()
        self.configure(fault=None)

    def _take_fault(self, endpoint: str | None) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._one_shot):
                if fault.applies_to(endpoint):
                    return self._one_shot.pop(index)
            fault = self._settings.fault
            return fault if fault is not None and fault.applies_to(endpoint) else None

    def credits_header_value(self) -> str | None:
        settings = self.snapshot()
        if not settings.send_credits_header:
            return None
        if settings.credits_header is not None:
            return settings.credits_header
        return f"{settings.remaining_credits:.6f}"

    def _charge(self) -> None:
        with self._lock:
            settings = self._settings
            object.__setattr__(
                self,
                "_settings",
                replace(
                    settings, remaining_credits=settings.remaining_credits - settings.credit_cost
                ),
            )

    # -- request log -------------------------------------------------------------------

    @property
    def log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    @property
    def chat_requests(self) -> list[RequestRecord]:
        return [r for r in self.log if r.path == CHAT_PATH]

    @property
    def last_request(self) -> RequestRecord | None:
        with self._lock:
            return self._log[-1] if self._log else None

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RequestRecord]:
        """Block until ``count`` requests are logged; raise TimeoutError otherwise."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._log) >= count, timeout):
                raise TimeoutError(f"{len(self._log)} of {count} requests after {timeout} s")
            return list(self._log)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)
            self._lock.notify_all()

    def _reply_sent(self) -> None:
        sent = time.monotonic()
        with self._lock:
            self.reply_sent_times.append(sent)
            callback = self.on_reply_sent
        if callback is not None:
            callback(sent)

    def _text_sent(self, started: float) -> None:
        with self._lock:
            self.text_sent_times.append(started)
            callback = self.on_text_sent
        if callback is not None:
            callback(started)

    # -- lifecycle -----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return self.url(API_PREFIX)

    def url(self, path: str) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}{path}"

    def client_env(self) -> dict[str, str]:
        """Environment variables pointing the app at this server."""
        return {"SEGMIND_API_BASE": self.base_url, "SEGMIND_API_KEY": self.api_key or FAKE_KEY}

    def start(self) -> FakeSegmind:
        if self._server is not None:
            return self
        self._stopping.clear()
        _ORACLE.preload()
        self._server = _Server((self._host, self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.005},
            name=f"fake-segmind-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSegmind:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], fake: FakeSegmind
    ) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def track(self, sock: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(sock)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("fake Segmind: error while serving %s", client_address, exc_info=True)


class _Abort(Exception):
    """Stop handling this request and drop the connection."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    # -- plumbing ---------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        # As real HTTP servers do: no Nagle delay between the head and the first chunks
        # (with a client's delayed ACK it costs 40 ms on a reused connection).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except _Abort:
            self._abort()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake Segmind: " + format, *args)

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    @property
    def fake(self) -> FakeSegmind:
        return self.server.fake

    def _wait(self, seconds: float) -> None:
        if seconds > 0 and self.fake._stopping.wait(seconds):
            raise _Abort

    # -- requests -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        self.fake._record(
            RequestRecord(
                method=method,
                path=path,
                headers={k.lower(): v for k, v in self.headers.items()},
                json=body,
                raw_body=raw,
                time=time.monotonic(),
            )
        )
        endpoint = {CHAT_PATH: "chat", CREDITS_PATH: "credits"}.get(path)
        settings = self.fake.snapshot()
        if endpoint == "chat":
            self._wait(settings.header_delay)
            if settings.hold is not None:
                while not settings.hold.wait(0.02):
                    if self.fake._stopping.is_set():
                        raise _Abort
        fault = self.fake._take_fault(endpoint)
        if fault is not None and fault.drop:
            raise _Abort
        key = self.headers.get("x-api-key")
        bearer = self.headers.get("Authorization", "")
        if bearer.startswith("Bearer "):
            key = key or bearer[len("Bearer ") :]
        if settings.api_key is not None and key != settings.api_key:
            self._error(401, "json", None)
            return
        if fault is not None and fault.status is not None:
            self._error(fault.status, fault.body, fault.retry_after)
            return
        if endpoint is None:
            self._error(404, "json", None)
            return
        if endpoint == "credits":
            if method != "GET":
                self._error(405, "json", None)
                return
            if fault is not None and fault.malformed is not None:
                self._malformed(fault.malformed, "")
                return
            self._json(200, {"credits": settings.credits, "free-credits": settings.free_credits})
            return
        if method != "POST":
            self._error(405, "json", None)
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._error(400, "json", None)
            return
        if settings.reject_stream and "stream" in body:
            self._error(settings.reject_stream_status, "json", None)
            return
        refused = [name for name in settings.reject_fields if name in body]
        if refused:
            self._refuse_fields(settings.reject_fields_status, refused)
            return
        if settings.raw_body is not None:
            content_type = settings.content_type or "text/event-stream"
            self._head(200, content_type, {"Transfer-Encoding": "chunked"})
            self.end_headers()
            self._send_sse(settings, settings.raw_body)
            self.wfile.write(b"0\r\n\r\n")
            self.fake._reply_sent()
            return
        self._chat(settings, body, fault)
        self.fake._reply_sent()

    # -- replies ------------------------------------------------------------------

    def _head(self, status: int, content_type: str | None, extra: dict[str, str]) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        credits = self.fake.credits_header_value()
        if credits is not None:
            self.send_header("x-remaining-credits", credits)
        for name, value in extra.items():
            self.send_header(name, value)

    def _full(
        self,
        status: int,
        payload: bytes,
        content_type: str | None,
        extra: dict[str, str] | None = None,
        cut: bool = False,
    ) -> None:
        self._head(status, content_type, {**(extra or {}), "Content-Length": str(len(payload))})
        self.end_headers()
        if cut:
            self.wfile.write(payload[: len(payload) // 2])
            raise _Abort
        self.wfile.write(payload)

    def _json(self, status: int, value: Any, cut: bool = False) -> None:
        charset = self.fake.snapshot().charset
        content_type = self.fake.snapshot().content_type or (
            "application/json" + (f"; charset={charset}" if charset else "")
        )
        payload = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self._full(status, payload, content_type, cut=cut)

    def _refuse_fields(self, status: int, names: list[str]) -> None:
        """A validation error: 422 names each field as FastAPI does; 400 names nothing."""
        if status == 422:
            detail = [
                {"loc": ["body", name], "msg": "Input should be valid", "type": "value_error"}
                for name in names
            ]
            payload = json.dumps({"detail": detail}).encode()
        else:
            payload = json.dumps({"error": "Bad request"}).encode()
        self._full(status, payload, "application/json", {})

    def _error(self, status: int, kind: str, retry_after: str | None) -> None:
        extra = {"Retry-After": retry_after} if retry_after is not None else {}
        if kind == "json":
            payload = json.dumps(
                {"error": f"secret-server-text for {status}", "status": status}
            ).encode()
            self._full(status, payload, "application/json", extra)
        elif kind == "html":
            self._full(status, HTML_PAGE.encode(), "text/html; charset=utf-8", extra)
        else:
            self._full(status, b"", None, extra)

    def _chat(self, settings: Settings, body: dict[str, Any], fault: Fault | None) -> None:
        messages: list[dict[str, Any]] = body["messages"]
        reply = settings.reply
        text = reply(messages) if callable(reply) else reply
        if text is None:
            text = default_reply(messages)
        usage = _LazyUsage(settings, messages, text)
        malformed = fault.malformed if fault is not None else None
        cut_after = fault.cut_after if fault is not None else None
        self._charged = False
        if settings.header_after_charge and cut_after is None:
            self._charge()
        if malformed is not None and not malformed.startswith("sse_"):
            self._malformed(malformed, text)
            return
        sse = settings.mode == "sse" or (settings.mode == "auto" and body.get("stream") is True)
        if sse or malformed is not None:
            self._stream(settings, text, usage, malformed, cut_after)
        else:
            completion = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": MODEL_SLUG,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": settings.finish_reason,
                    }
                ],
            }
            if settings.include_usage:
                completion["usage"] = usage.get()
            self._json(200, completion, cut=cut_after is not None)
            if cut_after is None:
                self._charge()

    def _charge(self) -> None:
        """Take this call's cost off the balance, once."""
        if not getattr(self, "_charged", False):
            self._charged = True
            self.fake._charge()

    def _malformed(self, kind: str, text: str) -> None:
        def completion(message: Any) -> dict[str, Any]:
            return {"object": "chat.completion", "choices": [{"index": 0, "message": message}]}

        if kind == "html":
            self._full(200, HTML_PAGE.encode(), "text/html")
        elif kind == "empty":
            self._full(200, b"", "application/json")
        elif kind == "invalid_json":
            self._full(200, b'{"choices": [{"message": {"content": "abc', "application/json")
        elif kind == "not_object":
            self._json(200, ["not", "an", "object"])
        elif kind == "no_choices":
            self._json(200, {"id": "x", "object": "chat.completion"})
        elif kind == "empty_choices":
            self._json(200, {"choices": []})
        elif kind == "no_message":
            self._json(200, {"choices": [{"index": 0, "finish_reason": "stop"}]})
        elif kind == "content_null":
            self._json(200, completion({"role": "assistant", "content": None}))
        elif kind == "content_not_string":
            self._json(200, completion({"role": "assistant", "content": [1, 2]}))
        elif kind == "error_field":
            self._json(200, {"error": {"message": "secret-server-text", "code": 500}})
        elif kind == "oversize":
            filler = b"x" * (1024 * 1024)
            head = b'{"choices": [{"message": {"content": "'
            tail = b'"}}]}'
            size = len(head) + 21 * len(filler) + len(tail)
            self._head(200, "application/json", {"Content-Length": str(size)})
            self.end_headers()
            self.wfile.write(head)
            for _ in range(21):
                self.wfile.write(filler)
            self.wfile.write(tail)

    def _stream(
        self,
        settings: Settings,
        text: str,
        usage: _LazyUsage,
        malformed: str | None,
        cut_after: int | None,
    ) -> None:
        content_type = settings.content_type or (
            "text/event-stream" + (f"; charset={settings.charset}" if settings.charset else "")
        )
        self._head(200, content_type, {"Cache-Control": "no-cache", "Transfer-Encoding": "chunked"})
        self.end_headers()
        eol = settings.line_ending
        sent = 0

        def event(data: str, name: str | None = None, last_text: bool = False) -> None:
            nonlocal sent
            if cut_after is not None and sent >= cut_after:
                raise _Abort
            lines = [": keep-alive"] if settings.keepalive_comments else []
            if name is not None:
                lines.append(f"event: {name}")
            lines.extend(f"data: {line}" for line in data.split("\n"))
            payload = (eol.join(lines) + eol + eol).encode("utf-8")
            started = time.monotonic()
            self._send_sse(settings, payload)
            if last_text:
                self.fake._text_sent(started)
            sent += 1
            self._wait(settings.chunk_delay)

        def chunk(
            delta: dict[str, Any], finish: str | None = None, last_text: bool = False,
            **extra: Any,
        ) -> None:
            value = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": MODEL_SLUG,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            indent = 1 if settings.multiline_data else None
            event(json.dumps(value, ensure_ascii=False, indent=indent), last_text=last_text)

        if malformed == "sse_no_events":
            if cut_after is None:
                self._charge()
            self._send_sse(settings, f": nothing to say{eol}{eol}".encode())
        else:
            if settings.role_event:
                chunk({"role": "assistant", "content": ""})
            pieces = _split(text, settings.chunks, settings.chunk_size)
            for index, piece in enumerate(pieces):
                chunk({"content": piece}, last_text=index == len(pieces) - 1)
                if index == 0 and malformed is not None:
                    if malformed == "sse_invalid_json":
                        event('{"choices": [{"delta": {"content": "broken')
                    elif malformed == "sse_not_object":
                        event("42")
                    elif malformed == "sse_content_not_string":
                        chunk({"content": {"text": "no"}})
                    elif malformed == "sse_error_event":
                        event('{"message": "secret-server-text"}', name="error")
            final_extra = {"usage": usage.get()} if settings.include_usage else {}
            if cut_after is None:
                self._charge()  # (before the reply ends: the next request sees it)
            chunk({}, settings.finish_reason, **final_extra)
            if settings.send_done:
                event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")

    def _send_sse(self, settings: Settings, data: bytes) -> None:
        for piece in _pieces(data, settings.write_size, settings.split_multibyte):
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")


def _split(text: str, chunks: int | None, chunk_size: int) -> list[str]:
    if not text:
        return []
    size = -(-len(text) // chunks) if chunks is not None and chunks > 0 else max(1, chunk_size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _pieces(data: bytes, write_size: int | None, split_multibyte: bool) -> list[bytes]:
    """Cut ``data`` into HTTP chunks: fixed size, and/or inside every multi-byte char."""
    cuts = set()
    if write_size:
        cuts.update(range(write_size, len(data), write_size))
    if split_multibyte:
        cuts.update(i for i in range(1, len(data)) if data[i] & 0xC0 == 0x80)
    bounds = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake Segmind API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=MODES, default="auto")
    parser.add_argument("--key", default=FAKE_KEY, help="accepted API key ('*' accepts any)")
    parser.add_argument("--reply", default=None, help="fixed reply text (default: echo)")
    parser.add_argument("--chunk-size", type=int, default=8)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--header-delay", type=float, default=0.0)
    parser.add_argument("--credits", type=float, default=100.0, help="x-remaining-credits start")
    parser.add_argument("--reject-stream", action="store_true")
    args = parser.parse_args(argv)
    server = FakeSegmind(
        host=args.host,
        port=args.port,
        api_key=None if args.key == "*" else args.key,
        mode=args.mode,
        reply=args.reply,
        chunk_size=args.chunk_size,
        chunk_delay=args.chunk_delay,
        header_delay=args.header_delay,
        remaining_credits=args.credits,
        reject_stream=args.reject_stream,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        print(server.base_url, flush=True)
        try:
            while not stop.wait(0.1):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
