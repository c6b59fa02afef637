"""The usage of the last 30 days on a real history file: replies summed per local day
and per chat, what counts as a request, chats in the bin left out, empty days kept, the
credits marked approximate or unknown, and the CSV file, byte for byte."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.core.storage.usage_rows import (
    DAYS,
    Period,
    Sums,
    UsageUnreadable,
    csv_number,
    read_usage,
    usage_csv,
    write_csv,
)

TODAY = date(2026, 12, 1)
PERIOD = Period.last_days(today=TODAY)
UseZone = Callable[[str], None]


@pytest.fixture
def zone() -> Iterator[UseZone]:
    """Sets the process's time zone (TZ, a POSIX rule: no tz database needed); the one
    before comes back after the test."""
    saved = os.environ.get("TZ")

    def use(rule: str) -> None:
        os.environ["TZ"] = rule
        time.tzset()

    use("UTC0")
    yield use
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture
def store(tmp_path: Path, zone: UseZone) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a local time."""
    return datetime(day.year, day.month, day.day, hour, minute, second).timestamp()


def reply(
    created: float, prompt: int | None = 10, completion: int = 5, *,
    state: MessageState = MessageState.DONE, counted: int | None = None,
    credits: float | None = None, note: str | None = None,
) -> Message:
    usage = None if prompt is None else Usage(prompt, completion, prompt + completion)
    return Message(
        Role.ASSISTANT, "Answer.", state, created=created, usage=usage,
        counted_tokens=counted, credits_spent=credits, credits_note=note,
    )


def chat(store: Store, title: str, *replies: Message) -> int:
    """A chat with a question before each reply."""
    conversation_id = store.create_conversation(title)
    for message in replies:
        store.add_message(conversation_id, Message(Role.USER, "Q?", created=message.created))
        store.add_message(conversation_id, message)
    return conversation_id


def plain(sums: Sums) -> tuple[int, int, int, float, int, int]:
    """The sums with the credits rounded (float additions)."""
    return (sums.requests, sums.prompt_tokens, sums.completion_tokens, round(sums.credits, 10),
            sums.priced, sums.estimated)


def by_day(store: Store, period: Period = PERIOD) -> dict[date, Sums]:
    return {d.day: d.sums for d in read_usage(store.path, period).days}


def test_every_day_of_the_period_has_a_row_oldest_first(store: Store) -> None:
    report = read_usage(store.path, PERIOD)
    assert [d.day for d in report.days] == PERIOD.days()
    assert len(report.days) == DAYS == 30
    assert report.days[0].day == date(2026, 11, 2)
    assert report.days[-1].day == TODAY
    assert all(d.sums == Sums() for d in report.days)
    assert report.chats == ()
    assert report.total == Sums()
    assert Period.last_days().last == date.today()  # the default: up to now


def test_replies_are_summed_per_day_and_per_chat(store: Store) -> None:
    first = chat(
        store, "Trip to Lyon",
        reply(at(TODAY, 9), 100, 20, credits=0.01),
        reply(at(TODAY, 18), 150, 30, credits=0.02),
        reply(at(date(2026, 11, 20)), 50, 10, credits=0.005),
    )
    second = chat(store, "", reply(at(TODAY, 10), 1000, 400, credits=0.1))
    days = by_day(store)
    assert plain(days[TODAY]) == (3, 1250, 450, 0.13, 3, 0)
    assert plain(days[date(2026, 11, 20)]) == (1, 50, 10, 0.005, 1, 0)
    assert sum(s.requests for s in days.values()) == 4  # the questions are not requests
    assert days[date(2026, 11, 21)] == Sums()
    report = read_usage(store.path, PERIOD)
    assert [(c.conversation_id, c.title) for c in report.chats] == [(second, ""),
                                                                  (first, "Trip to Lyon")]
    assert plain(report.chats[1].sums) == (3, 300, 60, 0.035, 3, 0)
    assert report.total.requests == 4
    assert report.total.tokens == 1250 + 450 + 60
    assert report.total.credits == pytest.approx(0.135)


