"""The documents attached to messages and drafts (schema v6): each text stored once under
its digest, each attachment a row pointing at it; a text no attachment points at any more
is deleted by the database itself (trigger ``documents_unused``)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from mixtral_desktop.core.domain.attachments import Attachment, text_digest
from mixtral_desktop.core.storage.records import (
    ATTACHMENT_COLUMNS,
    WITH_TEXT,
    attachment_from_row,
    attachment_values,
)


class AttachmentRows:
    def __init__(
        self, conn: sqlite3.Connection,
        transaction: Callable[[], AbstractContextManager[object]],
    ) -> None:
        self._conn = conn
        self._transaction = transaction

    def keep_text(self, text: str) -> str:
        """Store ``text`` (once, whoever attaches it) and return its digest. Call it in
        the transaction that attaches it, or the text may be collected first."""
        digest = text_digest(text)
        self._conn.execute(
            "INSERT OR IGNORE INTO documents (digest, text, created) VALUES (?, ?, ?)",
            (digest, text, time.time()),
        )
        return digest

    def text(self, digest: str) -> str:
        """The stored text; KeyError when no attachment keeps it any more."""
        row = self._conn.execute("SELECT text FROM documents WHERE digest = ?",
                                 (digest,)).fetchone()
        if row is None:
            raise KeyError(digest)
        return str(row[0])

    def attach(self, message_id: int, texts: Sequence[tuple[Attachment, str]]) -> None:
        """The message's attachments become these (each with its text), in order."""
        self._set("message_id", message_id, texts)

    def of_message(self, message_id: int) -> tuple[Attachment, ...]:
        return self._get("message_id", message_id)

    def set_draft(self, conversation_id: int, texts: Sequence[tuple[Attachment, str]]) -> None:
        """The unsent draft's attachments (its drafts row must exist: see save_draft)."""
        self._set("draft_id", conversation_id, texts)

    def of_draft(self, conversation_id: int) -> tuple[Attachment, ...]:
        return self._get("draft_id", conversation_id)

    def _set(self, column: str, owner: int,
             texts: Sequence[tuple[Attachment, str]]) -> None:
        with self._transaction():
            # (the old rows go first: a text they alone kept is collected, then kept again
            # just below if it is attached again)
            self._conn.execute(f"DELETE FROM attachments WHERE {column} = ?", (owner,))
            for attachment, text in texts:
                if self.keep_text(text) != attachment.digest:
                    raise ValueError(f"{attachment.name}: its digest is not its text's")
            insert_rows(self._conn, column, owner, [a for a, _text in texts])

    def _get(self, column: str, owner: int) -> tuple[Attachment, ...]:
        rows = self._conn.execute(
            f"SELECT {WITH_TEXT} WHERE {column} = ? ORDER BY position",
            (owner,),
        ).fetchall()
        return tuple(attachment_from_row(tuple(row)) for row in rows)


def insert_rows(
    conn: sqlite3.Connection, column: str, owner: int, attachments: Sequence[Attachment]
) -> None:
    """The rows of ``owner``'s attachments in order (``column``: "message_id" or
    "draft_id"); the texts they carry are stored (once), the others must be already."""
    now = time.time()
    conn.executemany(
        "INSERT OR IGNORE INTO documents (digest, text, created) VALUES (?, ?, ?)",
        [(a.digest, a.text, now) for a in attachments if a.text],
    )
    conn.executemany(
        f"INSERT INTO attachments ({column}, position, {ATTACHMENT_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(owner, position, *attachment_values(a)) for position, a in enumerate(attachments)],
    )
