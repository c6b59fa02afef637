"""Incremental decoder for server-sent events (the WHATWG ``text/event-stream`` format).

Feed it bytes cut anywhere (inside a line, inside a ``\\r\\n``, inside a multi-byte
UTF-8 character) and it hands back whole events. Text is always UTF-8, whatever
charset the server declares; invalid bytes become U+FFFD instead of raising.

Pure Python, no I/O: the HTTP client owns the socket, this only parses.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_EVENT_CHARS", "Event", "EventTooLarge", "SSEDecoder"]

DEFAULT_MAX_EVENT_CHARS = 8 * 1024 * 1024
_EOL = re.compile(r"\r\n|\r|\n")


class EventTooLarge(ValueError):
    """A single line or event grew past the decoder's size limit."""


@dataclass(frozen=True)
class Event:
    """One dispatched event: ``data`` joins the event's ``data:`` lines with ``\\n``."""

    data: str
    event: str = "message"
    id: str | None = None


class SSEDecoder:
    """Turns a byte stream into :class:`Event` objects, chunk by chunk.

    ``feed`` returns the events completed by that chunk; ``close`` is called at end of
    stream and returns what is still pending. Unlike the browser algorithm, ``close``
    dispatches a last event that lacks its closing blank line (a server that just
    hangs up after ``data: ...\\n`` still gets its last event through).
    """

    def __init__(self, *, max_event_chars: int = DEFAULT_MAX_EVENT_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._max = max_event_chars
        self._buffer = ""  # text after the last line break
        self._skip_lf = False  # last chunk ended with "\r": a leading "\n" belongs to it
        self._at_start = True  # a byte-order mark is only stripped at the very start
        self._data: list[str] = []
        self._data_chars = 0
        self._has_data = False
        self._event_type = ""
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        """Decode ``chunk`` and return every event it completes, in order."""
        return self._feed_text(self._decoder.decode(chunk, final=False))

    def close(self) -> list[Event]:
        """End of stream: flush a partial character, a partial line and a pending event."""
        events = self._feed_text(self._decoder.decode(b"", final=True))
        if self._buffer:
            line, self._buffer = self._buffer, ""
            self._process_line(line, events)
        if self._has_data:
            self._dispatch(events)
        return events

    def _feed_text(self, text: str) -> list[Event]:
        events: list[Event] = []
        if not text:
            return events
        if self._at_start:
            if text.startswith("\ufeff"):
                text = text[1:]
            self._at_start = False
        if self._skip_lf:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        buffer = self._buffer + text
        if "\r" not in buffer:  # the usual case, split without a regex: the reader
            # thread parses a fast reply's ~500 KB of events as they arrive (2x faster)
            lines = buffer.split("\n")
            self._buffer = lines.pop()
            for line in lines:
                if not line:
                    self._dispatch(events)
                elif line.startswith("data: "):
                    self._add_data(line[6:])
                else:
                    self._process_line(line, events)
        else:
            start = 0
            for match in _EOL.finditer(buffer):
                self._process_line(buffer[start : match.start()], events)
                start = match.end()
            self._buffer = buffer[start:]
            if start and buffer[start - 1] == "\r":
                # "\r" as the very last character may be the first half of "\r\n".
                self._skip_lf = not self._buffer
        if len(self._buffer) > self._max:
            raise EventTooLarge(f"an event line exceeds {self._max} characters")
        return events

    def _process_line(self, line: str, events: list[Event]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line.startswith(":"):
            return  # comment, e.g. a keep-alive
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._add_data(value)
        elif field == "event":
            self._event_type = value
        elif field == "id" and "\0" not in value:
            self._last_id = value
        # "retry" and unknown fields are ignored, as the standard says.

    def _add_data(self, value: str) -> None:
        self._data.append(value)
        self._has_data = True
        self._data_chars += len(value) + 1
        if self._data_chars > self._max:
            raise EventTooLarge(f"an event exceeds {self._max} characters")

    def _dispatch(self, events: list[Event]) -> None:
        if self._has_data:
            events.append(
                Event(
                    data="\n".join(self._data),
                    event=self._event_type or "message",
                    id=self._last_id,
                )
            )
        self._data = []
        self._data_chars = 0
        self._has_data = False
        self._event_type = ""
