"""The history database's schema, as a list of migrations tracked by ``PRAGMA user_version``.

Each migration is data (its SQL statements) so a test can build a database at any
older version, fill it, then let :func:`migrate` bring it up to date. A migration
runs in one transaction, its last statement setting ``user_version`` to its own
number: a crash in the middle leaves the database at the previous version.

Never edit a released migration; add a new one instead.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: tuple[str, ...]


V1 = Migration(
    1,
    "conversations and messages",
    (
        """
        CREATE TABLE conversations (
            id           INTEGER PRIMARY KEY,
            title        TEXT    NOT NULL DEFAULT '',
            custom_title INTEGER NOT NULL DEFAULT 0,
            created      REAL    NOT NULL,
            updated      REAL    NOT NULL,
            deleted_at   REAL
        )
        """,
        # Listing by last activity, deleted conversations left out of the index.
        """
        CREATE INDEX conversations_by_activity
            ON conversations (updated DESC, id DESC) WHERE deleted_at IS NULL
        """,
        """
        CREATE TABLE messages (
            id                INTEGER PRIMARY KEY,
            conversation_id   INTEGER NOT NULL
                              REFERENCES conversations (id) ON DELETE CASCADE,
            position          INTEGER NOT NULL,
            role              TEXT    NOT NULL,
            content           TEXT    NOT NULL,
            state             TEXT    NOT NULL,
            created           REAL    NOT NULL,
            prompt_tokens     INTEGER,
            completion_tokens INTEGER,
            total_tokens      INTEGER,
            error             TEXT,
            remaining_credits REAL
        )
        """,
        # A conversation's messages in order; also serves the foreign key and counts.
        """
        CREATE UNIQUE INDEX messages_by_conversation
            ON messages (conversation_id, position)
        """,
        "PRAGMA user_version = 1",
    ),
)

V2 = Migration(
    2,
    "full-text search over messages; drafts; app state",
    (
        # External-content FTS5 index: the text lives once, in messages.content.
        # Prefix indexes for 2 and 3 characters make search-as-you-type fast ("th*"
        # would otherwise merge hundreds of terms); they cost about a third more space.
        """
        CREATE VIRTUAL TABLE messages_fts USING fts5 (
            content,
            content = 'messages',
            content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '2 3'
        )
        """,
        """
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
        END
        """,
        """
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
                VALUES ('delete', old.id, old.content);
        END
        """,
        # Only a change of text re-indexes: a state-only save stays one plain UPDATE.
        """
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
        WHEN old.content IS NOT new.content BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
                VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
        END
        """,
        # Index the messages written before this version.
        "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
        """
        CREATE TABLE drafts (
            conversation_id INTEGER PRIMARY KEY
                            REFERENCES conversations (id) ON DELETE CASCADE,
            text            TEXT NOT NULL,
            role            TEXT NOT NULL,
            updated         REAL NOT NULL
        )
        """,
        """
        CREATE TABLE app_state (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        "PRAGMA user_version = 2",
    ),
)

V3 = Migration(
    3,
    "conversations as trees: each message's parent and active child",
    (
        # parent_id NULL: a version of the first turn (the conversation is the root).
        # Deleting a message deletes its descendants. active_child_id is a plain column,
        # not a foreign key: ON DELETE SET NULL would scan every message on each delete;
        # a pointer to a message that is gone falls back to the newest child on load.
        "ALTER TABLE messages ADD COLUMN parent_id INTEGER"
        " REFERENCES messages (id) ON DELETE CASCADE",
        "ALTER TABLE messages ADD COLUMN active_child_id INTEGER",
        "ALTER TABLE conversations ADD COLUMN active_child_id INTEGER",
        # Today's lines become single-branch trees: each message's parent is the one
        # before it, its active child the one after it.
        """
        UPDATE messages SET
            parent_id = (
                SELECT p.id FROM messages AS p
                WHERE p.conversation_id = messages.conversation_id
                  AND p.position < messages.position
                ORDER BY p.position DESC LIMIT 1
            ),
            active_child_id = (
                SELECT c.id FROM messages AS c
                WHERE c.conversation_id = messages.conversation_id
                  AND c.position > messages.position
                ORDER BY c.position LIMIT 1
            )
        """,
        """
        UPDATE conversations SET active_child_id = (
            SELECT m.id FROM messages AS m WHERE m.conversation_id = conversations.id
            ORDER BY m.position LIMIT 1
        )
        """,
        # The children of a message (versions, deletes cascading to descendants).
        "CREATE INDEX messages_by_parent ON messages (parent_id)",
        "PRAGMA user_version = 3",
    ),
)

V4 = Migration(
    4,
    "each chat's settings; the parameters each reply was asked with",
    (
        # One JSON document per chat (core.domain.chat_settings: system prompt,
        # parameters, extra fields, example turns, fields left out, the preset). A chat
        # with no row has the defaults: no instructions, every parameter the server's.
        """
        CREATE TABLE chat_settings (
            conversation_id INTEGER PRIMARY KEY
                            REFERENCES conversations (id) ON DELETE CASCADE,
            settings        TEXT    NOT NULL,
            updated         REAL    NOT NULL
        ) WITHOUT ROWID
        """,
        # The body fields besides messages that produced a reply, as JSON (NULL for
        # replies made before this version, and for the user's own messages).
        "ALTER TABLE messages ADD COLUMN parameters TEXT",
        "PRAGMA user_version = 4",
    ),
)

