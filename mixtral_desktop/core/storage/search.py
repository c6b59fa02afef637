"""Full-text search (FTS5) over every message, on a read-only connection of its own.

The window's :class:`~mixtral_desktop.core.storage.store.Store` belongs to the GUI
thread; a search runs on a worker thread through a :class:`SearchIndex`, which opens
its own read-only connection to the same file (WAL: it sees every committed write).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from pathlib import Path

from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.storage.database import connect_read_only
from mixtral_desktop.core.storage.records import HIT_END, HIT_START, SearchHit

log = logging.getLogger(__name__)

SNIPPET_TOKENS = 16
MAX_QUERY_TERMS = 32
RANKED_CANDIDATES = 2000


def search_messages(conn: sqlite3.Connection, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text (FTS5) search of every message of every non-deleted conversation.

        ``query`` is what the user typed: every word must appear (accents and case
        ignored), the last one as a prefix unless followed by a space or a single
        character. FTS syntax has no meaning in it. Best matches (bm25) first, then
        the newest. A word found in tens of thousands of messages is ranked among the
        newest RANKED_CANDIDATES matches only, so every search stays a few ms.
        """
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        # Ids grow with time: the id of the N-th newest match bounds the ranked set.
        floor_row = conn.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (match, RANKED_CANDIDATES - 1),
        ).fetchone()
        floor = 0 if floor_row is None else int(floor_row[0])
        rows = conn.execute(
            "SELECT m.conversation_id, m.id, c.title, m.role,"
            " snippet(messages_fts, 0, ?, ?, '…', ?), m.created"
            " FROM messages_fts"
            " JOIN messages AS m ON m.id = messages_fts.rowid"
            " JOIN conversations AS c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ? AND messages_fts.rowid >= ? AND c.deleted_at IS NULL"
            " ORDER BY messages_fts.rank, m.created DESC LIMIT ?",
            (HIT_START, HIT_END, SNIPPET_TOKENS, match, floor, limit),
        ).fetchall()
        return [
            SearchHit(int(cid), int(mid), str(title), Role(role), str(snippet), float(created))
            for cid, mid, title, role, snippet, created in rows
        ]


class SearchFailed(Exception):
    """The history could not be searched (the file is unreadable, locked for too long)."""


class SearchIndex:
    """Searches the history file at ``path``; each call blocks, so it is meant for a worker.

    The connection is opened by the first search and used by one thread at a time (a
    lock guards it); :meth:`close` may be called from any thread once searches stop.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """See :func:`search_messages`; raises :class:`SearchFailed` when the file can't be
        read (the reason is logged)."""
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = connect_read_only(self.path)
                return search_messages(self._conn, query, limit)
            except sqlite3.Error as error:
                log.exception("searching %s failed", self.path)
                raise SearchFailed(str(error)) from error

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


_QUERY_TERM = re.compile(r"\S+")


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed; None if it has nothing to find.

    Each word becomes a quoted string (so ``AND``, ``NEAR``, ``*``, ``-``, ``:`` or
    parentheses mean nothing); the last word matches as a prefix unless the text
    ends with a space or the word is one character. Words without a letter or digit
    are dropped.
    """
    text = text.encode("utf-8", "ignore").decode("utf-8").replace("\x00", " ")
    terms = [t for t in _QUERY_TERM.findall(text) if any(ch.isalnum() for ch in t)]
    if not terms:
        return None
    terms = terms[:MAX_QUERY_TERMS]
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    if not text[-1:].isspace() and sum(ch.isalnum() for ch in terms[-1]) > 1:
        quoted[-1] += "*"
    return " ".join(quoted)
