"""A chunked HTTP body read in large pieces: the framing comes off exactly wherever the
bytes are cut, broken framing and early ends are errors, and streamed replies take
this path (everything that arrived in one read, not one chunk per read)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mixtral_desktop.core.net import chunked_body
from mixtral_desktop.core.net.chunked_body import (
    ChunkedBody,
    ChunkedDecoder,
    MalformedChunk,
    open_chunked,
)
from mixtral_desktop.core.segmind.client import SegmindClient
from mixtral_desktop.core.segmind.config import ClientConfig
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind

PIECES = [b'data: {"a": 1}\n\n', "é😀".encode(), b"x" * 300, b"\r\n\r\n", b"0\r\n"]
USER = [{"role": "user", "content": "Bonjour"}]


def framed(pieces: list[bytes], *, extensions: bool = False) -> bytes:
    """``pieces`` as chunks, without the last (zero-size) chunk that ends a body."""
    wire = b""
    for piece in pieces:
        if piece:  # (an empty chunk would end the body)
            size = f"{len(piece):X}".encode() + (b" ; name=value" if extensions else b"")
            wire += size + b"\r\n" + piece + b"\r\n"
    return wire


def chunked(pieces: list[bytes], *, extensions: bool = False, trailer: bool = False) -> bytes:
    ending = b"0\r\n" + (b"X-Trailer: yes\r\n" if trailer else b"") + b"\r\n"
    return framed(pieces, extensions=extensions) + ending


def test_the_body_comes_back_wherever_the_bytes_are_cut() -> None:
    wire = chunked(PIECES, extensions=True, trailer=True)
    for cut in range(len(wire) + 1):
        decoder = ChunkedDecoder()
        body = decoder.feed(wire[:cut])
        assert not decoder.done or cut == len(wire)
        body += decoder.feed(wire[cut:])
        assert body == b"".join(PIECES), cut
        assert decoder.done


@given(st.lists(st.binary(max_size=40), max_size=8), st.lists(st.integers(1, 50), max_size=40))
def test_any_body_fed_in_any_pieces(pieces: list[bytes], sizes: list[int]) -> None:
    wire = chunked(pieces)
    decoder = ChunkedDecoder()
    body, at = b"", 0
    for size in sizes:
        body += decoder.feed(wire[at:at + size])
        at += size
    body += decoder.feed(wire[at:])
    assert body == b"".join(pieces)
    assert decoder.done


def test_the_body_is_not_over_before_its_last_chunk() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(chunked(PIECES)[:-2]) == b"".join(PIECES)
    assert not decoder.done


@pytest.mark.parametrize("wire", [
    b"zz\r\n",  # not hexadecimal
    b"-5\r\nhello\r\n",
    b"0x5\r\nhello\r\n",
    b"3\r\nhello\r\n",  # more data than the size said
    b"9" * (chunked_body.MAX_LINE + 10),  # a size line that never ends
])
def test_broken_framing_is_an_error(wire: bytes) -> None:
    with pytest.raises(MalformedChunk):
        ChunkedDecoder().feed(wire)


class _Response:
    """Stands for the http.client response that owns the socket file."""

    def __init__(self, socket_file: Any = None, chunk_left: int | None = None) -> None:
        self.fp = socket_file
        self.chunked = True
        self.chunk_left = chunk_left
        self.closed_after_body = False

    def _close_conn(self) -> None:
        self.closed_after_body = True


def test_everything_that_arrived_comes_in_one_read() -> None:
    pieces = [f'data: {{"n": {n}}}\n\n'.encode() for n in range(2000)]
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(framed(pieces[:1000]))
        socket_file = ours.makefile("rb")
        response = _Response(socket_file)
        body = ChunkedBody(response, socket_file)
        first = body.read(64 * 1024)
        assert first == b"".join(pieces[:1000])  # a thousand chunks, one read
        theirs.sendall(chunked(pieces[1000:]))
        rest = b""
        while data := body.read(64 * 1024):
            rest += data
        assert rest == b"".join(pieces[1000:])
        assert response.closed_after_body  # as http.client does after the last chunk


def test_a_connection_closed_inside_the_body_is_an_error() -> None:
    ours, theirs = socket.socketpair()
    with ours:
        theirs.sendall(chunked(PIECES)[:40])
        theirs.close()
        socket_file = ours.makefile("rb")
        body = ChunkedBody(_Response(socket_file), socket_file)
        assert body.read(1024)  # what did arrive
        with pytest.raises(ConnectionError):
            body.read(1024)


class _Raw:
    def __init__(self, response: _Response, buffered: bytes = b"") -> None:
        self._fp = response
        self._decoded_buffer = buffered


@pytest.mark.parametrize(("headers", "response", "buffered", "taken"), [
    ({"Transfer-Encoding": "chunked"}, _Response(socket.socket), b"", True),
    ({"Content-Length": "10"}, _Response(socket.socket), b"", False),
    ({"Transfer-Encoding": "chunked", "Content-Encoding": "gzip"}, _Response(socket.socket),
     b"", False),
    ({"Transfer-Encoding": "chunked"}, _Response(socket.socket, chunk_left=3), b"", False),
    ({"Transfer-Encoding": "chunked"}, _Response(socket.socket), b"read already", False),
    ({"Transfer-Encoding": "chunked"}, _Response(None), b"", False),
])
def test_only_an_untouched_plain_chunked_body_is_taken_over(
    headers: dict[str, str], response: _Response, buffered: bytes, taken: bool
) -> None:
    response.fp = response.fp and type("File", (), {"read1": lambda self, n: b""})()
    assert (open_chunked(_Raw(response, buffered), headers) is not None) is taken


def test_streamed_replies_are_read_this_way_and_the_connection_stays_usable(
    fake_segmind: FakeSegmind, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    read = ChunkedBody.read

    def counted(body: ChunkedBody, size: int) -> bytes:
        data = read(body, size)
        reads.append(len(data))
        return data

    monkeypatch.setattr(ChunkedBody, "read", counted)
    reply = "Déjà vu 😀 " * 3000
    fake_segmind.configure(mode="sse", reply=reply, chunks=2000)
    with SegmindClient(FAKE_KEY, ClientConfig(base_url=fake_segmind.base_url)) as client:
        deltas: list[str] = []
        first = client.chat(USER, on_delta=deltas.append)
        second = client.chat(USER)  # the next request on the same client
    assert first.text == reply and "".join(deltas) == reply
    assert second.text == reply
    assert sum(reads) > len(reply)  # every byte of the SSE stream went through here