V5 = Migration(
    5,
    "each reply's own token count and credits; the oldest messages a chat leaves out",
    (
        # Our count of the prompt that produced a reply (the server's is in
        # prompt_tokens), what the reply cost in credits, and why that figure is only
        # approximate (NULL: exact; other requests overlapped, the balance moved...).
        "ALTER TABLE messages ADD COLUMN counted_tokens INTEGER",
        "ALTER TABLE messages ADD COLUMN credits_spent REAL",
        "ALTER TABLE messages ADD COLUMN credits_note TEXT",
        # The first message a chat sends (those above it on the path stay in the chat
        # but are not sent: the user chose so when the request outgrew the window).
        "ALTER TABLE conversations ADD COLUMN context_from INTEGER",
        # The usage window reads the replies of the last 30 days.
        "CREATE INDEX messages_replies_by_time ON messages (created) WHERE role = 'assistant'",
        # Start-up fits the credit rate on the newest paid replies: without this, a
        # history of 100,000 messages and none paid yet was read whole (62 ms, +3 MB).
        "CREATE INDEX messages_paid_by_time ON messages (created)"
        " WHERE role = 'assistant' AND credits_spent IS NOT NULL",
        "PRAGMA user_version = 5",
    ),
)

V6 = Migration(
    6,
    "documents attached to messages and drafts, each text stored once",
    (
        # An extracted text, once, under the SHA-256 of its UTF-8 (core.domain.attachments):
        # the same file attached in ten chats is kept once.
        """
        CREATE TABLE documents (
            digest  TEXT PRIMARY KEY,
            text    TEXT NOT NULL,
            created REAL NOT NULL
        )
        """,
        # A message's (or an unsent draft's) attachments, in order; what the chip shows.
        """
        CREATE TABLE attachments (
            id           INTEGER PRIMARY KEY,
            message_id   INTEGER REFERENCES messages (id) ON DELETE CASCADE,
            draft_id     INTEGER REFERENCES drafts (conversation_id) ON DELETE CASCADE,
            position     INTEGER NOT NULL,
            digest       TEXT    NOT NULL REFERENCES documents (digest),
            name         TEXT    NOT NULL,
            kind         TEXT    NOT NULL,
            pages        INTEGER,
            empty_pages  TEXT    NOT NULL DEFAULT '',
            replacements INTEGER NOT NULL DEFAULT 0,
            CHECK ((message_id IS NULL) <> (draft_id IS NULL))
        )
        """,
        "CREATE UNIQUE INDEX attachments_of_messages ON attachments (message_id, position)"
        " WHERE message_id IS NOT NULL",
        "CREATE UNIQUE INDEX attachments_of_drafts ON attachments (draft_id, position)"
        " WHERE draft_id IS NOT NULL",
        "CREATE INDEX attachments_by_digest ON attachments (digest)",
        # The last reference gone (its chat deleted, its message or draft too), the text
        # goes: nothing of a document outlives every chat that used it.
        """
        CREATE TRIGGER documents_unused AFTER DELETE ON attachments
        WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE digest = OLD.digest)
        BEGIN
            DELETE FROM documents WHERE digest = OLD.digest;
        END
        """,
        "PRAGMA user_version = 6",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (V1, V2, V3, V4, V5, V6)
LATEST = MIGRATIONS[-1].version

# The tables each version must have; a database missing one is not ours (or is damaged).
TABLES: dict[int, frozenset[str]] = {
    0: frozenset(),
    1: frozenset({"conversations", "messages"}),
    2: frozenset({"conversations", "messages", "messages_fts", "drafts", "app_state"}),
    3: frozenset({"conversations", "messages", "messages_fts", "drafts", "app_state"}),
    4: frozenset(
        {"conversations", "messages", "messages_fts", "drafts", "app_state", "chat_settings"}
    ),
    5: frozenset(
        {"conversations", "messages", "messages_fts", "drafts", "app_state", "chat_settings"}
    ),
    6: frozenset(
        {"conversations", "messages", "messages_fts", "drafts", "app_state", "chat_settings",
         "documents", "attachments"}
    ),
}


class MigrationError(Exception):
    """A migration did not leave the database at the version it promised."""


def user_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> list[int]:
    """Apply every migration above the current version up to ``target``; returns those applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each migration
    gets its own ``BEGIN IMMEDIATE`` ... ``COMMIT``.
    """
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version > target or migration.version <= user_version(conn):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if migration.version <= user_version(conn):
                conn.execute("ROLLBACK")
                continue
            for statement in migration.statements:
                conn.execute(statement)
            if user_version(conn) != migration.version:
                raise MigrationError(
                    f"migration {migration.version} left user_version at {user_version(conn)}"
                )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(migration.version)
    return applied
