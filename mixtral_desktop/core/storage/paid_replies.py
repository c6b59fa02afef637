"""The most recent replies whose cost is known exactly: what the user's own rate
(credits per prompt and per completion token) is fitted on at start-up."""

from __future__ import annotations

import sqlite3

# Read through the partial index messages_paid_by_time: only paid replies are visited.
RECENT_SQL = (
    "SELECT coalesce(prompt_tokens, counted_tokens), completion_tokens, credits_spent"
    " FROM messages WHERE role = 'assistant' AND credits_spent IS NOT NULL"
    " AND credits_note IS NULL AND completion_tokens IS NOT NULL"
    " AND coalesce(prompt_tokens, counted_tokens) IS NOT NULL"
    " ORDER BY created DESC LIMIT ?"
)


class PaidReplies:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def recent(self, limit: int = 50) -> list[tuple[int, int, float]]:
        """(prompt tokens, completion tokens, credits) of the newest exactly paid replies,
        newest last; the server's prompt count, else ours."""
        rows = self._conn.execute(RECENT_SQL, (limit,)).fetchall()
        return [(int(p), int(c), float(y)) for p, c, y in reversed(rows)]
