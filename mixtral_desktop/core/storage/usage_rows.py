"""What the replies of a period cost, per local day and per chat, and its CSV file.

**What counts.** A *request* is an assistant reply the server answered, fully or in
part: state ``done``, or ``incomplete`` (stopped by the user, or the stream cut; the
server worked on it and Segmind bills what it generated). ``failed`` replies are left
out: the request was refused or broke before an answer, no usage was reported and
Segmind does not bill it. Replies still streaming or waiting are left out until they
end. Chats in the bin (soft-deleted) are left out; a purged chat's rows are gone.

**The sums.** Prompt tokens are the server's figure, or our own count of the prompt
(``counted_tokens``) when the server reported none (a stopped reply); completion tokens
are the server's figure (0 when it reported none). Credits are the sum of the replies'
``credits_spent``; a sum is *approximate* when one of its figures is (a
``credits_note``) or when some of its replies have no figure at all (the sum leaves them
out); it is *unknown* when none of its replies has one.

**Days** are local days (the computer's time zone, as SQLite's ``localtime`` and
Python's ``time.localtime`` both see it): every day of the period has a row, empty or
not, oldest first, so a chart has its full axis. The query reads the partial index
``messages_replies_by_time`` (its ``role = 'assistant'`` is written as a literal so the
planner can use it): a few milliseconds for thousands of replies.

**The CSV file** (:func:`usage_csv`): RFC 4180 (comma separated, CRLF line ends, fields
quoted only when needed), UTF-8 without a byte-order mark, one header row, then one
table where the ``kind`` column says what a row is: ``day`` (one per day, oldest
first), ``chat`` (one per chat with requests, most credits first) and one ``total``.
Columns: ``kind, date, conversation_id, title, requests, prompt_tokens,
completion_tokens, credits, credits_approximate``. ``date`` is ISO 8601: the day
(``2026-12-01``) for a ``day`` row, the period as an interval with both days included
(``2026-11-02/2026-12-01``) for ``chat`` and ``total`` rows. ``conversation_id`` and
``title`` are empty except on ``chat`` rows (an untitled chat has an empty title).
Numbers use a dot for decimals and no thousands separator; ``credits`` is empty when
unknown; ``credits_approximate`` is ``true`` or ``false``.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from mixtral_desktop.core.storage.database import connect_read_only

DAYS = 30
"""The usage window's period: the last 30 local days, today included."""

CSV_COLUMNS = (
    "kind", "date", "conversation_id", "title", "requests", "prompt_tokens",
    "completion_tokens", "credits", "credits_approximate",
)

# Constant SQL (the role and states are the enums' values, written out for the index).
_FROM = (
    " FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id"
    " WHERE m.role = 'assistant' AND m.created >= ? AND m.created < ?"
    " AND m.state IN ('done', 'incomplete') AND c.deleted_at IS NULL"
)
_SUMS = (
    "count(*), total(coalesce(m.prompt_tokens, m.counted_tokens, 0)),"
    " total(coalesce(m.completion_tokens, 0)), total(m.credits_spent),"
    " count(m.credits_spent),"
    " count(CASE WHEN m.credits_spent IS NOT NULL AND m.credits_note IS NOT NULL THEN 1 END)"
)
_PER_DAY = (
    "SELECT date(m.created, 'unixepoch', 'localtime') AS day, " + _SUMS + _FROM
    + " GROUP BY day"
)
_PER_CHAT = "SELECT c.id, c.title, " + _SUMS + _FROM + " GROUP BY c.id"


class UsageUnreadable(Exception):
    """The history could not be read (locked for too long, damaged, gone)."""


@dataclass(frozen=True)
class Period:
    """Local days from ``first`` to ``last``, both included."""

    first: date
    last: date

    @classmethod
    def last_days(cls, days: int = DAYS, today: date | None = None) -> Period:
        """The ``days`` local days that end with ``today`` (by default, today)."""
        last = today if today is not None else date.today()
        return cls(last - timedelta(days=days - 1), last)

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(count)]

    def bounds(self) -> tuple[float, float]:
        """Epoch seconds of the first day's local midnight and of the one after the
        last day (a day is 23 or 25 hours long when the clocks change)."""
        start = datetime.combine(self.first, datetime.min.time())
        end = datetime.combine(self.last + timedelta(days=1), datetime.min.time())
        return start.timestamp(), end.timestamp()  # naive: local time

    def iso(self) -> str:
        """ISO 8601 interval: "2026-11-02/2026-12-01"."""
        return f"{self.first.isoformat()}/{self.last.isoformat()}"