def test_what_counts_as_a_request(store: Store) -> None:
    chat(
        store, "States",
        reply(at(TODAY, 1), 10, 5, credits=0.001),
        # Stopped: the server worked on it; no usage came, our own prompt count stands in.
        reply(at(TODAY, 2), None, state=MessageState.INCOMPLETE, counted=70),
        reply(at(TODAY, 3), 20, 8, state=MessageState.INCOMPLETE),
        reply(at(TODAY, 4), None, state=MessageState.FAILED, counted=90, credits=0.5),
        reply(at(TODAY, 5), None, state=MessageState.STREAMING, counted=90),
        reply(at(TODAY, 6), None, state=MessageState.WAITING, counted=90),
    )
    today = by_day(store)[TODAY]
    assert (today.requests, today.prompt_tokens, today.completion_tokens) == (3, 100, 13)
    assert (today.credits, today.priced) == (0.001, 1)


def test_chats_in_the_bin_are_left_out_until_restored(store: Store) -> None:
    kept = chat(store, "Kept", reply(at(TODAY), 10, 5, credits=0.01))
    binned = chat(store, "Binned", reply(at(TODAY), 500, 50, credits=0.2))
    store.delete_conversation(binned)
    report = read_usage(store.path, PERIOD)
    assert [c.conversation_id for c in report.chats] == [kept]
    assert report.total == Sums(1, 10, 5, 0.01, 1, 0)
    store.restore_conversation(binned)
    assert [c.conversation_id for c in read_usage(store.path, PERIOD).chats] == [binned, kept]
    store.purge_conversation(binned)
    assert read_usage(store.path, PERIOD).total.requests == 1


def test_only_the_period_counts(store: Store) -> None:
    chat(
        store, "Edges",
        reply(at(date(2026, 11, 1), 23, 59, 59)),  # the day before the period
        reply(at(date(2026, 11, 2), 0, 0, 0)),  # its first second
        reply(at(TODAY, 23, 59, 59)),  # its last second
        reply(at(date(2026, 12, 2), 0, 0, 0)),  # tomorrow
    )
    days = by_day(store)
    assert days[date(2026, 11, 2)].requests == 1
    assert days[TODAY].requests == 1
    assert read_usage(store.path, PERIOD).total.requests == 2


def test_days_are_local_days(store: Store, zone: UseZone) -> None:
    late = datetime(2026, 11, 30, 20, 30).timestamp()  # 20:30 UTC on the 30th
    chat(store, "Late", reply(late, 10, 5))
    assert by_day(store)[date(2026, 11, 30)].requests == 1
    zone("IST-5:30")  # India: 02:00 on the 1st
    days = by_day(store)
    assert (days[date(2026, 11, 30)].requests, days[TODAY].requests) == (0, 1)
    zone("HST10")  # Hawaii: 10:30 on the 30th
    assert by_day(store)[date(2026, 11, 30)].requests == 1


def test_the_day_the_clocks_go_back_has_25_hours(store: Store, zone: UseZone) -> None:
    zone("EST5EDT,M3.2.0,M11.1.0")  # New York; summer time ends on 2026-11-01 at 02:00
    change = date(2026, 11, 1)
    period = Period.last_days(today=date(2026, 11, 15))
    chat(
        store, "Autumn",
        reply(at(date(2026, 10, 31), 23, 30)),
        reply(at(change, 0, 30)),
        reply(at(change, 23, 30)),
        reply(at(date(2026, 11, 2), 0, 30)),
    )
    days = by_day(store, period)
    assert [days[date(2026, 10, d)].requests for d in (30, 31)] == [0, 1]
    assert [days[date(2026, 11, d)].requests for d in (1, 2, 3)] == [2, 1, 0]
    start, end = Period(change, change).bounds()
    assert end - start == 25 * 3600


