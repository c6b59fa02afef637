"""The client reads a stream cut at any byte, in any framing, to the same text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixtral_desktop.core.segmind.client import SegmindClient
from mixtral_desktop.core.segmind.config import ClientConfig
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind

USER = [{"role": "user", "content": "fuzz"}]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSegmind]:
    with FakeSegmind(mode="sse") as fake:
        yield fake


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(min_size=1, max_size=80).filter(lambda t: t.strip() != ""),
    chunk_size=st.integers(min_value=1, max_value=12),
    write_size=st.none() | st.integers(min_value=1, max_value=40),
    split_multibyte=st.booleans(),
    line_ending=st.sampled_from(["\n", "\r\n", "\r"]),
    multiline_data=st.booleans(),
    keepalive_comments=st.booleans(),
    charset=st.sampled_from([None, "utf-8", "iso-8859-1"]),
)
def test_any_framing_gives_the_same_text(
    server: FakeSegmind, text: str, chunk_size: int, write_size: int | None,
    split_multibyte: bool, line_ending: str, multiline_data: bool, keepalive_comments: bool,
    charset: str | None,
) -> None:
    server.reset()
    server.configure(
        mode="sse", reply=text, chunk_size=chunk_size, write_size=write_size,
        split_multibyte=split_multibyte, line_ending=line_ending,
        multiline_data=multiline_data, keepalive_comments=keepalive_comments, charset=charset,
    )
    pieces: list[str] = []
    with SegmindClient(FAKE_KEY, ClientConfig(base_url=server.base_url)) as client:
        reply = client.chat(USER, on_delta=pieces.append)
    assert reply.text == text
    assert "".join(pieces) == text
