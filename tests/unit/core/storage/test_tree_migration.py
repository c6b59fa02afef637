"""Version 3: today's linear history becomes single-branch trees, losslessly, with a
backup made first (SQLite's backup API) that stays until the next good start; a kill -9
in the middle of the migration leaves the old database usable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.domain.tree import ROOT
from mixtral_desktop.core.storage import migrations
from mixtral_desktop.core.storage.database import backup_path
from mixtral_desktop.core.storage.store import Store
from tests.fakes.history_data import raw, search
from tests.waiting import wait_for

ROOT_DIR = Path(__file__).resolve().parents[4]

# Every column of a message row as version 2 wrote it.
ROWS = [
    # conversation, position, role, content, state, created, prompt, completion, total,
    # error, remaining credits
    (1, 1, "system", "Tu réponds en français.", "done", 100.5, None, None, None, None, None),
    (1, 2, "user", "Une recette de crème brûlée ?", "done", 101.0, None, None, None, None,
     None),
    (1, 3, "assistant", "Voici 🍮 la recette…", "done", 102.25, 12, 30, 42, None, 7.25),
    (1, 4, "assistant", "(écrit à la main)", "done", 103.0, None, None, None, None, None),
    (1, 5, "user", "Et le caramel ?", "done", 104.0, None, None, None, None, None),
    (1, 6, "assistant", "Le caram", "incomplete", 105.0, None, None, None, None, 6.5),
    (2, 1, "user", "zebra crossing rules", "done", 151.0, None, None, None, None, None),
    (2, 2, "assistant", "", "failed", 152.0, None, None, None,
     "Segmind is busy (429). Try again in a minute.", 6.0),
    (2, 3, "user", "again please", "done", 153.0, None, None, None, None, None),
    (2, 4, "assistant", "Cut by Stop", "incomplete", 154.0, 3, 2, 5, None, None),
    (3, 1, "user", "zebra in the bin", "done", 51.0, None, None, None, None, None),
    (4, 1, "user", "x" * 20_000, "done", 60.0, 0, 0, 0, None, 0.0),
]
CONVERSATIONS = [
    (1, "Pâtisserie", 1, 100.0, 300.0, None),
    (2, "zebra crossing rules", 0, 150.0, 250.0, None),
    (3, "Binned", 0, 50.0, 60.0, 70.0),
    (4, "", 0, 59.0, 61.0, None),
    (5, "Empty", 1, 80.0, 80.0, None),
]


def build_v2(path: Path) -> None:
    with raw(path) as conn:
        migrations.migrate(conn, target=2)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO conversations (id, title, custom_title, created, updated, deleted_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", CONVERSATIONS,
        )
        conn.executemany(
            "INSERT INTO messages (conversation_id, position, role, content, state, created,"
            " prompt_tokens, completion_tokens, total_tokens, error, remaining_credits)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS,
        )
        conn.executemany(
            "INSERT INTO drafts (conversation_id, text, role, updated) VALUES (?, ?, ?, ?)",
            [(1, "brouillon à moitié", "user", 310.0), (2, "an example turn", "assistant", 9.0)],
        )
        conn.execute("INSERT INTO app_state (key, value) VALUES ('open_tabs', '[1, 2]')")
        conn.execute("COMMIT")


def expected(conversation: int) -> list[Message]:
    messages = []
    for row in ROWS:
        if row[0] != conversation:
            continue
        _c, _p, role, content, state, created, prompt, completion, total, error, credits = row
        usage = None if prompt is None else Usage(prompt, completion, total)
        messages.append(Message(
            Role(role), content, MessageState(state), created, usage, error, credits,
        ))
    return messages


def test_v2_history_becomes_single_branch_trees_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v2(path)
    with Store.open(path) as store:
        for conversation in (1, 2, 3, 4, 5):
            tree = store.tree(conversation)
            tree.check()
            path_keys = tree.path()
            assert len(path_keys) == len(tree)  # one branch: every message is on it
            assert all(tree.version(key) == (1, 1) for key in path_keys)
            got = tree.path_messages()
            assert [m.id for m in got] == sorted(m.id for m in got if m.id is not None)
            assert [replace(m, id=None) for m in got] == expected(conversation)
        info = {c[0]: store.conversation(c[0]) for c in CONVERSATIONS}
        for cid, title, custom, created, updated, deleted in CONVERSATIONS:
            row = info[cid]
            assert row is not None
            assert (row.title, row.custom_title, row.created, row.updated, row.deleted_at) == (
                title, bool(custom), created, updated, deleted
            )
        assert store.draft(1) == ("brouillon à moitié", Role.USER)
        assert store.draft(2) == ("an example turn", Role.ASSISTANT)
        assert store.app_state.get("open_tabs") == "[1, 2]"
        assert [h.conversation_id for h in search(store, "caramel")] == [1]
        # The migrated tree takes new versions like a new one.
        first = store.tree(1)
        reply = store.tree(1).message(first.path()[2])
        assert reply.id is not None
        store.add_message(1, Message(Role.ASSISTANT, "une autre version"),
                          parent_id=first.message(first.path()[1]).id)
        again = store.tree(1)
        assert [m.content for m in again.path_messages()][-1] == "une autre version"
        assert again.version(again.path()[2]) == (2, 2)
    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_backup_is_made_first_and_kept_until_the_next_good_start(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v2(path)
    Store.open(path).close()
    backup = backup_path(path, 2)
    assert backup.name == "history.sqlite3.before-v3"
    with raw(backup) as conn:  # the copy is the database as it was: version 2, all rows
        assert migrations.user_version(conn) == 2
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == len(ROWS)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    Store.open(path).close()  # a start with nothing to migrate: the copy has served
    assert not backup.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_kill_9_during_the_migration_leaves_the_old_database_usable(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v2(path)
    with raw(path) as conn:  # a long chat too
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO messages (conversation_id, position, role, content, state, created)"
            " VALUES (4, ?, 'user', 'filler', 'done', 1.0)",
            ((position,) for position in range(2, 2_002)),
        )
        conn.execute("COMMIT")
    marker = tmp_path / "migrating"
    # The child stops inside the migration's transaction, after every statement but the
    # last has run (the tree columns added and filled), and is killed there.
    script = textwrap.dedent(f"""
        import time
        from dataclasses import replace
        from pathlib import Path
        from mixtral_desktop.core.storage import migrations, store
        def pause():
            Path({str(marker)!r}).touch()
            time.sleep(600)
        v3 = migrations.MIGRATIONS[2]
        statements = (*v3.statements[:-1], "SELECT pause_here()", v3.statements[-1])
        migrations.MIGRATIONS = (*migrations.MIGRATIONS[:2], replace(v3, statements=statements))
        original = migrations.migrate
        def migrate(conn, target=migrations.LATEST):
            conn.create_function("pause_here", 0, pause)
            return original(conn, target)
        migrations.migrate = migrate
        store.Store.open(Path({str(path)!r}))
    """)
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT_DIR)
    try:
        wait_for(lambda: marker.exists() or child.poll() is not None, 60, "the migration")
        assert marker.exists(), "the migration never reached its middle"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    with raw(path) as conn:  # the old database, as it was
        assert migrations.user_version(conn) == 2
        columns = [r[1] for r in conn.execute("PRAGMA table_info(messages)")]
        assert "parent_id" not in columns
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == len(ROWS) + 2_000
    with Store.open(path) as store:  # and the next start migrates it
        assert [m.content for m in store.messages(1)] == [m.content for m in expected(1)]
        assert len(store.messages(4)) == 2_001
    assert backup_path(path, 2).exists()


def test_deleting_a_message_takes_its_branch_and_index_entries(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.sqlite3") as store:
        cid = store.create_conversation()
        question = store.add_message(cid, Message(Role.USER, "walrus question"))
        first = store.add_message(cid, Message(Role.ASSISTANT, "walrus answer one"))
        store.add_message(cid, Message(Role.USER, "walrus follow-up"))
        second = store.add_message(
            cid, Message(Role.ASSISTANT, "walrus answer two"), parent_id=question.id
        )
        tree = store.tree(cid)
        assert [m.content for m in tree.path_messages()] == [
            "walrus question", "walrus answer two"
        ]
        assert len(search(store, "walrus")) == 4  # every version is searchable
        store.set_active_child(cid, question.id, first.id or 0)
        assert [m.content for m in store.messages(cid)] == [
            "walrus question", "walrus answer one", "walrus follow-up"
        ]
        store.delete_messages([first.id or 0])
        assert [m.content for m in store.messages(cid)] == [
            "walrus question", "walrus answer two"  # the pointer fell back to what is left
        ]
        assert sorted(h.message_id for h in search(store, "walrus")) == sorted(
            [question.id, second.id]
        )
        assert store.tree(cid).parent(store.tree(cid).path()[0]) == ROOT
    with sqlite3.connect(tmp_path / "h.sqlite3") as conn:
        conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
