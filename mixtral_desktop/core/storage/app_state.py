"""The app's own state kept beside the history: open tabs, the active tab, the
window's geometry. Small text values by key, in the ``app_state`` table of the
history database (so they move, back up and recover with it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager


class AppState:
    """Text values by key, on the store's connection and in its transactions."""

    def __init__(
        self, conn: sqlite3.Connection, transaction: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self._conn = conn
        self._transaction = transaction

    def get(self, key: str) -> str | None:
        """The value kept under ``key``, or None."""
        row = self._conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key`` (replacing what was there)."""
        with self._transaction():
            self._conn.execute(
                "INSERT INTO app_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens if it is not kept)."""
        with self._transaction():
            self._conn.execute("DELETE FROM app_state WHERE key = ?", (key,))
