"""The Segmind client against the fake Segmind on loopback (real HTTP, no mocks)."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.core.domain.tokens import TokenCounter
from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.client import SegmindClient
from mixtral_desktop.core.segmind.config import (
    DEFAULT_BASE_URL,
    ClientConfig,
    check_base_url,
    key_from_environment,
)
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
    SegmindError,
    ServerError,
    Timeout,
)
from mixtral_desktop.core.segmind.headers import (
    parse_credits_header,
    parse_retry_after,
    server_detail,
)
from mixtral_desktop.core.segmind.protocol import ChatReply, Credits
from tests.fakes.segmind_server import (
    CHAT_PATH,
    CREDITS_PATH,
    FAKE_KEY,
    MALFORMED,
    FakeSegmind,
    default_reply,
    fake_usage,
)

log = logging.getLogger(__name__)

USER = [{"role": "user", "content": "Bonjour"}]
INTERNATIONAL = "Voilà : déjà vu, garçon, naïve cœur — 🎉🙂 ✓ 日本語 Ünïcödé"
WAIT = 5.0  # the most any test waits for something that should happen at once


def client_for(server: FakeSegmind, **config: Any) -> SegmindClient:
    return SegmindClient(FAKE_KEY, ClientConfig(base_url=server.base_url, **config))


@pytest.fixture
def client(fake_segmind: FakeSegmind) -> Iterator[SegmindClient]:
    with client_for(fake_segmind) as c:
        yield c


def assert_clean(error: SegmindError) -> None:
    """No key and no markup in what the user will read; server text only as a quote."""
    text = f"{error} {error.user_message}"
    assert FAKE_KEY not in text
    if "secret-server-text" in text:
        assert "Segmind said: “secret-server-text" in text
    assert "<" not in text


# -- configuration -----------------------------------------------------------------------


def test_config_defaults() -> None:
    config = ClientConfig.from_env({})
    assert config == ClientConfig(DEFAULT_BASE_URL, 10.0, 300.0)
    assert DEFAULT_BASE_URL == "https://api.segmind.com/v1"


def test_config_from_env() -> None:
    config = ClientConfig.from_env(
        {"SEGMIND_API_BASE": " http://127.0.0.1:9/v1// ", "SEGMIND_READ_TIMEOUT": "12.5"}
    )
    assert config.base_url == "http://127.0.0.1:9/v1"
    assert config.read_timeout == 12.5
    assert config.connect_timeout == 10.0


@pytest.mark.parametrize("value", ["", "abc", "0", "-3", "nan", "inf", " "])
def test_invalid_read_timeout_falls_back(value: str) -> None:
    assert ClientConfig.from_env({"SEGMIND_READ_TIMEOUT": value}).read_timeout == 300.0


def test_blank_base_falls_back() -> None:
    assert ClientConfig.from_env({"SEGMIND_API_BASE": "  "}).base_url == DEFAULT_BASE_URL


def test_key_from_environment() -> None:
    assert key_from_environment({"SEGMIND_API_KEY": f"  {FAKE_KEY}\n"}) == FAKE_KEY
    assert key_from_environment({"SEGMIND_API_KEY": "   "}) is None
    assert key_from_environment({}) is None


def test_env_base_url_is_used(fake_segmind: FakeSegmind) -> None:
    env = {"SEGMIND_API_BASE": fake_segmind.base_url + "/", "SEGMIND_API_KEY": FAKE_KEY}
    key = key_from_environment(env)
    assert key is not None
    with SegmindClient(key, ClientConfig.from_env(env)) as client:
        client.chat(USER)
    assert [r.path for r in fake_segmind.log] == [CHAT_PATH]


@pytest.mark.parametrize(
    "url",
    [
        "http://api.segmind.com/v1",
        "http://10.0.0.1/v1",
        "http://192.168.1.2:8080/v1",
        "http://127.0.0.1.example.com/v1",
        "http://localhost.example.com/v1",
        "http://[2001:db8::1]/v1",
        "ftp://127.0.0.1/v1",
        "file:///etc/passwd",
        "api.segmind.com/v1",
        "https://",
        "http://127.0.0.1:notaport/v1",
        "http://[::1/v1",
        "",
    ],
)
def test_insecure_or_invalid_base_url_refused(url: str) -> None:
    with pytest.raises(InsecureBaseUrl):
        SegmindClient(FAKE_KEY, ClientConfig(base_url=url))


@pytest.mark.parametrize(
    "url",
    [
        "https://api.segmind.com/v1",
        "HTTPS://example.org/v1/",
        "http://127.0.0.1:1/v1",
        "http://127.9.8.7/v1",
        "http://localhost:8080/v1",
        "http://LOCALHOST./v1",
        "http://[::1]:8080/v1",
        "http://[::ffff:127.0.0.1]:8080/v1",
    ],
)
def test_https_and_loopback_http_allowed(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")
    SegmindClient(FAKE_KEY, ClientConfig(base_url=url)).close()


def test_localhost_reaches_the_server(fake_segmind: FakeSegmind) -> None:
    url = f"http://localhost:{fake_segmind.port}/v1"
    with SegmindClient(FAKE_KEY, ClientConfig(base_url=url)) as client:
        assert client.chat(USER).text == default_reply(USER)


def test_ipv6_loopback_reaches_the_server() -> None:
    try:
        server = FakeSegmind(host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with server, client_for(server) as client:
        assert server.base_url.startswith("http://[::1]:")
        assert client.chat(USER).text == default_reply(USER)


def test_blank_and_odd_keys_refused() -> None:
    config = ClientConfig(base_url="http://127.0.0.1:1/v1")
    with pytest.raises(MissingKey):
        SegmindClient("  \n", config)
    with pytest.raises(AuthError) as caught:
        SegmindClient("sk-test FAKE", config)
    assert "FAKE" not in str(caught.value)
    with pytest.raises(AuthError):
        SegmindClient("sk-tést", config)


def test_repr_hides_key(client: SegmindClient) -> None:
    assert FAKE_KEY not in repr(client)
    assert FAKE_KEY not in str(vars(client).get("_config"))


# -- the request -----------------------------------------------------------------------


def test_request_url_headers_and_payload(fake_segmind: FakeSegmind) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": INTERNATIONAL},
        {"role": "assistant", "content": "Oui."},
        {"role": "user", "content": "Et alors ?"},
    ]
    with SegmindClient(f"  {FAKE_KEY} ", ClientConfig(base_url=fake_segmind.base_url)) as client:
        client.chat(messages, params={"temperature": 0.2, "stream": False, "messages": []})
    (record,) = fake_segmind.log
    assert record.method == "POST"
    assert record.path == "/v1/mixtral-8x22b-instruct"
    assert record.headers["x-api-key"] == FAKE_KEY
    assert record.headers["content-type"].startswith("application/json")
    assert "authorization" not in record.headers
    assert record.json == {"messages": messages, "stream": True, "temperature": 0.2}
    assert json.loads(record.raw_body.decode("utf-8")) == record.json


def test_key_never_logged(
    fake_segmind: FakeSegmind, client: SegmindClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_segmind.fail_next(status=401)
    with pytest.raises(AuthError):
        client.chat(USER)
    client.chat(USER)
    client.get_credits()
    assert caplog.records
    assert FAKE_KEY not in caplog.text


# -- replies ---------------------------------------------------------------------------


def test_json_reply(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.configure(mode="json", reply=INTERNATIONAL, remaining_credits=42.5)
    deltas: list[str] = []
    reply = client.chat(USER, on_delta=deltas.append)
    assert reply == ChatReply(
        text=INTERNATIONAL,
        usage=Usage(**fake_usage(USER, INTERNATIONAL)),
        remaining_credits=42.5,
        finish_reason="stop",
        streamed=False,
    )
    assert deltas == []
    # Token counts, as a real server reports them: the prompt as the app counts it, the
    # reply's tokens and its </s>.
    counter = TokenCounter()
    assert reply.usage == Usage(5, 33, 38)
    assert reply.usage.prompt_tokens == counter.count(USER)
    assert reply.usage.completion_tokens == counter.count_text(INTERNATIONAL) + 1


def test_sse_reply(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.configure(mode="sse", chunk_size=5)
    deltas: list[str] = []
    reply = client.chat(USER, on_delta=deltas.append)
    expected = default_reply(USER)
    assert reply.streamed is True
    assert reply.text == expected == "".join(deltas)
    assert all(deltas)
    assert reply.usage == Usage(**fake_usage(USER, expected))
    assert reply.usage.prompt_tokens == TokenCounter().count(USER)
    assert reply.finish_reason == "stop"
    assert reply.remaining_credits == 100.0


@pytest.mark.parametrize("mode", ["json", "sse"])
def test_usage_the_fake_reports(
    fake_segmind: FakeSegmind, client: SegmindClient, mode: str
) -> None:
    """Real token counts; the word count only for a request the v3 template refuses (a
    reply last); a ``usage`` setting wins; a reply cut at max_tokens has no </s>."""
    fake_segmind.configure(mode=mode, reply="un deux trois")
    assert client.chat(USER).usage == Usage(5, 4, 9)  # <s>[INST] Bonjour [/INST]; 3 + </s>
    refused = [*USER, {"role": "assistant", "content": "Salut !"}]
    assert client.chat(refused).usage == Usage(3, 4, 7)  # 1 + 2 words
    fake_segmind.configure(finish_reason="length")
    assert client.chat(USER).usage == Usage(5, 3, 8)
    fake_segmind.configure(usage={"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9})
    assert client.chat(USER).usage == Usage(7, 2, 9)


def test_what_arrives_apart_is_handed_over_apart(fake_segmind: FakeSegmind) -> None:
    """Each read hands over every piece it completed (a burst in one go); pieces sent
    apart in time reach ``on_delta`` apart, as they arrive."""
    fake_segmind.configure(mode="sse", chunks=4, chunk_delay=0.1, role_event=False)
    deltas: list[str] = []
    with client_for(fake_segmind) as client:
        reply = client.chat(USER, on_delta=deltas.append)
    assert "".join(deltas) == reply.text == default_reply(USER)
    assert len(deltas) >= 3  # (two of four may meet in one read on a very busy machine)


def test_auto_mode_streams_because_the_client_asks(
    fake_segmind: FakeSegmind, client: SegmindClient
) -> None:
    assert fake_segmind.mode == "auto"
    assert client.chat(USER).streamed is True


def test_reply_echoes_the_right_conversation(client: SegmindClient) -> None:
    first = client.chat([{"role": "user", "content": "tab one"}])
    second = client.chat([{"role": "user", "content": "tab two"}])
    assert "You said: tab one" in first.text
    assert "You said: tab two" in second.text


@pytest.mark.parametrize(
    "options",
    [
        {"send_done": False},
        {"line_ending": "\r\n"},
        {"line_ending": "\r"},
        {"keepalive_comments": True},
        {"multiline_data": True},
        {"role_event": False},
        {"include_usage": False},
        {"chunk_size": 1, "write_size": 1},
        {"write_size": 7, "line_ending": "\r\n", "multiline_data": True},
        {"finish_reason": None},
    ],
    ids=lambda options: ",".join(f"{k}={v!r}" for k, v in options.items()),
)
def test_sse_variants(
    fake_segmind: FakeSegmind, client: SegmindClient, options: dict[str, Any]
) -> None:
    fake_segmind.configure(mode="sse", reply=INTERNATIONAL, **options)
    deltas: list[str] = []
    reply = client.chat(USER, on_delta=deltas.append)
    assert reply.text == INTERNATIONAL == "".join(deltas)
    assert reply.streamed
    include_usage = options.get("include_usage", True)
    assert (reply.usage is not None) == include_usage
    assert reply.finish_reason == options.get("finish_reason", "stop")


@pytest.mark.parametrize("charset", [None, "utf-8", "iso-8859-1", "windows-1252"])
@pytest.mark.parametrize("mode", ["json", "sse"])
@pytest.mark.parametrize("split", [False, True], ids=["whole", "split-multibyte"])
def test_text_is_always_utf8(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
    charset: str | None,
    mode: str,
    split: bool,
) -> None:
    fake_segmind.configure(
        mode=mode, charset=charset, split_multibyte=split, reply=INTERNATIONAL, chunk_size=3
    )
    deltas: list[str] = []
    reply = client.chat(USER, on_delta=deltas.append)
    assert reply.text == INTERNATIONAL
    if mode == "sse":
        assert "".join(deltas) == INTERNATIONAL


def test_multibyte_split_really_crosses_reads(fake_segmind: FakeSegmind) -> None:
    """The fake cuts every multi-byte character into separate HTTP chunks."""
    fake_segmind.configure(mode="sse", split_multibyte=True, reply="é", role_event=False)
    response = requests.post(
        fake_segmind.base_url + "/mixtral-8x22b-instruct",
        json={"messages": USER},
        headers={"x-api-key": FAKE_KEY},
        stream=True,
        timeout=WAIT,
    )
    with response:
        pieces = []
        while piece := response.raw.read1(65536):
            pieces.append(piece)
    cut_inside = [
        a.endswith(b"\xc3") and b.startswith(b"\xa9") for a, b in itertools.pairwise(pieces)
    ]
    assert any(cut_inside)


@pytest.mark.parametrize(
    ("mode", "content_type"),
    [
        ("sse", "application/json"),
        ("sse", "text/plain"),
        ("sse", "text/html"),
        ("json", "text/event-stream"),
        ("json", "text/plain; charset=iso-8859-1"),
        ("json", "application/octet-stream"),
    ],
)
def test_lying_content_type(
    fake_segmind: FakeSegmind, client: SegmindClient, mode: str, content_type: str
) -> None:
    fake_segmind.configure(mode=mode, content_type=content_type, reply=INTERNATIONAL)
    reply = client.chat(USER)
    assert reply.text == INTERNATIONAL
    assert reply.streamed is (mode == "sse")


def test_stream_without_choices_content_is_an_empty_reply_not_a_crash(
    fake_segmind: FakeSegmind, client: SegmindClient
) -> None:
    fake_segmind.configure(mode="sse", reply="")
    reply = client.chat(USER)
    assert reply.text == ""
    assert reply.streamed


def test_usage_only_chunk_and_message_style_events(
    fake_segmind: FakeSegmind, client: SegmindClient
) -> None:
    fake_segmind.configure(
        raw_body=(
            b'data: {"choices": [{"index": 0, "message": {"content": "whole"}}]}\n\n'
            b'data: {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}\n\n'
            b"data: [DONE]\n\n"
        )
    )
    reply = client.chat(USER)
    assert reply.text == "whole"
    assert reply.usage == Usage(3, 4, 7)


def test_events_after_done_are_ignored(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.configure(
        raw_body=b'data: {"choices": [{"delta": {"content": "a"}}]}\n\ndata: [DONE]\n\ndata: {bad'
    )
    assert client.chat(USER).text == "a"


def test_on_delta_exceptions_propagate_unchanged(client: SegmindClient) -> None:
    class Boom(Exception):
        pass

    def on_delta(text: str) -> None:
        raise Boom(text)

    with pytest.raises(Boom):
        client.chat(USER, on_delta=on_delta)
    assert client.chat(USER).text  # the client is still fine


# -- stream rejection ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 422])
def test_stream_rejection_falls_back_and_is_remembered(
    fake_segmind: FakeSegmind, client: SegmindClient, status: int
) -> None:
    fake_segmind.configure(reject_stream=True, reject_stream_status=status, reply=INTERNATIONAL)
    assert client.stream_supported
    deltas: list[str] = []
    reply = client.chat(USER, on_delta=deltas.append)
    assert reply.text == INTERNATIONAL
    assert reply.streamed is False
    assert deltas == []
    assert [r.json.get("stream") for r in fake_segmind.log] == [True, None]
    assert fake_segmind.log[1].json == {"messages": USER}
    assert client.stream_supported is False

    fake_segmind.clear_log()
    assert client.chat(USER).text == INTERNATIONAL
    assert [r.has_stream_field for r in fake_segmind.log] == [False]


@pytest.mark.parametrize("status", [401, 404, 405, 406, 429])
def test_no_fallback_for_statuses_that_mean_something_else(
    fake_segmind: FakeSegmind, client: SegmindClient, status: int
) -> None:
    fake_segmind.fail_next(status=status)
    with pytest.raises(SegmindError):
        client.chat(USER)
    assert len(fake_segmind.log) == 1
    assert client.stream_supported


def test_rejection_not_about_stream_is_not_remembered(
    fake_segmind: FakeSegmind, client: SegmindClient
) -> None:
    fake_segmind.set_fault(status=400)
    with pytest.raises(RequestRejected) as caught:
        client.chat(USER)
    assert caught.value.status == 400
    assert [r.has_stream_field for r in fake_segmind.log] == [True, False]
    assert client.stream_supported  # the retry failed too: "stream" was not the problem


# -- credits -----------------------------------------------------------------------------


def test_credits_header_follows_every_reply(
    fake_segmind: FakeSegmind, client: SegmindClient
) -> None:
    fake_segmind.configure(remaining_credits=10.0, credit_cost=0.5)
    assert client.chat(USER).remaining_credits == 10.0
    assert client.chat(USER).remaining_credits == 9.5
    fake_segmind.fail_next(status=500)
    with pytest.raises(ServerError) as caught:
        client.chat(USER)
    assert caught.value.remaining_credits == 9.0


@pytest.mark.parametrize(
    ("kind", "fault"),
    [
        ("status", {"status": 406, "body": "html"}),
        ("malformed", {"malformed": "html"}),
        ("cut", {"cut_after": 2}),
    ],
)
def test_credits_header_on_errors(
    fake_segmind: FakeSegmind, client: SegmindClient, kind: str, fault: dict[str, Any]
) -> None:
    fake_segmind.configure(credits_header="3.25")
    fake_segmind.fail_next(**fault)
    with pytest.raises(SegmindError) as caught:
        client.chat(USER)
    assert caught.value.remaining_credits == 3.25


@pytest.mark.parametrize("value", ["n/a", "", "nan", "1,5"])
def test_non_numeric_credits_header(
    fake_segmind: FakeSegmind, client: SegmindClient, value: str
) -> None:
    fake_segmind.configure(credits_header=value)
    assert client.chat(USER).remaining_credits is None


def test_missing_credits_header(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.configure(send_credits_header=False)
    assert client.chat(USER).remaining_credits is None


def test_parse_credits_header() -> None:
    assert parse_credits_header(" 12.5 ") == 12.5
    assert parse_credits_header("0") == 0.0
    assert parse_credits_header(None) is None
    assert parse_credits_header("inf") is None


def test_get_credits(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.configure(credits=2.0, free_credits=0.0184921035)
    credits = client.get_credits()
    assert credits == Credits(2.0, 0.0184921035)
    assert credits.total == pytest.approx(2.0184921035)
    (record,) = fake_segmind.log
    assert (record.method, record.path) == ("GET", CREDITS_PATH)
    assert record.headers["x-api-key"] == FAKE_KEY


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 401}, AuthError),
        ({"status": 500, "body": "html"}, ServerError),
        ({"status": 429, "retry_after": "3"}, RateLimited),
        ({"drop": True}, NetworkError),
    ],
)
def test_get_credits_errors(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
    fault: dict[str, Any],
    error: type[SegmindError],
) -> None:
    fake_segmind.fail_next(endpoint="credits", **fault)
    with pytest.raises(error):
        client.get_credits()


@pytest.mark.parametrize("kind", ["html", "empty", "invalid_json", "not_object", "error_field"])
def test_get_credits_malformed(fake_segmind: FakeSegmind, client: SegmindClient, kind: str) -> None:
    fake_segmind.fail_next(endpoint="credits", malformed=kind)
    with pytest.raises(BadResponse) as caught:
        client.get_credits()
    assert_clean(caught.value)
    assert caught.value.remaining_credits == 100.0


@pytest.mark.parametrize("credits", [float("nan"), "lots"])
def test_get_credits_not_numbers(
    fake_segmind: FakeSegmind, client: SegmindClient, credits: Any
) -> None:
    fake_segmind.configure(credits=credits)
    with pytest.raises(BadResponse):
        client.get_credits()


def test_get_credits_numeric_strings(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.configure(credits="2.5", free_credits=0)
    assert client.get_credits() == Credits(2.5, 0.0)


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["json", "html", "empty"])
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (404, ModelNotFound),
        (405, MethodNotAllowed),
        (406, CreditsExhausted),
        (429, RateLimited),
        (400, RequestRejected),
        (403, RequestRejected),
        (413, RequestRejected),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (302, BadResponse),
    ],
)
def test_status_codes_map_to_typed_errors(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
    status: int,
    error: type[SegmindError],
    body: str,
) -> None:
    fake_segmind.set_fault(status=status, body=body)
    with pytest.raises(error) as caught:
        client.chat(USER)
    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.remaining_credits == 100.0
    assert_clean(caught.value)


def test_redirect_is_not_followed(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.fail_next(status=307)
    with pytest.raises(BadResponse):
        client.chat(USER)
    assert len(fake_segmind.log) == 1


def test_wrong_key_is_auth_error(fake_segmind: FakeSegmind) -> None:
    fake_segmind.configure(api_key="sk-test-FAKE-other")
    with client_for(fake_segmind) as client, pytest.raises(AuthError):
        client.chat(USER)


def test_wrong_path_is_model_not_found(fake_segmind: FakeSegmind) -> None:
    config = ClientConfig(base_url=fake_segmind.url("/v2"))
    with SegmindClient(FAKE_KEY, config) as client, pytest.raises(ModelNotFound):
        client.chat(USER)


def test_retry_after_seconds(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.fail_next(status=429, retry_after="7")
    with pytest.raises(RateLimited) as caught:
        client.chat(USER)
    assert caught.value.retry_after == 7.0
    assert "7 s" in caught.value.user_message


def test_retry_after_http_date(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    fake_segmind.fail_next(status=429, retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(RateLimited) as caught:
        client.chat(USER)
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 31


@pytest.mark.parametrize("value", [None, "soon", "-5", ""])
def test_retry_after_absent_or_invalid(
    fake_segmind: FakeSegmind, client: SegmindClient, value: str | None
) -> None:
    fake_segmind.fail_next(status=429, retry_after=value)
    with pytest.raises(RateLimited) as caught:
        client.chat(USER)
    assert caught.value.retry_after is None


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Wed, 01 May 2024 12:01:30 GMT", now) == 90.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("Wednesday, 01-May-24 12:00:10 GMT", now) == 10.0
    assert parse_retry_after("nonsense", now) is None
    assert parse_retry_after("nan", now) is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_network_error() -> None:
    config = ClientConfig(base_url=f"http://127.0.0.1:{closed_port()}/v1")
    with SegmindClient(FAKE_KEY, config) as client:
        with pytest.raises(NetworkError) as caught:
            client.chat(USER)
        assert_clean(caught.value)
        with pytest.raises(NetworkError):
            client.get_credits()


def test_connection_closed_without_reply(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.fail_next(drop=True)
    with pytest.raises(NetworkError):
        client.chat(USER)
    assert client.chat(USER).text  # next call works


def test_read_timeout_waiting_for_headers(fake_segmind: FakeSegmind) -> None:
    fake_segmind.configure(hold=threading.Event())
    with client_for(fake_segmind, read_timeout=0.2) as client:
        start = time.monotonic()
        with pytest.raises(Timeout) as caught:
            client.chat(USER)
    assert time.monotonic() - start < 2
    assert caught.value.remaining_credits is None


def test_read_timeout_while_streaming(fake_segmind: FakeSegmind) -> None:
    fake_segmind.configure(mode="sse", chunk_delay=10, role_event=False)
    deltas: list[str] = []
    with client_for(fake_segmind, read_timeout=0.2) as client, pytest.raises(Timeout) as caught:
        client.chat(USER, on_delta=deltas.append)
    assert len(deltas) == 1
    assert caught.value.remaining_credits == 100.0


@pytest.mark.parametrize("mode", ["sse", "json"])
def test_stream_broken_midway_is_network_error(
    fake_segmind: FakeSegmind, client: SegmindClient, mode: str
) -> None:
    fake_segmind.configure(mode=mode, chunk_size=4)
    fake_segmind.fail_next(cut_after=3)
    deltas: list[str] = []
    with pytest.raises(NetworkError) as caught:
        client.chat(USER, on_delta=deltas.append)
    assert caught.value.remaining_credits == 100.0
    full = default_reply(USER)
    if mode == "sse":
        partial = "".join(deltas)
        assert partial and full.startswith(partial) and partial != full
    else:
        assert deltas == []


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_bodies_are_bad_response(
    fake_segmind: FakeSegmind, client: SegmindClient, kind: str
) -> None:
    fake_segmind.fail_next(malformed=kind)
    with pytest.raises(BadResponse) as caught:
        client.chat(USER)
    assert caught.value.remaining_credits == 100.0
    assert_clean(caught.value)
    assert client.chat(USER).text  # and the client recovers


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n\n",
        b"data: [DONE]\n\n",
        b'data: {"id": 1}\n\n',
        b'data: {"choices": {"0": 1}}\n\n',
        b'data: {"choices": ["x"]}\n\n',
        b'data: {"choices": [{"delta": "text"}]}\n\n',
        b'data: {"error": "secret-server-text"}\n\n',
        b"data: " + b"[" * 100_000 + b"\n\n",
        b"\xff\xfe\x00garbage",
        b"<html>secret-server-text</html>",
        b"event: error\ndata: secret-server-text\n\n",
    ],
)
def test_malformed_streams(fake_segmind: FakeSegmind, client: SegmindClient, body: bytes) -> None:
    fake_segmind.configure(raw_body=body)
    with pytest.raises(BadResponse) as caught:
        client.chat(USER)
    assert_clean(caught.value)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeSegmind]:
    with FakeSegmind() as server:
        yield server


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["choices", "delta", "message", "content", "usage", "error", "x"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=10,
)


def event_bytes(draw_value: Any) -> bytes:
    if isinstance(draw_value, bytes):
        return b"data: " + draw_value + b"\n\n"
    return b"data: " + json.dumps(draw_value).encode() + b"\n\n"


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(
        st.binary(max_size=30)
        | json_values
        | st.fixed_dictionaries({"choices": st.lists(json_values, max_size=2)})
        | st.fixed_dictionaries(
            {"choices": st.just([{}]).map(lambda _: [{"delta": {"content": "ok"}}])}
        ),
        max_size=5,
    ),
    done=st.booleans(),
    content_type=st.sampled_from(["text/event-stream", "application/json", None]),
)
def test_random_events_only_raise_segmind_errors(
    shared_server: FakeSegmind, events: list[Any], done: bool, content_type: str | None
) -> None:
    body = b"".join(event_bytes(e) for e in events) + (b"data: [DONE]\n\n" if done else b"")
    shared_server.configure(raw_body=body, content_type=content_type)
    with client_for(shared_server) as client:
        try:
            reply = client.chat(USER, on_delta=lambda text: None)
        except SegmindError:
            return
    assert isinstance(reply.text, str)


def test_oversized_json_refused(fake_segmind: FakeSegmind, client: SegmindClient) -> None:
    fake_segmind.fail_next(malformed="oversize")
    with pytest.raises(BadResponse) as caught:
        client.chat(USER)
    assert "larger" in caught.value.user_message


# -- cancellation ---------------------------------------------------------------------------


def run_in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work``; the result dict gets 'error' or 'reply', and 'at' (monotonic)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["reply"] = work()
        except BaseException as error:
            result["error"] = error
        result["at"] = time.monotonic()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def cancel_and_measure(
    token: CancelToken,
    thread: threading.Thread,
    result: dict[str, Any],
    what: str,
) -> float:
    """Cancel, wait for the worker, check it raised Cancelled promptly; log the latency.

    See the figures with ``-o log_cli=true --log-cli-level=INFO``.
    """
    cancelled_at = time.monotonic()
    token.cancel()
    thread.join(WAIT)
    assert not thread.is_alive()
    latency = result["at"] - cancelled_at
    log.info("cancel latency %s: %.2f ms", what, latency * 1000)
    assert isinstance(result.get("error"), Cancelled), result
    assert latency < 0.5
    return latency


def test_cancel_before_start_sends_nothing(
    fake_segmind: FakeSegmind, client: SegmindClient
) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        client.chat(USER, cancel=token)
    with pytest.raises(Cancelled):
        client.get_credits(cancel=token)
    assert fake_segmind.log == []


def test_cancel_while_waiting_for_headers(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
) -> None:
    fake_segmind.configure(hold=threading.Event())  # a cold boot that never ends
    token = CancelToken()
    thread, result = run_in_thread(lambda: client.chat(USER, cancel=token))
    fake_segmind.wait_for_requests(1)
    cancel_and_measure(token, thread, result, "headers")
    assert result["error"].remaining_credits is None
    fake_segmind.configure(hold=None)
    assert client.chat(USER).text  # the client is still usable


def test_cancel_while_stream_is_stalled(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
) -> None:
    fake_segmind.configure(mode="sse", chunk_delay=30, role_event=False)
    token = CancelToken()
    first = threading.Event()
    deltas: list[str] = []

    def on_delta(text: str) -> None:
        deltas.append(text)
        first.set()

    thread, result = run_in_thread(lambda: client.chat(USER, on_delta=on_delta, cancel=token))
    assert first.wait(WAIT)
    cancel_and_measure(token, thread, result, "stalled_stream")
    assert len(deltas) == 1
    assert result["error"].remaining_credits == 100.0


def test_cancel_while_stream_is_flowing(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
) -> None:
    fake_segmind.configure(mode="sse", chunk_size=1, chunk_delay=0.001, reply="x" * 5000)
    token = CancelToken()
    some = threading.Event()
    deltas: list[str] = []

    def on_delta(text: str) -> None:
        deltas.append(text)
        if len(deltas) == 20:
            some.set()

    thread, result = run_in_thread(lambda: client.chat(USER, on_delta=on_delta, cancel=token))
    assert some.wait(WAIT)
    cancel_and_measure(token, thread, result, "flowing_stream")
    assert 20 <= len(deltas) < 5000


def test_cancel_json_request_while_held(
    fake_segmind: FakeSegmind,
    client: SegmindClient,
) -> None:
    fake_segmind.configure(mode="json", hold=threading.Event())
    token = CancelToken()
    thread, result = run_in_thread(lambda: client.get_credits(cancel=token))
    thread.join(WAIT)  # the credits endpoint is not held
    assert isinstance(result.get("reply"), Credits)
    thread, result = run_in_thread(lambda: client.chat(USER, cancel=token))
    fake_segmind.wait_for_requests(2)
    cancel_and_measure(token, thread, result, "json")


def _blackholed_port() -> tuple[socket.socket, list[socket.socket], int] | None:
    """A listening socket whose backlog is full: new connects hang (Linux drops SYNs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    probe = socket.socket()
    probe.settimeout(0.2)
    try:
        probe.connect(("127.0.0.1", port))
    except TimeoutError:
        return listener, fillers, port
    except OSError:
        pass
    finally:
        probe.close()
    listener.close()
    for filler in fillers:
        filler.close()
    return None


def test_cancel_while_connecting() -> None:
    blackhole = _blackholed_port()
    if blackhole is None:
        pytest.skip("cannot make a connect hang on this system")
    listener, fillers, port = blackhole
    try:
        config = ClientConfig(base_url=f"http://127.0.0.1:{port}/v1", connect_timeout=30)
        with SegmindClient(FAKE_KEY, config) as client:
            token = CancelToken()
            thread, result = run_in_thread(lambda: client.chat(USER, cancel=token))
            assert not token.wait(0.1)  # let it reach the hanging connect
            assert thread.is_alive()
            cancel_and_measure(token, thread, result, "connect")
    finally:
        listener.close()
        for filler in fillers:
            filler.close()


def test_connect_timeout() -> None:
    blackhole = _blackholed_port()
    if blackhole is None:
        pytest.skip("cannot make a connect hang on this system")
    listener, fillers, port = blackhole
    try:
        config = ClientConfig(base_url=f"http://127.0.0.1:{port}/v1", connect_timeout=0.2)
        with SegmindClient(FAKE_KEY, config) as client, pytest.raises(Timeout) as caught:
            client.chat(USER)
        assert "connect" in caught.value.user_message
    finally:
        listener.close()
        for filler in fillers:
            filler.close()


def test_cancel_one_of_two_concurrent_requests(fake_segmind: FakeSegmind) -> None:
    fake_segmind.hold_replies()
    with client_for(fake_segmind) as client:
        doomed, kept = CancelToken(), CancelToken()
        messages_a = [{"role": "user", "content": "tab A"}]
        messages_b = [{"role": "user", "content": "tab B"}]
        thread_a, result_a = run_in_thread(lambda: client.chat(messages_a, cancel=doomed))
        thread_b, result_b = run_in_thread(lambda: client.chat(messages_b, cancel=kept))
        fake_segmind.wait_for_requests(2)
        doomed.cancel()
        thread_a.join(WAIT)
        assert isinstance(result_a.get("error"), Cancelled)
        assert thread_b.is_alive()
        fake_segmind.release()
        thread_b.join(WAIT)
        assert "You said: tab B" in result_b["reply"].text
        assert not kept.cancelled


def test_cancel_token_is_idempotent_and_late_cancel_is_harmless(client: SegmindClient) -> None:
    token = CancelToken()
    assert client.chat(USER, cancel=token).text
    token.cancel()
    token.cancel()
    assert token.cancelled
    assert client.chat(USER).text


def test_loopback_base_url_ignores_proxy_settings(
    fake_segmind: FakeSegmind, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with client_for(fake_segmind) as client:
        assert client.chat(USER).text


def test_error_text_from_the_server_is_quoted_without_the_key(
    fake_segmind: FakeSegmind,
) -> None:
    """A server that echoes the key back in its error: the quote drops it."""
    body = json.dumps({"error": f"Key {FAKE_KEY} has no access; token "
                                f"{'a1b2c3d4' * 5} expired"}).encode()
    fake_segmind.configure(api_key=None)
    fake_segmind.set_fault(status=403, body="json")
    fake_segmind.configure(raw_body=None)
    with client_for(fake_segmind) as client, pytest.raises(SegmindError) as raised:
        client.chat(USER)
    assert "Segmind said" in raised.value.user_message
    assert FAKE_KEY not in raised.value.user_message
    detail = server_detail(body, FAKE_KEY)
    assert detail is not None and FAKE_KEY not in detail and "a1b2c3d4a1b2" not in detail
    assert "has no access" in detail