@dataclass(frozen=True)
class Sums:
    """What some requests cost; ``priced``: how many had a credits figure,
    ``estimated``: how many of those figures are approximate."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    credits: float = 0.0
    priced: int = 0
    estimated: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def credits_known(self) -> bool:
        """False when there were requests and none of them has a credits figure."""
        return self.priced > 0 or self.requests == 0

    @property
    def credits_approximate(self) -> bool:
        """A figure is approximate, or some requests have none (the sum leaves them out)."""
        return self.estimated > 0 or 0 < self.priced < self.requests

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.requests + other.requests,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.credits + other.credits,
            self.priced + other.priced,
            self.estimated + other.estimated,
        )


@dataclass(frozen=True)
class DayUsage:
    day: date
    sums: Sums


@dataclass(frozen=True)
class ChatUsage:
    conversation_id: int
    title: str  # as stored: "" for an untitled chat
    sums: Sums


@dataclass(frozen=True)
class UsageReport:
    """Every day of ``period`` (oldest first) and every chat with requests in it (most
    credits first, then most tokens)."""

    period: Period
    days: tuple[DayUsage, ...]
    chats: tuple[ChatUsage, ...]

    @property
    def total(self) -> Sums:
        return _total(d.sums for d in self.days)


class UsageRows:
    """The usage queries, on a read-only connection of their own (:func:`read_usage`,
    on a worker; the store does not import this module: start-up does not need it)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def report(self, period: Period | None = None) -> UsageReport:
        """Per day and per chat; ``period``: the last :data:`DAYS` days by default."""
        period = period if period is not None else Period.last_days()
        bounds = period.bounds()
        found = {
            str(row[0]): _sums(row[1:]) for row in self._conn.execute(_PER_DAY, bounds)
        }
        days = tuple(DayUsage(d, found.get(d.isoformat(), Sums())) for d in period.days())
        chats = [
            ChatUsage(int(row[0]), str(row[1]), _sums(row[2:]))
            for row in self._conn.execute(_PER_CHAT, bounds)
        ]
        chats.sort(key=lambda c: (-c.sums.credits, -c.sums.tokens, -c.sums.requests,
                                  c.conversation_id))
        return UsageReport(period, days, tuple(chats))


def read_usage(path: Path, period: Period | None = None) -> UsageReport:
    """The report from the history file at ``path``, on any thread: a read-only
    connection of its own (WAL: it sees every committed write), closed after.
    Raises :class:`UsageUnreadable`."""
    try:
        conn = connect_read_only(path)
        try:
            return UsageRows(conn).report(period)
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise UsageUnreadable(f"{path}: {error}") from error


def usage_csv(report: UsageReport) -> str:
    """The report as CSV text (the format is in this module's docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day in report.days:
        writer.writerow(("day", day.day.isoformat(), "", "", *_csv_sums(day.sums)))
    interval = report.period.iso()
    for chat in report.chats:
        writer.writerow(
            ("chat", interval, str(chat.conversation_id), chat.title, *_csv_sums(chat.sums))
        )
    writer.writerow(("total", interval, "", "", *_csv_sums(report.total)))
    return out.getvalue()


def csv_number(value: float) -> str:
    """A dot-decimal number without exponent or trailing zeros: 0.0184921035, 12, 0."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def write_csv(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically: a temporary file in the same
    folder, flushed to disk, renamed over ``path`` (a crash never leaves half a file)."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sums(row: Sequence[Any]) -> Sums:
    requests, prompt, completion, credits, priced, estimated = row
    return Sums(int(requests), int(prompt), int(completion), float(credits), int(priced),
                int(estimated))


def _total(sums: Iterable[Sums]) -> Sums:
    result = Sums()
    for part in sums:
        result = result + part
    return result


def _csv_sums(sums: Sums) -> tuple[str, ...]:
    credits = csv_number(sums.credits) if sums.credits_known else ""
    return (
        str(sums.requests), str(sums.prompt_tokens), str(sums.completion_tokens), credits,
        "true" if sums.credits_approximate else "false",
    )
