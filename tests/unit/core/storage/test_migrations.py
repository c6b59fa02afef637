"""Opening history files of every kind: new, old versions, damaged, foreign, from the future."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.storage import database as database_module
from mixtral_desktop.core.storage import migrations
from mixtral_desktop.core.storage.database import (
    SCHEMA_VERSION,
    DatabaseCorrupt,
    DatabaseTooNew,
    move_aside,
)
from mixtral_desktop.core.storage.store import Store, open_or_recover
from tests.fakes.history_data import populate, raw, search


def schema(path: Path) -> list[tuple[str, str, str]]:
    with raw(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        return [(t, n, re.sub(r"\s+", " ", s or "")) for t, n, s in rows]


def build_at(path: Path, version: int) -> None:
    """A database at ``version`` holding data, written with that version's own DDL."""
    with raw(path) as conn:
        migrations.migrate(conn, target=version)
        assert migrations.user_version(conn) == version
        if version >= 1:
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO conversations (id, title, custom_title, created, updated, deleted_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (1, "Pâtisserie", 1, 100.0, 300.0, None),
                    (2, "", 0, 150.0, 250.0, None),
                    (3, "Binned", 0, 50.0, 60.0, 70.0),
                ],
            )
            conn.executemany(
                "INSERT INTO messages (conversation_id, position, role, content, state, created,"
                " prompt_tokens, completion_tokens, total_tokens, error, remaining_credits)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (1, 1, "user", "Une recette de crème brûlée ?", "done", 101.0,
                     None, None, None, None, None),
                    (1, 2, "assistant", "Voici 🍮 la recette…", "done", 102.5,
                     12, 30, 42, None, 7.25),
                    (2, 1, "user", "zebra crossing rules", "done", 151.0,
                     None, None, None, None, None),
                    (2, 2, "assistant", "Half a repl", "incomplete", 152.0,
                     None, None, None, "cut", None),
                    (3, 1, "user", "zebra in the bin", "done", 51.0,
                     None, None, None, None, None),
                ],
            )
            conn.execute("COMMIT")


# -- migrations -------------------------------------------------------------------------


def test_migrations_are_numbered_and_set_their_version() -> None:
    versions = [m.version for m in migrations.MIGRATIONS]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert migrations.LATEST == SCHEMA_VERSION
    for migration in migrations.MIGRATIONS:
        assert migration.statements[-1] == f"PRAGMA user_version = {migration.version}"
    assert set(migrations.TABLES) == set(range(SCHEMA_VERSION + 1))


def test_new_file_is_created_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    Store.open(path).close()
    with raw(path) as conn:
        assert migrations.user_version(conn) == SCHEMA_VERSION
    assert {n for t, n, _ in schema(path) if t == "table"} >= migrations.TABLES[SCHEMA_VERSION]


def test_zero_byte_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    with Store.open(path) as store:
        assert store.count_conversations() == 0


@pytest.mark.parametrize("start", range(SCHEMA_VERSION))
def test_every_older_version_migrates_to_the_current_schema(tmp_path: Path, start: int) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    old = tmp_path / "old.sqlite3"
    build_at(old, start)
    Store.open(old).close()
    assert schema(old) == schema(fresh)


def test_v1_data_is_kept_and_becomes_searchable(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    build_at(path, 1)
    with Store.open(path) as store:
        listed = store.list_conversations()
        assert [(c.id, c.title, c.message_count, c.custom_title) for c in listed] == [
            (1, "Pâtisserie", 2, True), (2, "", 2, False),
        ]
        assert (listed[0].created, listed[0].updated) == (100.0, 300.0)
        binned = store.conversation(3)
        assert binned is not None and binned.deleted_at == 70.0
        assert store.messages(1)[1] == Message(
            Role.ASSISTANT, "Voici 🍮 la recette…", MessageState.DONE, 102.5,
            Usage(12, 30, 42), None, 7.25, id=2,
        )
        assert store.messages(2)[1].state is MessageState.INCOMPLETE
        assert [h.message_id for h in search(store, "creme brulee")] == [1]
        assert [h.conversation_id for h in search(store, "zebra")] == [2]  # 3 is deleted
        store.restore_conversation(3)
        assert sorted(h.conversation_id for h in search(store, "zebra")) == [2, 3]
        # The new tables work on the migrated file.
        store.save_draft(1, "encore", Role.USER)
        store.app_state.set("k", "v")
        added = store.add_message(1, Message(Role.USER, "et le caramel"))
        assert added.id == 6
        assert [m.content for m in store.messages(1)][-1] == "et le caramel"
    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")


def test_reopening_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    Store.open(path).close()
    with raw(path) as conn:
        assert migrations.migrate(conn) == []
    before = path.read_bytes()
    Store.open(path).close()
    assert path.read_bytes() == before


def test_a_failing_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite3"
    build_at(path, 1)
    broken = migrations.Migration(
        2, "broken", ("CREATE TABLE drafts (x)", "SELECT * FROM no_such_table",
                      "PRAGMA user_version = 2"),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.V1, broken))
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        Store.open(path)
    with raw(path) as conn:
        assert migrations.user_version(conn) == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "drafts" not in tables
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 5
    monkeypatch.undo()
    with Store.open(path) as store:  # the real migration still works afterwards
        assert search(store, "zebra")


def test_migration_that_forgets_its_version_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        migrations, "MIGRATIONS", (migrations.Migration(1, "sloppy", ("CREATE TABLE t (x)",)),)
    )
    with raw(tmp_path / "h.sqlite3") as conn:
        with pytest.raises(migrations.MigrationError):
            migrations.migrate(conn, target=1)
        assert migrations.user_version(conn) == 0
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


# -- files that are not (or no longer) ours ----------------------------------------------


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 40)


