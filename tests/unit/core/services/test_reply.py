"""A reply as a coroutine, against the fake Segmind on loopback: the text as it streams,
retries and their waits, the rate limit's queue, Stop, and the outbox's coalescing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.request import ChatRequest
from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.segmind.errors import AuthError, Cancelled, ServerError
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.reply import Outbox, stream_reply
from mixtral_desktop.core.services.retry import RetryPolicy
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind

REQUEST = ChatRequest(({"role": "user", "content": "Hello"},))


class Heard:
    """Everything a reply reported, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.text = ""

    def on_queued(self, seconds: float) -> None:
        self.events.append(("queued", seconds))

    def on_started(self) -> None:
        self.events.append(("started", None))

    def on_retrying(self, seconds: float, next_try: int, reason: str) -> None:
        self.events.append(("retrying", (seconds, next_try, reason)))

    def on_text(self, text: str) -> None:
        self.events.append(("text", text))
        self.text += text

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(2, thread_name_prefix="test-reply")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def provider(server: FakeSegmind, **options: Any) -> ClientProvider:
    config = ClientConfig(base_url=server.base_url, connect_timeout=5, read_timeout=30)
    options.setdefault("retry", RetryPolicy(base_delay=0.05, max_delay=0.1))
    return ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, **options)


def test_the_reply_streams_in_and_is_returned(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    fake_segmind.configure(mode="sse", reply="one two three four five six", chunk_size=3)
    heard = Heard()
    reply = asyncio.run(
        stream_reply(REQUEST, provider(fake_segmind), executor, CancelToken(), heard)
    )
    assert reply.text == heard.text == "one two three four five six"
    assert reply.streamed
    assert heard.kinds()[0] == "started" and set(heard.kinds()[1:]) == {"text"}
    assert fake_segmind.chat_requests[0].messages == [{"role": "user", "content": "Hello"}]


def test_a_server_error_is_tried_again_after_a_wait(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    fake_segmind.configure(mode="sse", reply="at last")
    fake_segmind.fail_next(status=500)
    heard = Heard()
    reply = asyncio.run(
        stream_reply(REQUEST, provider(fake_segmind), executor, CancelToken(), heard)
    )
    assert reply.text == "at last"
    retrying = [value for kind, value in heard.events if kind == "retrying"]
    assert len(retrying) == 1
    seconds, next_try, reason = retrying[0]
    assert 0 < seconds <= 0.1 and next_try == 2 and reason.endswith(".")
    assert heard.kinds()[:3] == ["started", "retrying", "started"]
    assert len(fake_segmind.chat_requests) == 2


def test_the_last_error_is_raised_when_the_tries_run_out(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    fake_segmind.set_fault(status=500)
    heard = Heard()
    with pytest.raises(ServerError):
        asyncio.run(stream_reply(REQUEST, provider(fake_segmind), executor, CancelToken(), heard))
    assert heard.kinds().count("started") == 3  # two retries, then the user decides
    assert len(fake_segmind.chat_requests) == 3


def test_an_error_that_is_not_transient_is_raised_at_once(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    fake_segmind.fail_next(status=401)
    with pytest.raises(AuthError):
        asyncio.run(
            stream_reply(REQUEST, provider(fake_segmind), executor, CancelToken(), Heard())
        )
    assert len(fake_segmind.chat_requests) == 1


def test_a_reply_cut_after_its_first_bytes_is_never_sent_again(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    fake_segmind.configure(mode="sse", reply="x" * 400, chunk_size=10)
    fake_segmind.fail_next(cut_after=5)
    heard = Heard()
    with pytest.raises(Exception) as raised:
        asyncio.run(stream_reply(REQUEST, provider(fake_segmind), executor, CancelToken(), heard))
    assert heard.text  # the part that arrived was heard (and may be charged)
    assert "retrying" not in heard.kinds()
    assert len(fake_segmind.chat_requests) == 1
    assert not isinstance(raised.value, Cancelled)


def test_stop_ends_a_held_reply_within_moments_and_frees_its_thread(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    gate = fake_segmind.hold_replies()
    cancel = CancelToken()

    async def stop_once_sent() -> None:
        task = asyncio.ensure_future(
            stream_reply(REQUEST, provider(fake_segmind), executor, cancel, Heard())
        )
        while not fake_segmind.chat_requests:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        cancel.cancel()
        task.cancel()
        with pytest.raises((asyncio.CancelledError, Cancelled)):
            await task
        assert time.monotonic() - started < 1

    try:
        asyncio.run(stop_once_sent())
        # The blocked read ended too: the reply thread takes the next job at once.
        assert executor.submit(threading.current_thread).result(timeout=2) is not None
    finally:
        gate.set()


def test_a_stopped_reply_raises_cancelled_without_sending(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        asyncio.run(stream_reply(REQUEST, provider(fake_segmind), executor, cancel, Heard()))
    assert fake_segmind.chat_requests == []


def test_the_rate_limit_queues_the_request_and_stop_ends_the_wait(
    fake_segmind: FakeSegmind, executor: ThreadPoolExecutor
) -> None:
    clients = provider(fake_segmind, requests_per_minute=1)
    heard = Heard()

    async def two_replies() -> None:
        await stream_reply(REQUEST, clients, executor, CancelToken(), Heard())
        second = asyncio.ensure_future(
            stream_reply(REQUEST, clients, executor, CancelToken(), heard)
        )
        while not heard.events:
            await asyncio.sleep(0.01)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second

    asyncio.run(two_replies())
    (kind, seconds), *_ = heard.events
    assert kind == "queued" and 50 < seconds <= 60
    assert len(fake_segmind.chat_requests) == 1  # the queued one never went out


def test_the_outbox_hands_a_burst_over_in_one_piece() -> None:
    heard = Heard()

    async def burst() -> None:
        outbox = Outbox(asyncio.get_running_loop(), heard)
        writer = threading.Thread(target=lambda: [outbox.put(f"{n} ") for n in range(2000)])
        writer.start()
        writer.join()  # every piece is waiting before the loop runs again
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        outbox.close()
        outbox.put("late")  # after the try ended: dropped

    asyncio.run(burst())
    assert heard.text == "".join(f"{n} " for n in range(2000))
    assert len(heard.events) == 1
