"""The incremental server-sent-events decoder."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mixtral_desktop.core.segmind.sse import Event, EventTooLarge, SSEDecoder


def decode(*chunks: bytes) -> list[Event]:
    decoder = SSEDecoder()
    events: list[Event] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def datas(events: list[Event]) -> list[str]:
    return [event.data for event in events]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def test_one_event() -> None:
    assert decode(b"data: hello\n\n") == [Event("hello")]


def test_events_come_out_as_soon_as_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\ndata: b") == [Event("a")]
    assert decoder.feed(b"\n\n") == [Event("b")]
    assert decoder.close() == []


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_line_endings(eol: bytes) -> None:
    stream = b"data: one" + eol + eol + b"data: two" + eol + eol
    assert datas(decode(stream)) == ["one", "two"]
    assert datas(decode(*bytewise(stream))) == ["one", "two"]


def test_crlf_split_between_chunks_is_one_line_break() -> None:
    assert datas(decode(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n")) == ["a", "b"]


def test_lone_cr_then_data_in_next_chunk() -> None:
    # "\r" ends a line by itself; the next chunk does not start with "\n".
    assert datas(decode(b"data: a\r", b"\r", b"data: b\r\r")) == ["a", "b"]


def test_comments_and_blank_lines_are_ignored() -> None:
    stream = b": keep-alive\n\n\n:another\ndata: x\n\n"
    assert datas(decode(stream)) == ["x"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert datas(decode(b'data: {"a":\ndata: 1}\n\n')) == ['{"a":\n1}']


def test_only_one_leading_space_is_stripped_and_colon_optional() -> None:
    assert datas(decode(b"data:  two spaces\n\n")) == [" two spaces"]
    assert datas(decode(b"data:none\n\n")) == ["none"]
    assert datas(decode(b"data\ndata\n\n")) == ["\n"]


def test_event_type_and_id() -> None:
    events = decode(b"event: error\nid: 7\ndata: boom\n\ndata: next\n\n")
    assert events == [Event("boom", "error", "7"), Event("next", "message", "7")]


def test_event_without_data_is_not_dispatched() -> None:
    assert decode(b"event: ping\n\nid: 3\n\nretry: 10\n\n") == []


def test_unknown_fields_ignored() -> None:
    assert datas(decode(b"foo: bar\ndata: x\nbaz\n\n")) == ["x"]


def test_bom_stripped_only_at_start_even_when_split() -> None:
    assert datas(decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n")) == ["x"]
    assert datas(decode(b"data: \xef\xbb\xbfx\n\n")) == ["\ufeffx"]


def test_multibyte_characters_split_anywhere() -> None:
    text = "déjà vu, garçon 🎉 ✓ 日本"
    stream = f"data: {text}\n\n".encode()
    assert datas(decode(*bytewise(stream))) == [text]


def test_utf8_even_where_latin1_would_differ() -> None:
    # The bytes of "é" in UTF-8 read as ISO-8859-1 would give "Ã©".
    assert datas(decode("data: é\n\n".encode())) == ["é"]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert datas(decode(b"data: a\xff\xfeb\n\n")) == ["a\ufffd\ufffdb"]


def test_truncated_character_at_end_is_replaced() -> None:
    assert datas(decode(b"data: x\xe2\x82")) == ["x\ufffd"]


def test_close_dispatches_pending_event_and_partial_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [Event("a")]
    assert decoder.close() == [Event("b")]
    assert datas(decode(b"data: tail")) == ["tail"]


def test_too_large_line_and_event() -> None:
    with pytest.raises(EventTooLarge):
        SSEDecoder(max_event_chars=10).feed(b"data: " + b"x" * 20)
    with pytest.raises(EventTooLarge):
        SSEDecoder(max_event_chars=10).feed(b"data: 123456\ndata: 123456\n")


# -- properties ------------------------------------------------------------------------

data_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    max_size=40,
)


def cut(data: bytes, positions: list[int]) -> list[bytes]:
    bounds = [0, *sorted({p % (len(data) + 1) for p in positions}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(
    payloads=st.lists(data_text, max_size=8),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    comments=st.booleans(),
    positions=st.lists(st.integers(min_value=0), max_size=30),
)
def test_any_chunking_gives_the_events_that_were_written(
    payloads: list[str], eol: str, comments: bool, positions: list[int]
) -> None:
    stream = ""
    for payload in payloads:
        if comments:
            stream += f": c{eol}"
        stream += "".join(f"data: {line}{eol}" for line in payload.split("\n")) + eol
    data = stream.encode()
    expected = [Event(payload) for payload in payloads]
    assert decode(data) == expected
    assert decode(*cut(data, positions)) == expected


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300), positions=st.lists(st.integers(min_value=0), max_size=30))
def test_random_bytes_decode_the_same_in_any_chunking(data: bytes, positions: list[int]) -> None:
    assert decode(*cut(data, positions)) == decode(data)


field_line = st.one_of(
    data_text.map(lambda text: "data: " + text.replace("\n", " ")),
    data_text.map(lambda text: "data:" + text.replace("\n", " ")),
    st.sampled_from(["data", "data:", "data:  two spaces", "event: update", "id: 7", ": note",
                     "retry: 10", "unknown: x", ""]),
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(field_line, max_size=20),
    positions=st.lists(st.integers(min_value=0), max_size=30),
)
def test_lines_ending_in_lf_alone_decode_as_with_crlf(
    lines: list[str], positions: list[int]
) -> None:
    """Text without a carriage return takes a faster path; it must agree with the other."""
    lf = ("\n".join(lines) + "\n\n").encode()
    crlf = ("\r\n".join(lines) + "\r\n\r\n").encode()
    assert decode(*cut(lf, positions)) == decode(crlf)
