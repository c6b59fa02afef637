"""SQLite history: conversations, messages, drafts, app state, full-text search.

This module (with :mod:`migrations`, which holds the schema) owns every SQL
statement of the app, all parameterised. One file, WAL journal with
``synchronous=NORMAL``: a committed write survives the process being killed.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.domain.titles import title_from_message
from mixtral_desktop.core.storage import migrations

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2

BUSY_TIMEOUT_S = 5.0
SNIPPET_TOKENS = 16
MAX_QUERY_TERMS = 32
RANKED_CANDIDATES = 2000


class DatabaseCorrupt(Exception):
    """The file is not a usable database of ours (corrupt, not SQLite, or from the future)."""


class DatabaseTooNew(DatabaseCorrupt):
    """The file was written by a newer version of the app (its schema version is unknown)."""


@dataclass(frozen=True)
class ConversationInfo:
    id: int
    title: str
    created: float
    updated: float  # last activity: the newest message, rename or draft does not count
    message_count: int
    custom_title: bool  # renamed by the user: never replaced by an automatic title
    deleted_at: float | None = None  # set while soft-deleted (restore_conversation undoes it)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    message_id: int
    title: str
    role: Role
    snippet: str  # plain text with the matches between HIT_START and HIT_END
    created: float


HIT_START = "\x02"
HIT_END = "\x03"

# Constant query heads, shared by several methods (no values are ever pasted into SQL).
_SELECT_CONVERSATIONS = (
    "SELECT c.id, c.title, c.created, c.updated,"
    " (SELECT count(*) FROM messages AS m WHERE m.conversation_id = c.id),"
    " c.custom_title, c.deleted_at FROM conversations AS c"
)
_SELECT_MESSAGES = (
    "SELECT id, role, content, state, created, prompt_tokens, completion_tokens,"
    " total_tokens, error, remaining_credits FROM messages"
)
_INSERT_MESSAGE = (
    "INSERT INTO messages (conversation_id, position, role, content, state, created,"
    " prompt_tokens, completion_tokens, total_tokens, error, remaining_credits)"
)


class Store:
    """One connection, used from the GUI thread only; every write is its own transaction.

    Group several writes into one transaction with :meth:`transaction`.
    """

    path: Path

    def __init__(
        self, conn: sqlite3.Connection, path: Path, clock: Callable[[], float] = time.time
    ) -> None:
        """Wrap an open, migrated connection; use :meth:`open` instead."""
        self._conn = conn
        self.path = path
        self._clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Store:
        """Open (creating or migrating) the database; raises DatabaseCorrupt.

        Cheap at any size: reads the header and the schema, never scans the data.
        Errors that do not mean "this file is damaged" (locked, disk full, no
        permission) are raised as they are, so nobody moves a good file aside.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Look before changing anything: a file we refuse keeps its bytes and its WAL.
        _probe(path)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True
        )
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            _check_schema(conn, path)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("history database %s: journal mode is %s, not WAL", path, mode)
            conn.execute("PRAGMA synchronous = NORMAL")
            applied = migrations.migrate(conn, SCHEMA_VERSION)
            if applied:
                log.info("history database %s migrated to version(s) %s", path, applied)
        except sqlite3.DatabaseError as error:
            conn.close()
            if _is_corruption(error):
                raise DatabaseCorrupt(f"{path} is damaged or not a database: {error}") from error
            raise
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, clock)

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
        messages: Iterable[Message],
        *,
        created: float,
        updated: float,
        custom_title: bool = False,
    ) -> int:
        """A whole conversation with its timestamps as given (import, test data); its id."""
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO conversations (title, custom_title, created, updated)"
                " VALUES (?, ?, ?, ?)",
                (title, int(custom_title), created, updated),
            )
            conversation_id = _rowid(cursor)
            self._conn.executemany(
                _INSERT_MESSAGE + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (conversation_id, position, *_message_values(message))
                    for position, message in enumerate(messages, start=1)
                ),
            )
        return conversation_id

    def conversation(self, conversation_id: int) -> ConversationInfo | None:
        """The conversation, deleted or not; None if there is no such id."""
        row = self._conn.execute(
            _SELECT_CONVERSATIONS + " WHERE c.id = ?",
            (conversation_id,),
        ).fetchone()
        return None if row is None else _conversation(row)

    def list_conversations(self, offset: int = 0, limit: int = 200) -> list[ConversationInfo]:
        """Newest activity first; deleted ones are left out."""
        rows = self._conn.execute(
            _SELECT_CONVERSATIONS + " WHERE c.deleted_at IS NULL"
            " ORDER BY c.updated DESC, c.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [_conversation(row) for row in rows]

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
            title = self._first_user_title(conversation_id)
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
    def add_message(self, conversation_id: int, message: Message) -> Message:
        """Insert at the end of the conversation; returns the message with its id.

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
            cursor = self._conn.execute(
                _INSERT_MESSAGE + " VALUES (?, (SELECT coalesce(max(position), 0) + 1"
                " FROM messages WHERE conversation_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, conversation_id, *_message_values(message)),
            )
        return replace(message, id=_rowid(cursor))

    def update_message(self, message: Message) -> None:
        """Content, state, usage, error, remaining credits of a saved message (by id).

        Cheap enough for a streaming save every few hundred ms: one UPDATE (the text
        is re-indexed only if it changed) and a touch of the conversation's activity.
        """
        if message.id is None:
            raise ValueError("the message was never saved (it has no id)")
        usage = message.usage
        with self.transaction():
            cursor = self._conn.execute(
                "UPDATE messages SET content = ?, state = ?, prompt_tokens = ?,"
                " completion_tokens = ?, total_tokens = ?, error = ?, remaining_credits = ?"
                " WHERE id = ?",
                (
                    message.content,
                    message.state.value,
                    None if usage is None else usage.prompt_tokens,
                    None if usage is None else usage.completion_tokens,
                    None if usage is None else usage.total_tokens,
                    message.error,
                    message.remaining_credits,
                    message.id,
                ),
            )
            _expect_row(cursor, message.id)
            self._conn.execute(
                "UPDATE conversations SET updated = ?"
                " WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                (self._clock(), message.id),
            )

    def delete_message(self, message_id: int) -> None:
        with self.transaction():
            self._conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def messages(self, conversation_id: int) -> list[Message]:
        """The conversation's messages in order, each with its id."""
        rows = self._conn.execute(
            _SELECT_MESSAGES + " WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        ).fetchall()
        return [_message(row) for row in rows]

    # drafts
    def save_draft(self, conversation_id: int, text: str, role: Role) -> None:
        """Remember the composer's text; a blank text forgets the draft."""
        with self.transaction():
            if not text.strip():
                self._conn.execute(
                    "DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,)
                )
                return
            try:
                self._conn.execute(
                    "INSERT INTO drafts (conversation_id, text, role, updated) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (conversation_id) DO UPDATE"
                    " SET text = excluded.text, role = excluded.role, updated = excluded.updated",
                    (conversation_id, text, Role(role).value, self._clock()),
                )
            except sqlite3.IntegrityError as error:  # the foreign key: no such conversation
                raise KeyError(conversation_id) from error

    def draft(self, conversation_id: int) -> tuple[str, Role]:
        """("", Role.USER) when there is none."""
        row = self._conn.execute(
            "SELECT text, role FROM drafts WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return "", Role.USER
        return str(row[0]), Role(row[1])

    # app state (open tabs, window geometry...)
    def set_state(self, key: str, value: str) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO app_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def state(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def delete_state(self, key: str) -> None:
        with self.transaction():
            self._conn.execute("DELETE FROM app_state WHERE key = ?", (key,))

    # search
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
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
        floor_row = self._conn.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (match, RANKED_CANDIDATES - 1),
        ).fetchone()
        floor = 0 if floor_row is None else int(floor_row[0])
        rows = self._conn.execute(
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

    def _first_user_title(self, conversation_id: int) -> str:
        row = self._conn.execute(
            "SELECT content FROM messages WHERE conversation_id = ? AND role = ?"
            " ORDER BY position LIMIT 1",
            (conversation_id, Role.USER.value),
        ).fetchone()
        return "" if row is None else title_from_message(str(row[0]))


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


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its -wal, -shm, -journal files) to a free ``.corrupt-<time>`` name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while _any_exists(target):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    # Siblings first: a stale WAL next to a fresh database would be replayed into it.
    for suffix in ("-wal", "-shm", "-journal"):
        sibling = path.with_name(path.name + suffix)
        if sibling.exists():
            os.replace(sibling, target.with_name(target.name + suffix))
    os.replace(path, target)
    return target


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


SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER_SIZE = 100


def _probe(path: Path) -> None:
    """Check an existing file without writing to it; raises DatabaseCorrupt.

    SQLite itself would, on closing, checkpoint and delete the WAL next to a file it
    then refuses; so the header is read here, and the schema through a read-only
    connection. Anything that is not about damage is left for the real open.
    """
    try:
        with path.open("rb") as file:
            header = file.read(SQLITE_HEADER_SIZE)
    except FileNotFoundError:
        return
    if header and (len(header) < SQLITE_HEADER_SIZE or not header.startswith(SQLITE_MAGIC)):
        raise DatabaseCorrupt(f"{path} is not an SQLite database (unknown header)")
    try:
        conn = sqlite3.connect(
            path.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return
    try:
        _check_schema(conn, path)
    except sqlite3.DatabaseError as error:
        if _is_corruption(error):
            raise DatabaseCorrupt(f"{path} is damaged or not a database: {error}") from error
    finally:
        conn.close()


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Read the header and the schema; DatabaseCorrupt if this is not (yet) our database."""
    version = migrations.user_version(conn)
    tables = {
        str(name)
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if version > SCHEMA_VERSION:
        raise DatabaseTooNew(
            f"{path} was written by a newer Mixtral Desktop (schema version {version};"
            f" this version reads up to {SCHEMA_VERSION})"
        )
    if version < 0:
        raise DatabaseCorrupt(f"{path} has an invalid schema version {version}")
    ours = {t for t in tables if not t.startswith(("sqlite_", "messages_fts_"))}
    if version == 0 and ours:
        raise DatabaseCorrupt(
            f"{path} is an SQLite database, but not a Mixtral Desktop history"
            f" (tables: {', '.join(sorted(ours))})"
        )
    missing = migrations.TABLES[version] - tables
    if missing:
        raise DatabaseCorrupt(
            f"{path} is damaged: schema version {version} but no {', '.join(sorted(missing))}"
        )


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    """SQLITE_CORRUPT or SQLITE_NOTADB (any extended code), as opposed to busy, I/O..."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    text = str(error).lower()
    return "not a database" in text or "malformed" in text


def _any_exists(target: Path) -> bool:
    return any(
        target.with_name(target.name + suffix).exists() for suffix in ("", "-wal", "-shm")
    )


def _rowid(cursor: sqlite3.Cursor) -> int:
    rowid = cursor.lastrowid
    assert rowid is not None
    return rowid


def _expect_row(cursor: sqlite3.Cursor, key: int) -> None:
    if cursor.rowcount == 0:
        raise KeyError(key)


def _message_values(message: Message) -> tuple[object, ...]:
    """The columns after conversation_id and position, in insert order."""
    usage = message.usage
    return (
        Role(message.role).value,
        message.content,
        MessageState(message.state).value,
        message.created,
        None if usage is None else usage.prompt_tokens,
        None if usage is None else usage.completion_tokens,
        None if usage is None else usage.total_tokens,
        message.error,
        message.remaining_credits,
    )


def _conversation(row: tuple[object, ...]) -> ConversationInfo:
    cid, title, created, updated, count, custom, deleted_at = row
    return ConversationInfo(
        id=_int(cid),
        title=str(title),
        created=_float(created),
        updated=_float(updated),
        message_count=_int(count),
        custom_title=bool(custom),
        deleted_at=None if deleted_at is None else _float(deleted_at),
    )


def _message(row: tuple[object, ...]) -> Message:
    mid, role, content, state, created, prompt, completion, total, error, credits = row
    usage = None
    if prompt is not None or completion is not None or total is not None:
        usage = Usage(_int(prompt), _int(completion), _int(total))
    return Message(
        role=Role(str(role)),
        content=str(content),
        state=MessageState(str(state)),
        created=_float(created),
        usage=usage,
        error=None if error is None else str(error),
        remaining_credits=None if credits is None else _float(credits),
        id=_int(mid),
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
