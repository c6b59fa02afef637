"""Reading a chunked HTTP body in large pieces instead of one chunk per read.

Through urllib3 and http.client a chunked body comes back one chunk per read: a reply
streamed as 2,000 chunks costs 2,000 trips through both libraries, ~15 µs of Python
each with the GIL held, while the GUI thread and the layout threads wait for it. When
a burst arrives, the reader fell ~50 ms behind the server. This reads whatever the
socket has (up to a limit) and takes the chunk framing (RFC 9112, section 7.1) off
here: one read, one decode and one hand-over per arrival.

:func:`open_chunked` only takes over a body nothing has read yet, sent chunked without
a content coding, from the http.client response it knows; anything else is read as
before. At the end of the body it closes the response as http.client itself does
after the last chunk, so the connection stays fit for the next request.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ChunkedBody", "ChunkedDecoder", "MalformedChunk", "open_chunked"]

MAX_LINE = 4096  # a chunk-size line or a trailer line longer than this is malformed


class MalformedChunk(ValueError):
    """The body does not follow the chunked framing."""


class ChunkedDecoder:
    """Takes the chunk framing off a chunked body fed in pieces cut anywhere."""

    def __init__(self) -> None:
        self._pending = b""  # a line not complete yet
        self._left = 0  # bytes of the current chunk's data still to come
        self._state = "size"  # size, data, data-end, trailer, done

    @property
    def done(self) -> bool:
        """Whether the last (zero-size) chunk and the trailer section have arrived."""
        return self._state == "done"

    def feed(self, data: bytes) -> bytes:
        """The body's bytes carried by ``data``."""
        if self._pending:
            data, self._pending = self._pending + data, b""
        out: list[bytes] = []
        at, end = 0, len(data)
        while at < end and self._state != "done":
            if self._state == "data":
                taken = min(self._left, end - at)
                out.append(data[at:at + taken])
                at += taken
                self._left -= taken
                if not self._left:
                    self._state = "data-end"
                continue
            newline = data.find(b"\n", at)
            if newline < 0:
                self._pending = data[at:]
                if len(self._pending) > MAX_LINE:
                    raise MalformedChunk("a chunk line is too long")
                break
            line = data[at:newline].rstrip(b"\r")
            at = newline + 1
            self._line(line)
        return b"".join(out)

    def _line(self, line: bytes) -> None:
        if self._state == "size":
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise MalformedChunk("a chunk size is not a hexadecimal number") from None
            if size_text.startswith((b"-", b"+", b"0x", b"0X")):  # int() takes these
                raise MalformedChunk("a chunk size is not a hexadecimal number")
            self._left = size
            self._state = "data" if size else "trailer"
        elif self._state == "data-end":
            if line:
                raise MalformedChunk("a chunk's data is longer than its size")
            self._state = "size"
        elif not line:  # trailer: an empty line ends the body
            self._state = "done"


class ChunkedBody:
    """The body of one response, read straight from its socket file."""

    def __init__(self, response: Any, socket_file: Any) -> None:
        self._response = response  # the http.client response whose socket file this is
        self._file = socket_file
        self._decoder = ChunkedDecoder()

    def read(self, size: int) -> bytes:
        """The next body bytes that have arrived (blocks until some have); b"" at the end.

        Raises ``ConnectionError`` when the connection ends before the body does and
        :class:`MalformedChunk` when the framing is broken.
        """
        while not self._decoder.done:
            data = self._file.read1(size)
            if not data:
                raise ConnectionError("the connection closed in the middle of the reply")
            body = self._decoder.feed(data)
            if self._decoder.done:
                self._response._close_conn()  # as http.client does after the last chunk
            if body:
                return body
        return b""


def open_chunked(raw: Any, headers: Any) -> ChunkedBody | None:
    """A :class:`ChunkedBody` for the urllib3 response ``raw``, or None to read it as usual."""
    if headers.get("Transfer-Encoding", "").strip().lower() != "chunked":
        return None
    if headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    response = getattr(raw, "_fp", None)  # urllib3 keeps the http.client response here
    socket_file = getattr(response, "fp", None)
    if (
        socket_file is None
        or getattr(response, "chunked", False) is not True
        or getattr(response, "chunk_left", 0) is not None  # http.client read some already
        or not callable(getattr(socket_file, "read1", None))
        or not callable(getattr(response, "_close_conn", None))
        or len(getattr(raw, "_decoded_buffer", b"x")) != 0  # urllib3 holds some already
    ):
        return None
    return ChunkedBody(response, socket_file)