def text_file(path: Path) -> None:
    path.write_text("these are my notes, not a database\n")


def truncated(path: Path) -> None:
    populate(path, conversations=30, messages_per=10, seed=3)
    data = path.read_bytes()
    assert not Path(f"{path}-wal").exists()  # a clean close checkpointed everything
    path.write_bytes(data[: len(data) * 2 // 5])


def cut_header(path: Path) -> None:
    Store.open(path).close()
    path.write_bytes(path.read_bytes()[:60])


def from_the_future(path: Path) -> None:
    Store.open(path).close()
    with raw(path) as conn:
        conn.execute("PRAGMA user_version = 99")
        conn.execute("CREATE TABLE hologram (x)")


def foreign(path: Path) -> None:
    with raw(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")


def missing_tables(path: Path) -> None:
    with raw(path) as conn:
        conn.execute("PRAGMA user_version = 2")
        conn.execute("CREATE TABLE conversations (id)")


def damaged_page(path: Path) -> None:
    populate(path, conversations=30, messages_per=10, seed=4)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size : 2 * page_size] = b"\xff" * page_size  # the schema's second page
    path.write_bytes(bytes(data))


DAMAGED = {
    "garbage": garbage,
    "text": text_file,
    "truncated": truncated,
    "cut_header": cut_header,
    "from_the_future": from_the_future,
    "foreign": foreign,
    "missing_tables": missing_tables,
}


@pytest.mark.parametrize("make", DAMAGED.values(), ids=DAMAGED.keys())
def test_unusable_file_raises_and_is_left_untouched(tmp_path: Path, make: object) -> None:
    path = tmp_path / "history.sqlite3"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt) as caught:
        Store.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_future_version_says_so(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    from_the_future(path)
    with pytest.raises(DatabaseTooNew, match=r"newer .*schema version 99"):
        Store.open(path)


def test_corrupt_page_is_detected_on_use_if_not_at_open(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    damaged_page(path)
    try:
        store = Store.open(path)
    except DatabaseCorrupt:
        return  # the damage was in what open reads: fine too
    with store, pytest.raises(sqlite3.DatabaseError):
        for info in store.list_conversations(0, 1000):
            store.messages(info.id)
        search(store, "the")


@pytest.mark.parametrize("make", DAMAGED.values(), ids=DAMAGED.keys())
def test_open_or_recover_moves_the_file_aside(tmp_path: Path, make: object) -> None:
    path = tmp_path / "history.sqlite3"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    store, moved = open_or_recover(path)
    with store:
        assert moved is not None
        assert moved.parent == path.parent
        assert re.fullmatch(r"history\.sqlite3\.corrupt-\d{8}-\d{6}", moved.name)
        assert moved.read_bytes() == before
        cid = store.create_conversation()
        store.add_message(cid, Message(Role.USER, "a fresh start"))
        assert [h.conversation_id for h in search(store, "fresh")] == [cid]
        assert store.count_conversations() == 1
    assert store.path == path


def test_open_or_recover_leaves_a_good_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    populate(path, conversations=3, messages_per=2)
    store, moved = open_or_recover(path)
    with store:
        assert moved is None
        assert store.count_conversations() == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_recovery_moves_the_journal_files_too(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    garbage(path)
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    wal.write_bytes(b"old wal frames")
    shm.write_bytes(b"old shm")
    store, moved = open_or_recover(path)
    store.close()
    assert moved is not None
    assert Path(f"{moved}-wal").read_bytes() == b"old wal frames"
    assert Path(f"{moved}-shm").read_bytes() == b"old shm"
    assert not wal.exists() or wal.read_bytes() != b"old wal frames"


CRASHED_NEWER_APP = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA user_version = 99")
conn.execute("CREATE TABLE future (x)")
conn.execute("INSERT INTO future VALUES ('only in the WAL')")
os._exit(0)  # no close: the committed pages stay in the WAL
"""


def test_refused_file_keeps_its_wal_unreplayed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    subprocess.run([sys.executable, "-c", CRASHED_NEWER_APP, str(path)], check=True)
    wal = Path(f"{path}-wal")
    before, wal_before = path.read_bytes(), wal.read_bytes()
    assert len(wal_before) > 0
    store, moved = open_or_recover(path)
    store.close()
    assert moved is not None
    assert moved.read_bytes() == before
    assert Path(f"{moved}-wal").read_bytes() == wal_before
    with raw(moved) as conn:  # the moved pair is still a readable database
        assert conn.execute("SELECT x FROM future").fetchall() == [("only in the WAL",)]


def test_move_aside_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module.time, "strftime", lambda fmt: "20261125-171500")
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"one")
    first = move_aside(path)
    path.write_bytes(b"two")
    second = move_aside(path)
    assert first.name == "history.sqlite3.corrupt-20261125-171500"
    assert second.name == "history.sqlite3.corrupt-20261125-171500-2"
    assert (first.read_bytes(), second.read_bytes()) == (b"one", b"two")


def test_a_locked_file_is_not_mistaken_for_a_corrupt_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    with raw(path) as holder:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("CREATE TABLE t (x)")  # now holds an exclusive lock on the file
        monkeypatch.setattr(database_module, "BUSY_TIMEOUT_S", 0.05)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            open_or_recover(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_open_reads_the_schema_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up stays as fast with 100,000 messages as with none: no check, no scan."""
    path = tmp_path / "history.sqlite3"
    populate(path, conversations=20, messages_per=5)
    statements: list[str] = []
    real_connect = sqlite3.connect

    def tracing_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(database_module.sqlite3, "connect", tracing_connect)
    Store.open(path).close()
    assert statements
    text = "\n".join(statements).lower()
    assert "integrity_check" not in text and "quick_check" not in text
    assert "from messages" not in text and "from conversations" not in text
