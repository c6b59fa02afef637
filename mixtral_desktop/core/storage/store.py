"""The history: conversations, messages, drafts and app state in SQLite.

This package owns every SQL statement of the app, all parameterised (the schema is in
:mod:`.migrations`, opening and recovering in :mod:`.database`, search in
:mod:`.search`). One connection, used from the GUI thread only.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.domain.titles import title_from_message
from mixtral_desktop.core.domain.tree import ConversationTree
from mixtral_desktop.core.storage import database, message_rows
from mixtral_desktop.core.storage.app_state import AppState
from mixtral_desktop.core.storage.attachment_rows import AttachmentRows
from mixtral_desktop.core.storage.chat_settings_rows import ChatSettingsTable
from mixtral_desktop.core.storage.database import DatabaseCorrupt, move_aside
from mixtral_desktop.core.storage.paid_replies import PaidReplies
from mixtral_desktop.core.storage.records import (
    ConversationInfo,
    conversation_from_row,
)

log = logging.getLogger(__name__)

# Constant query heads, shared by several methods (no values are ever pasted into SQL).
_SELECT_CONVERSATIONS = (
    "SELECT c.id, c.title, c.created, c.updated,"
    " (SELECT count(*) FROM messages AS m WHERE m.conversation_id = c.id),"
    " c.custom_title, c.deleted_at FROM conversations AS c"
)

LAST = -1
"""``add_message``'s default parent: the last message of the active path."""


