"""Opening the history database: look before touching it, migrate, and move a damaged
file aside (never delete it).

One file, WAL journal with ``synchronous=NORMAL``: a committed write survives the
process being killed. Errors that do not mean "this file is damaged" (locked, disk
full, no permission) are raised as they are, so nobody moves a good file aside.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from mixtral_desktop.core.storage import migrations

log = logging.getLogger(__name__)

SCHEMA_VERSION = 6

BUSY_TIMEOUT_S = 5.0


class DatabaseCorrupt(Exception):
    """The file is not a usable database of ours (corrupt, not SQLite, or from the future)."""


class DatabaseTooNew(DatabaseCorrupt):
    """The file was written by a newer version of the app (its schema version is unknown)."""



def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or migrating) the database for writing; raises DatabaseCorrupt.

    Cheap at any size: reads the header and the schema, never scans the data. The
    connection is in autocommit mode and belongs to the thread that opened it.
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
        version = migrations.user_version(conn)
        if 0 < version < SCHEMA_VERSION:
            backup = back_up(conn, path, version)
            log.info("history database %s backed up to %s before migrating", path, backup)
        else:
            remove_backups(path)  # a start that needed no migration: the copy has served
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
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing database (search runs on one of its own).

    Usable from any thread, one at a time: its owner hands it to a single worker.
    """
    return sqlite3.connect(
        Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
        check_same_thread=False,
    )


def backup_path(path: Path, version: int) -> Path:
    """Where the copy made before migrating from schema ``version`` goes."""
    return path.with_name(f"{path.name}.before-v{version + 1}")


def back_up(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the database with SQLite's backup API (consistent, WAL included) before a
    migration; the copy stays until the next start that needs no migration."""
    target = backup_path(path, version)
    partial = target.with_name(target.name + ".partial")
    copy = sqlite3.connect(partial)
    try:
        conn.backup(copy)
    finally:
        copy.close()
    os.replace(partial, target)  # a crash while copying never leaves a half copy named so
    return target


def remove_backups(path: Path) -> None:
    """Forget the copies made before earlier migrations (this start went well)."""
    for backup in path.parent.glob(f"{path.name}.before-v*"):
        try:
            backup.unlink()
        except OSError as error:
            log.warning("could not remove the old backup %s: %s", backup, error)


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

