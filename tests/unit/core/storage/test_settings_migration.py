"""Version 4: each chat's settings and each reply's parameters. A version 3 history (a
tree with versions) migrates with every field kept, a backup first, and the new columns
empty: every chat has the defaults, no reply claims parameters it was not asked with."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mixtral_desktop.core.domain.chat_settings import ChatSettings, Example
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.storage import migrations
from mixtral_desktop.core.storage.database import backup_path
from mixtral_desktop.core.storage.store import Store
from tests.fakes.history_data import raw, search
from tests.unit.core.storage.test_tree_migration import CONVERSATIONS, build_v2, expected


def build_v3(path: Path) -> None:
    """A version 3 database as that release left it: the v2 rows migrated, then a second
    version of a reply and a switch back to the first, written with v3's columns."""
    build_v2(path)
    with raw(path) as conn:
        migrations.migrate(conn, target=3)
        conn.execute("BEGIN")
        parent = conn.execute(
            "SELECT id FROM messages WHERE conversation_id = 1 AND position = 2"
        ).fetchone()[0]
        first = conn.execute(
            "SELECT id FROM messages WHERE conversation_id = 1 AND position = 3"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO messages (conversation_id, position, role, content, state, created,"
            " parent_id) VALUES (1, 7, 'assistant', 'Une autre version', 'done', 106.0, ?)",
            (parent,),
        )
        conn.execute("UPDATE messages SET active_child_id = ? WHERE id = ?", (first, parent))
        conn.execute("COMMIT")


def test_v3_trees_keep_every_version_and_get_default_settings(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v3(path)
    with raw(path) as conn:
        assert migrations.user_version(conn) == 3
    with Store.open(path) as store:
        assert [replace(m, id=None) for m in store.messages(1)] == expected(1)
        for conversation in (2, 3, 4, 5):
            assert [replace(m, id=None) for m in store.messages(conversation)] == expected(
                conversation
            )
        tree = store.tree(1)
        reply = tree.path()[2]
        assert tree.version(reply) == (1, 2)  # the second version is kept, the first shown
        versions = tree.siblings(reply)
        assert tree.message(versions[1]).content == "Une autre version"
        assert all(tree.message(k).parameters is None for k in tree.walk())
        assert all(store.chat_settings.get(c[0]) == ChatSettings() for c in CONVERSATIONS)
        assert store.draft(1)[0] == "brouillon à moitié"
        assert [h.conversation_id for h in search(store, "caramel")] == [1]
        # The new columns take what this version writes.
        settings = ChatSettings(
            system="Réponds en pirate.", temperature=0.35, extra={"seed": 7},
            examples=(Example("Bonjour", "Ohé !"),), omitted=frozenset({"seed"}),
            preset="file:pirate.json",
        )
        store.chat_settings.set(1, settings)
        saved = store.add_message(1, Message(
            Role.ASSISTANT, "Arr", MessageState.DONE, parameters='{"temperature": 0.35}',
        ))
    with Store.open(path) as store:
        assert store.chat_settings.get(1) == settings
        assert store.messages(1)[-1] == saved
    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_backup_of_the_v3_file_is_made_first(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v3(path)
    Store.open(path).close()
    backup = backup_path(path, 3)
    assert backup.name == "history.sqlite3.before-v4"
    with raw(backup) as conn:
        assert migrations.user_version(conn) == 3
        assert "chat_settings" not in {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    Store.open(path).close()
    assert not backup.exists()


def test_settings_go_with_their_chat_and_damage_falls_back_to_defaults(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        kept, purged = store.create_conversation("kept"), store.create_conversation("gone")
        store.chat_settings.set(kept, ChatSettings(top_p=0.5))
        store.chat_settings.set(purged, ChatSettings(max_tokens=10))
        store.purge_conversation(purged)
        assert store.chat_settings.get(purged) == ChatSettings()
        store.chat_settings.set(kept, ChatSettings())  # back to the defaults: no row
    with raw(path) as conn:
        assert conn.execute("SELECT count(*) FROM chat_settings").fetchone()[0] == 0
        conn.execute(
            "INSERT INTO chat_settings VALUES (?, ?, 0)", (kept, '{"parameters": {"top_p": 9}}')
        )
    with Store.open(path) as store:
        assert store.chat_settings.get(kept) == ChatSettings()  # opens; the damage is logged