def test_credits_approximate_or_unknown(store: Store) -> None:
    days = [date(2026, 11, d) for d in (10, 11, 12, 13)]
    chat(
        store, "Credits",
        reply(at(days[0], 9), credits=0.01), reply(at(days[0], 10), credits=0.02),
        reply(at(days[1], 9), credits=0.01),
        reply(at(days[1], 10), credits=0.03, note="another reply overlapped"),
        reply(at(days[2], 9), credits=0.01), reply(at(days[2], 10)),
        reply(at(days[3], 9)),
    )
    found = by_day(store)
    exact, noted, partly, unpriced = (found[d] for d in days)
    assert (exact.credits_known, exact.credits_approximate) == (True, False)
    assert (noted.credits_known, noted.credits_approximate, noted.estimated) == (True, True, 1)
    assert (partly.credits_known, partly.credits_approximate, partly.priced) == (True, True, 1)
    assert (unpriced.credits_known, unpriced.credits_approximate) == (False, False)
    assert Sums().credits_known  # nothing asked, nothing spent: 0, not unknown
    total = read_usage(store.path, PERIOD).total
    assert (total.requests, total.priced, total.estimated) == (7, 5, 1)
    assert total.credits_approximate


def test_csv_text_for_a_small_case(store: Store) -> None:
    period = Period(date(2026, 11, 29), TODAY)
    quoted = chat(
        store, 'Lyon, "the trip"',
        reply(at(date(2026, 11, 29)), 100, 20, credits=0.0184921035),
        reply(at(TODAY), 50, 10, credits=0.001, note="overlapped"),
    )
    untitled = chat(store, "", reply(at(TODAY, 13), 7, 3))
    text = usage_csv(read_usage(store.path, period))
    assert text == (
        "kind,date,conversation_id,title,requests,prompt_tokens,completion_tokens,credits,"
        "credits_approximate\r\n"
        "day,2026-11-29,,,1,100,20,0.0184921035,false\r\n"
        "day,2026-11-30,,,0,0,0,0,false\r\n"
        "day,2026-12-01,,,2,57,13,0.001,true\r\n"
        f'chat,2026-11-29/2026-12-01,{quoted},"Lyon, ""the trip""",2,150,30,0.0194921035,'
        "true\r\n"
        f"chat,2026-11-29/2026-12-01,{untitled},,1,7,3,,false\r\n"
        "total,2026-11-29/2026-12-01,,,3,157,33,0.0194921035,true\r\n"
    )


def test_csv_numbers_use_a_dot_and_no_exponent() -> None:
    assert [csv_number(v) for v in (0.0, 12.0, 0.1 + 0.2, 1e-7, 1234.5, -0.0)] == [
        "0", "12", "0.3", "0.0000001", "1234.5", "0",
    ]


def test_read_on_a_worker_with_its_own_connection(store: Store) -> None:
    chat(store, "Worker", reply(at(TODAY), 10, 5, credits=0.01))
    read: list[object] = []
    worker = threading.Thread(target=lambda: read.append(read_usage(store.path, PERIOD)))
    worker.start()
    worker.join()
    assert read == [read_usage(store.path, PERIOD)]
    with pytest.raises(UsageUnreadable):
        read_usage(store.path.with_name("missing.sqlite3"), PERIOD)


def test_the_queries_read_the_replies_index(store: Store) -> None:
    from mixtral_desktop.core.storage import usage_rows

    for query in (usage_rows._PER_DAY, usage_rows._PER_CHAT):
        plan = store._conn.execute("EXPLAIN QUERY PLAN " + query, (0.0, 1.0)).fetchall()
        assert "messages_replies_by_time" in " ".join(str(step[-1]) for step in plan), plan


def test_thousands_of_replies_are_read_in_milliseconds(store: Store) -> None:
    replies = [
        reply(PERIOD.bounds()[0] + n * 259.0, 100 + n % 50, 20, credits=0.001)
        for n in range(10_000)
    ]
    busy = store.insert_conversation("Busy", replies, created=0.0, updated=0.0)
    read_usage(store.path, PERIOD)  # warm
    started = time.perf_counter()
    report = read_usage(store.path, PERIOD)
    elapsed = time.perf_counter() - started
    assert report.total.requests == 10_000
    assert [c.conversation_id for c in report.chats] == [busy]
    assert elapsed < 0.5, elapsed  # ~10 ms here; generous for a slow CI


def test_write_csv_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "usage.csv"
    target.write_text("old", encoding="utf-8")
    write_csv(target, "kind\r\nday – é\r\n")
    assert target.read_bytes() == "kind\r\nday – é\r\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usage.csv"]
    with pytest.raises(OSError):
        write_csv(tmp_path / "no such folder" / "usage.csv", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usage.csv"]