class Store:
    """One connection, used from the GUI thread only; every write is its own transaction.

    Group several writes into one transaction with :meth:`transaction`. The app's own
    state (tabs, geometry) is :attr:`app_state`; each chat's settings are
    :attr:`chat_settings`.
    """

    path: Path

    def __init__(
        self, conn: sqlite3.Connection, path: Path, clock: Callable[[], float] = time.time
    ) -> None:
        """Wrap an open, migrated connection; use :meth:`open` instead."""
        self._conn = conn
        self.path = path
        self._clock = clock
        self.app_state = AppState(conn, self.transaction)
        self.chat_settings = ChatSettingsTable(conn, self.transaction, clock)
        self.paid_replies = PaidReplies(conn)  # the rate the cost estimates use
        self.attachments = AttachmentRows(conn, self.transaction)  # documents, kept once

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Store:
        """Open (creating or migrating) the database; raises DatabaseCorrupt (see
        :func:`~mixtral_desktop.core.storage.database.connect`)."""
        return cls(database.connect(path), Path(path), clock)

    def close(self) -> None:
        """Close the connection; the last one to close checkpoints and removes the WAL.

        Runs ``PRAGMA optimize`` first (SQLite's advice: cheap, keeps query plans good).
        """
        try:
            if not self._conn.in_transaction:
                self._conn.execute("PRAGMA optimize")
        except sqlite3.ProgrammingError:
            return  # already closed
        except sqlite3.Error as error:
            log.warning("history database %s: optimize failed: %s", self.path, error)
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block; nested blocks join the outer one."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # conversations
    def create_conversation(self, title: str = "") -> int:
        """A new, empty conversation; ``title`` counts as automatic (not custom)."""
        now = self._clock()
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO conversations (title, custom_title, created, updated)"
                " VALUES (?, 0, ?, ?)",
                (title, now, now),
            )
        return _rowid(cursor)

    def insert_conversation(
        self,
        title: str,
        messages: Iterable[Message] | ConversationTree,
        *,
        created: float,
        updated: float,
        custom_title: bool = False,
    ) -> int:
        """A whole conversation with its timestamps as given (import, test data); its id.

        ``messages``: a line of messages, or a tree with its versions and active path.
        """
        tree = messages if isinstance(messages, ConversationTree) else (
            ConversationTree.linear(messages)
        )
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO conversations (title, custom_title, created, updated)"
                " VALUES (?, ?, ?, ?)",
                (title, int(custom_title), created, updated),
            )
            conversation_id = _rowid(cursor)
            message_rows.insert_tree(self._conn, conversation_id, tree)
        return conversation_id

    def conversation(self, conversation_id: int) -> ConversationInfo | None:
        """The conversation, deleted or not; None if there is no such id."""
        row = self._conn.execute(
            _SELECT_CONVERSATIONS + " WHERE c.id = ?",
            (conversation_id,),
        ).fetchone()
        return None if row is None else conversation_from_row(row)

    def list_conversations(self, offset: int = 0, limit: int = 200) -> list[ConversationInfo]:
        """Newest activity first; deleted ones are left out."""
        rows = self._conn.execute(
            _SELECT_CONVERSATIONS + " WHERE c.deleted_at IS NULL"
            " ORDER BY c.updated DESC, c.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [conversation_from_row(row) for row in rows]

    def count_conversations(self) -> int:
        """How many conversations are not deleted."""
        count: int = self._conn.execute(
            "SELECT count(*) FROM conversations WHERE deleted_at IS NULL"
        ).fetchone()[0]
        return count

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """A title chosen by the user (custom_title becomes True).

        A blank title gives the choice back: the conversation gets its automatic
        title again (from its first user message) and custom_title becomes False.
        """
        title = " ".join(title.split())
        custom = bool(title)
        if not custom:
            title = _first_user_title(self._conn, conversation_id)
        with self.transaction():
            cursor = self._conn.execute(
                "UPDATE conversations SET title = ?, custom_title = ? WHERE id = ?",
                (title, int(custom), conversation_id),
            )
            _expect_row(cursor, conversation_id)

    def set_auto_title(self, conversation_id: int, title: str) -> None:
        """A title made from the first user message; ignored once the user renamed it.

        Only fills an empty title: a later message never replaces the first one's
        title, so callers may offer every user message.
        """
        with self.transaction():
            self._conn.execute(
                "UPDATE conversations SET title = ?"
                " WHERE id = ? AND custom_title = 0 AND title = ''",
                (title, conversation_id),
            )

    def delete_conversation(self, conversation_id: int) -> None:
        """Soft delete (undo with restore_conversation)."""
        with self.transaction():
            self._conn.execute(
                "UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (self._clock(), conversation_id),
            )

    def restore_conversation(self, conversation_id: int) -> None:
        with self.transaction():
            self._conn.execute(
                "UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,)
            )

    def purge_conversation(self, conversation_id: int) -> None:
        """Really delete one conversation now, deleted or not (no undo; others untouched)."""
        with self.transaction():
            self._conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def purge_deleted(self) -> int:
        """Really delete soft-deleted conversations; returns how many."""
        with self.transaction():
            cursor = self._conn.execute("DELETE FROM conversations WHERE deleted_at IS NOT NULL")
        return cursor.rowcount

    # messages
    def add_message(
        self, conversation_id: int, message: Message, parent_id: int | None = LAST
    ) -> Message:
        """Insert as the newest child of ``parent_id`` (None: a version of the first turn;
        by default after the last message of the active path), made its active child;
        returns the message with its id.

        The conversation's last activity becomes now. KeyError if there is no such
        conversation.
        """
        if message.id is not None:
            raise ValueError(f"message {message.id} is already saved; use update_message")
        with self.transaction():
            touched = self._conn.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?",
                (self._clock(), conversation_id),
            )
            _expect_row(touched, conversation_id)
            if parent_id == LAST:
                parent_id = message_rows.leaf_id(self._conn, conversation_id)
            message_id = message_rows.insert(self._conn, conversation_id, message, parent_id)
        return replace(message, id=message_id)

    def set_active_child(
        self, conversation_id: int, parent_id: int | None, child_id: int
    ) -> None:
        """The version of a turn shown under ``parent_id`` (None: the first turn)."""
        with self.transaction():
            message_rows.set_active(self._conn, conversation_id, parent_id, child_id)

    def update_message(self, message: Message) -> None:
        """Content, state, usage, error, credits and counts of a saved message (by id).

        Cheap enough for a streaming save every few hundred ms: one UPDATE (the text
        is re-indexed only if it changed) and a touch of the conversation's activity.
        """
        if message.id is None:
            raise ValueError("the message was never saved (it has no id)")
        usage = message.usage
        with self.transaction():
            cursor = self._conn.execute(
                "UPDATE messages SET content = ?, state = ?, prompt_tokens = ?,"
                " completion_tokens = ?, total_tokens = ?, error = ?, remaining_credits = ?,"
                " parameters = ?, counted_tokens = ?, credits_spent = ?, credits_note = ?"
                " WHERE id = ?",
                (
                    message.content,
                    message.state.value,
                    None if usage is None else usage.prompt_tokens,
                    None if usage is None else usage.completion_tokens,
                    None if usage is None else usage.total_tokens,
                    message.error,
                    message.remaining_credits,
                    message.parameters,
                    message.counted_tokens,
                    message.credits_spent,
                    message.credits_note,
                    message.id,
                ),
            )
            _expect_row(cursor, message.id)
            self._conn.execute(
                "UPDATE conversations SET updated = ?"
                " WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                (self._clock(), message.id),
            )

    def delete_messages(self, message_ids: Iterable[int]) -> None:
        """Delete messages and every message below them (later turns, their versions)."""
        with self.transaction():
            message_rows.delete(self._conn, message_ids)

    def tree(self, conversation_id: int) -> ConversationTree:
        """Every message of the conversation (each with its id) and the active versions."""
        return message_rows.load_tree(self._conn, conversation_id)

    def messages(self, conversation_id: int) -> list[Message]:
        """The visible chat: the active path's messages in order, each with its id."""
        return self.tree(conversation_id).path_messages()

    # drafts
    def save_draft(
        self, conversation_id: int, text: str, role: Role,
        documents: Sequence[Attachment] | None = None,
    ) -> None:
        """Remember the composer's text and, given, the draft's documents (carrying their
        texts; ``()``: none any more). A draft with neither text nor documents is
        forgotten (the documents kept before count when ``documents`` is None)."""
        conn, role_value, now = self._conn, Role(role).value, self._clock()
        with self.transaction():
            if not text.strip() and not documents:
                kept = " AND NOT EXISTS (SELECT 1 FROM attachments WHERE draft_id = ?)"
                if documents is None:
                    conn.execute("DELETE FROM drafts WHERE conversation_id = ?" + kept,
                                 (conversation_id, conversation_id))
                    conn.execute("UPDATE drafts SET text = ?, role = ?, updated = ?"
                                 " WHERE conversation_id = ?",
                                 (text, role_value, now, conversation_id))
                else:
                    conn.execute("DELETE FROM drafts WHERE conversation_id = ?",
                                 (conversation_id,))
                return
            try:
                conn.execute(
                    "INSERT INTO drafts (conversation_id, text, role, updated) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (conversation_id) DO UPDATE"
                    " SET text = excluded.text, role = excluded.role, updated = excluded.updated",
                    (conversation_id, text, role_value, now),
                )
            except sqlite3.IntegrityError as error:  # the foreign key: no such conversation
                raise KeyError(conversation_id) from error
            if documents is not None:
                self.attachments.set_draft(conversation_id, [(a, a.text) for a in documents])

    def draft(self, conversation_id: int) -> tuple[str, Role]:
        """("", Role.USER) when there is none."""
        row = self._conn.execute(
            "SELECT text, role FROM drafts WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return "", Role.USER
        return str(row[0]), Role(row[1])


def open_or_recover(path: Path) -> tuple[Store, Path | None]:
    """Open the history; if it is damaged, move it aside and start a fresh one.

    Returns the store and where the damaged file went (None when nothing was moved).
    The file is never deleted: ``history.sqlite3`` becomes
    ``history.sqlite3.corrupt-20261125-171500`` with its ``-wal``/``-shm`` siblings.
    Only :class:`DatabaseCorrupt` triggers this; a locked or unreadable file raises.
    """
    path = Path(path)
    try:
        return Store.open(path), None
    except DatabaseCorrupt as error:
        log.error("history database unusable, moving it aside: %s", error)
        moved = move_aside(path)
    return Store.open(path), moved


def _rowid(cursor: sqlite3.Cursor) -> int:
    rowid = cursor.lastrowid
    assert rowid is not None
    return rowid


def _expect_row(cursor: sqlite3.Cursor, key: int) -> None:
    if cursor.rowcount == 0:
        raise KeyError(key)


def _first_user_title(conn: sqlite3.Connection, conversation_id: int) -> str:
    row = conn.execute(
        "SELECT content FROM messages WHERE conversation_id = ? AND role = ?"
        " ORDER BY position LIMIT 1",
        (conversation_id, Role.USER.value),
    ).fetchone()
    return "" if row is None else title_from_message(str(row[0]))
