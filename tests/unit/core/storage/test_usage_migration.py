"""Version 5: each reply's own token count and credits, and the oldest messages a chat
leaves out. A version 4 history (trees, settings, reply parameters) migrates with every
field kept, a backup first, and the new columns empty: no reply claims a count or a cost
it never had, every chat sends everything."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.storage import migrations
from mixtral_desktop.core.storage.database import backup_path
from mixtral_desktop.core.storage.paid_replies import RECENT_SQL
from mixtral_desktop.core.storage.store import Store
from tests.fakes.history_data import raw, search
from tests.unit.core.storage.test_settings_migration import build_v3
from tests.unit.core.storage.test_tree_migration import CONVERSATIONS, expected

SETTINGS = '{"system": "Sois bref.", "parameters": {"temperature": 0.2}}'


def build_v4(path: Path) -> None:
    """A version 4 database as that release left it: the v3 rows migrated, one chat's
    settings and a reply with the parameters it was asked with."""
    build_v3(path)
    with raw(path) as conn:
        migrations.migrate(conn, target=4)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO chat_settings (conversation_id, settings, updated) VALUES (2, ?, 9.0)",
            (SETTINGS,),
        )
        conn.execute(
            "UPDATE messages SET parameters = '{\"temperature\": 0.2}'"
            " WHERE conversation_id = 2 AND role = 'assistant'"
        )
        conn.execute("COMMIT")


def test_v4_history_keeps_every_field_and_gets_empty_counts(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v4(path)
    with raw(path) as conn:
        assert migrations.user_version(conn) == 4
    with Store.open(path) as store:
        for conversation in (1, 3, 4, 5):
            assert [replace(m, id=None) for m in store.messages(conversation)] == expected(
                conversation
            )
        replies = [m for m in store.messages(2) if m.role is Role.ASSISTANT]
        assert replies and all(m.parameters == '{"temperature": 0.2}' for m in replies)
        assert store.chat_settings.get(2) == ChatSettings(system="Sois bref.", temperature=0.2)
        tree = store.tree(1)
        assert tree.version(tree.path()[2]) == (1, 2)  # v3's second version is still there
        everything = [store.tree(c[0]) for c in CONVERSATIONS]
        for t in everything:
            for key in t.walk():
                message = t.message(key)
                assert (message.counted_tokens, message.credits_spent, message.credits_note) == (
                    None, None, None,
                )
        assert all(store.chat_settings.context_from(c[0]) is None for c in CONVERSATIONS)
        assert [h.conversation_id for h in search(store, "caramel")] == [1]
        # The new columns take what this version writes, and keep it.
        saved = store.add_message(1, Message(
            Role.ASSISTANT, "Voilà", MessageState.DONE, usage=Usage(40, 3, 43),
            counted_tokens=40, credits_spent=0.00123, credits_note="2 requests overlapped",
        ))
        first = store.messages(1)[1].id
        store.chat_settings.set_context_from(1, first)
    with Store.open(path) as store:
        assert store.messages(1)[-1] == saved
        assert store.chat_settings.context_from(1) == first
        store.chat_settings.set_context_from(1, None)
        assert store.chat_settings.context_from(1) is None
    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # Start-up's read of the paid replies visits only those (a long history with
        # none paid is not read whole before the window shows).
        plan = conn.execute("EXPLAIN QUERY PLAN " + RECENT_SQL, (50,)).fetchall()
        assert [row[-1] for row in plan] == ["SCAN messages USING INDEX messages_paid_by_time"]


def test_a_backup_of_the_v4_file_is_made_first(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v4(path)
    Store.open(path).close()
    backup = backup_path(path, 4)
    assert backup.name == "history.sqlite3.before-v5"
    with raw(backup) as conn:
        assert migrations.user_version(conn) == 4
        columns = {r[1] for r in conn.execute("PRAGMA table_info(messages)")}
        assert "parameters" in columns and "counted_tokens" not in columns
    Store.open(path).close()
    assert not backup.exists()


def test_a_crash_inside_the_migration_leaves_version_4_whole(tmp_path: Path) -> None:
    """The migration is one transaction: a failure half-way (here a column it adds is
    already there, as in a file someone patched by hand) changes nothing: the file stays
    at version 4 with its rows."""
    path = tmp_path / "history.sqlite3"
    build_v4(path)
    with raw(path) as conn:
        conn.execute("ALTER TABLE conversations ADD COLUMN context_from INTEGER")
    try:
        Store.open(path).close()
    except Exception as error:  # the duplicate column stops the migration
        assert "context_from" in str(error)
    else:
        raise AssertionError("the migration should have failed on the duplicate column")
    with raw(path) as conn:
        assert migrations.user_version(conn) == 4
        columns = {r[1] for r in conn.execute("PRAGMA table_info(messages)")}
        assert "counted_tokens" not in columns  # rolled back with the rest
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] > 0
