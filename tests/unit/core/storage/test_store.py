"""The history store on real SQLite files: conversations, messages, drafts, state, search."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.storage.database import SCHEMA_VERSION
from mixtral_desktop.core.storage.records import HIT_END, HIT_START
from mixtral_desktop.core.storage.search import fts_query
from mixtral_desktop.core.storage.store import Store
from tests.fakes.history_data import populate, raw, search

ROOT = Path(__file__).resolve().parents[4]
# Hypothesis tests reuse one store across examples on purpose (only reads, or new rows).
SHARED_STORE = [HealthCheck.function_scoped_fixture]


class Clock:
    """A clock that moves one second per reading (so every write has its own time)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(db_path, clock=clock) as opened:
        yield opened


def user(text: str, created: float = 1_600_000_000.0) -> Message:
    return Message(Role.USER, text, created=created)


def reply(text: str, **kwargs: Any) -> Message:
    return Message(Role.ASSISTANT, text, created=1_600_000_001.0, **kwargs)


# -- opening ----------------------------------------------------------------------------


def test_open_creates_folders_and_sets_pragmas(store: Store, db_path: Path) -> None:
    assert db_path.exists()
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_data_survives_reopen(db_path: Path) -> None:
    with Store.open(db_path) as store:
        cid = store.create_conversation()
        saved = store.add_message(cid, user("persisted ✓"))
        store.save_draft(cid, "half a thought", Role.SYSTEM)
        store.app_state.set("tabs", "[1]")
    with Store.open(db_path) as store:
        assert store.messages(cid) == [saved]
        assert store.draft(cid) == ("half a thought", Role.SYSTEM)
        assert store.app_state.get("tabs") == "[1]"
        assert [hit.message_id for hit in search(store, "persisted")] == [saved.id]


def test_close_twice_is_harmless(db_path: Path) -> None:
    store = Store.open(db_path)
    store.close()
    store.close()
    assert not Path(f"{db_path}-wal").exists()  # the last close checkpointed the WAL


def test_wal_mode_persists_in_the_file(store: Store, db_path: Path) -> None:
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- conversations ----------------------------------------------------------------------


def test_create_and_read_conversation(store: Store, clock: Clock) -> None:
    cid = store.create_conversation()
    info = store.conversation(cid)
    assert info is not None
    assert (info.id, info.title, info.message_count, info.custom_title) == (cid, "", 0, False)
    assert info.created == info.updated == clock.now
    assert info.deleted_at is None
    assert store.conversation(cid + 1000) is None


def test_list_is_newest_activity_first_and_pages(store: Store) -> None:
    ids = [store.create_conversation(f"c{i}") for i in range(5)]
    assert [c.id for c in store.list_conversations()] == ids[::-1]
    store.add_message(ids[1], user("bump"))  # activity moves it to the top
    listed = [c.id for c in store.list_conversations()]
    assert listed == [ids[1], ids[4], ids[3], ids[2], ids[0]]
    assert [c.id for c in store.list_conversations(1, 2)] == listed[1:3]
    assert store.list_conversations(10, 5) == []
    assert store.count_conversations() == 5
    assert store.list_conversations()[0].message_count == 1


def test_rename_and_draft_do_not_count_as_activity(store: Store) -> None:
    first, second = store.create_conversation(), store.create_conversation()
    store.rename_conversation(first, "Renamed")
    store.save_draft(first, "typing", Role.USER)
    assert [c.id for c in store.list_conversations()] == [second, first]


def test_updating_a_message_counts_as_activity(store: Store) -> None:
    first = store.create_conversation()
    saved = store.add_message(first, reply("..."))
    second = store.create_conversation()
    assert store.list_conversations()[0].id == second
    store.update_message(saved.with_content("... more"))
    assert store.list_conversations()[0].id == first


def test_rename_makes_a_custom_title(store: Store) -> None:
    cid = store.create_conversation()
    store.rename_conversation(cid, "  My   plans\n")
    info = store.conversation(cid)
    assert info is not None
    assert (info.title, info.custom_title) == ("My plans", True)


def test_auto_title_fills_an_empty_title_only(store: Store) -> None:
    cid = store.create_conversation()
    store.set_auto_title(cid, "From the first message")
    store.set_auto_title(cid, "From the second message")
    info = store.conversation(cid)
    assert info is not None
    assert (info.title, info.custom_title) == ("From the first message", False)


def test_auto_title_never_replaces_a_custom_title(store: Store) -> None:
    cid = store.create_conversation()
    store.rename_conversation(cid, "Mine")
    store.set_auto_title(cid, "Automatic")
    info = store.conversation(cid)
    assert info is not None and info.title == "Mine"


def test_blank_rename_goes_back_to_the_automatic_title(store: Store) -> None:
    cid = store.create_conversation()
    store.add_message(cid, Message(Role.SYSTEM, "You are terse."))
    store.add_message(cid, user("# How do I *bake* bread?\nDetails follow"))
    store.rename_conversation(cid, "Bread")
    store.rename_conversation(cid, "   ")
    info = store.conversation(cid)
    assert info is not None
    assert (info.title, info.custom_title) == ("How do I bake bread?", False)
    store.set_auto_title(cid, "ignored: the title is not empty")
    assert store.conversation(cid) == info


def test_rename_unknown_conversation_raises(store: Store) -> None:
    with pytest.raises(KeyError):
        store.rename_conversation(424242, "x")


def test_soft_delete_and_restore(store: Store, clock: Clock) -> None:
    keep, gone = store.create_conversation(), store.create_conversation()
    message = store.add_message(gone, user("remember the milk"))
    store.delete_conversation(gone)
    assert [c.id for c in store.list_conversations()] == [keep]
    assert store.count_conversations() == 1
    info = store.conversation(gone)
    assert info is not None and info.deleted_at == clock.now
    assert search(store, "milk") == []
    assert store.messages(gone) == [message]  # still there until purged

    store.restore_conversation(gone)
    assert [c.id for c in store.list_conversations()] == [gone, keep]
    info = store.conversation(gone)
    assert info is not None and info.deleted_at is None
    assert [h.message_id for h in search(store, "milk")] == [message.id]


def test_purge_deletes_for_real_with_cascade(store: Store, db_path: Path) -> None:
    keep, gone = store.create_conversation(), store.create_conversation()
    store.add_message(keep, user("kept words"))
    for text in ("alpha", "beta"):
        store.add_message(gone, user(text))
    store.save_draft(gone, "draft", Role.USER)
    assert store.purge_deleted() == 0
    store.delete_conversation(gone)
    assert store.purge_deleted() == 1
    assert store.conversation(gone) is None
    assert store.messages(gone) == []
    assert store.draft(gone) == ("", Role.USER)
    with raw(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM drafts").fetchone()[0] == 0
        # The full-text index lost their words too (not just the filtered view).
        rows = conn.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'alpha OR beta'"
        ).fetchall()
        assert rows == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.restore_conversation(gone)  # too late: nothing happens
    assert store.conversation(gone) is None


def test_purge_one_conversation_leaves_other_deleted_ones_restorable(store: Store) -> None:
    empty, binned = store.create_conversation(), store.create_conversation()
    store.add_message(binned, user("undo me"))
    store.delete_conversation(binned)
    store.purge_conversation(empty)
    assert store.conversation(empty) is None
    store.restore_conversation(binned)
    assert [c.id for c in store.list_conversations()] == [binned]


# -- messages ---------------------------------------------------------------------------


def test_add_message_returns_it_with_id_and_keeps_everything(store: Store) -> None:
    cid = store.create_conversation()
    message = Message(
        Role.ASSISTANT, "Voilà 🚀 `code`", state=MessageState.INCOMPLETE,
        created=1_700_000_123.456789, usage=Usage(10, 0, 10), error="cut",
        remaining_credits=12.345678901234,
    )
    saved = store.add_message(cid, message)
    assert saved.id is not None
    assert replace(saved, id=None) == message
    assert store.messages(cid) == [saved]


def test_messages_keep_their_order_and_ids(store: Store) -> None:
    cid, other = store.create_conversation(), store.create_conversation()
    saved = [store.add_message(cid, user(f"m{i}")) for i in range(5)]
    store.add_message(other, user("elsewhere"))
    assert store.messages(cid) == saved
    assert [m.content for m in store.messages(other)] == ["elsewhere"]
    store.delete_messages([saved[2].id or 0])  # and the later turns below it
    store.add_message(cid, user("last"))
    assert [m.content for m in store.messages(cid)] == ["m0", "m1", "last"]
    info = store.conversation(cid)
    assert info is not None and info.message_count == 3


def test_usage_none_and_zero_usage_differ(store: Store) -> None:
    cid = store.create_conversation()
    store.add_message(cid, reply("a", usage=None))
    store.add_message(cid, reply("b", usage=Usage(0, 0, 0)))
    assert [m.usage for m in store.messages(cid)] == [None, Usage(0, 0, 0)]


def test_update_message_changes_every_field(store: Store) -> None:
    cid = store.create_conversation()
    saved = store.add_message(cid, reply("", state=MessageState.WAITING))
    streamed = replace(saved, content="Hello", state=MessageState.STREAMING)
    store.update_message(streamed)
    assert store.messages(cid) == [streamed]
    done = replace(
        streamed, content="Hello world", state=MessageState.DONE, usage=Usage(3, 2, 5),
        remaining_credits=9.5,
    )
    store.update_message(done)
    assert store.messages(cid) == [done]
    failed = replace(done, state=MessageState.FAILED, error="boom", usage=None)
    store.update_message(failed)
    assert store.messages(cid) == [failed]


def test_message_errors(store: Store) -> None:
    cid = store.create_conversation()
    saved = store.add_message(cid, user("x"))
    with pytest.raises(KeyError):
        store.add_message(cid + 99, user("nowhere"))
    with pytest.raises(ValueError, match="already saved"):
        store.add_message(cid, saved)
    with pytest.raises(ValueError, match="no id"):
        store.update_message(user("never saved"))
    with pytest.raises(KeyError):
        store.update_message(replace(saved, id=(saved.id or 0) + 99))
    assert store.messages(cid) == [saved]


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED_STORE)
@given(content=st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_any_text_round_trips(store: Store, content: str) -> None:
    cid = store.create_conversation()
    saved = store.add_message(cid, user(content))
    assert store.messages(cid) == [saved]


# -- drafts and app state ---------------------------------------------------------------


def test_drafts(store: Store) -> None:
    cid = store.create_conversation()
    assert store.draft(cid) == ("", Role.USER)
    store.save_draft(cid, "first", Role.USER)
    store.save_draft(cid, "second\nline", Role.SYSTEM)
    assert store.draft(cid) == ("second\nline", Role.SYSTEM)
    store.save_draft(cid, "  \n", Role.SYSTEM)  # blank: forgotten
    assert store.draft(cid) == ("", Role.USER)
    with pytest.raises(KeyError):
        store.save_draft(cid + 50, "orphan", Role.USER)


def test_app_state(store: Store) -> None:
    assert store.app_state.get("geometry") is None
    store.app_state.set("geometry", "AAAA")
    store.app_state.set("geometry", "BBBB")
    store.app_state.set("tabs", "")
    assert (store.app_state.get("geometry"), store.app_state.get("tabs")) == ("BBBB", "")
    store.app_state.delete("geometry")
    assert store.app_state.get("geometry") is None


def test_transaction_groups_writes_and_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        cid = store.create_conversation()
        store.add_message(cid, user("lost"))
        raise RuntimeError("abort")
    assert store.count_conversations() == 0
    with store.transaction():
        cid = store.create_conversation()
        store.add_message(cid, user("kept"))
    assert [m.content for m in store.messages(cid)] == ["kept"]


# -- search -----------------------------------------------------------------------------


@pytest.fixture
def corpus(store: Store) -> dict[str, int]:
    """A few conversations; returns message ids by a short name."""
    a, b = store.create_conversation(), store.create_conversation()
    store.set_auto_title(a, "Cooking")
    store.set_auto_title(b, "Code")
    ids = {}
    for name, cid, message in [
        ("bread", a, user("How do I bake sourdough bread at home?")),
        ("cafe", a, reply("Un café crème et une tarte à la rhubarbe, s'il vous plaît.")),
        ("sqlite", b, user("Why is my SQLite query slow? SELECT * FROM orders")),
        ("index", b, reply("Add an index on orders(customer_id); then the query is fast.")),
        ("emoji", b, reply("Deployed 🚀 to production-server-42 without errors")),
    ]:
        ids[name] = store.add_message(cid, message).id or 0
    return ids


def hit_ids(store: Store, query: str) -> list[int]:
    return [hit.message_id for hit in search(store, query)]


def test_search_finds_words_in_any_conversation(store: Store, corpus: dict[str, int]) -> None:
    assert hit_ids(store, "sourdough") == [corpus["bread"]]
    assert set(hit_ids(store, "query")) == {corpus["sqlite"], corpus["index"]}
    assert hit_ids(store, "orders customer") == [corpus["index"]]  # every word must match
    assert hit_ids(store, "nothing-like-this") == []


def test_search_hit_fields_and_highlight(store: Store, corpus: dict[str, int]) -> None:
    [hit] = search(store, "sourdough")
    assert hit.title == "Cooking"
    assert hit.role is Role.USER
    assert hit.created == 1_600_000_000.0
    assert f"{HIT_START}sourdough{HIT_END}" in hit.snippet
    assert hit.snippet.replace(HIT_START, "").replace(HIT_END, "") == (
        "How do I bake sourdough bread at home?"
    )


def test_search_ignores_case_and_accents(store: Store, corpus: dict[str, int]) -> None:
    assert hit_ids(store, "CAFE") == [corpus["cafe"]]
    assert hit_ids(store, "crème") == [corpus["cafe"]]
    [hit] = search(store, "creme")
    assert f"{HIT_START}crème{HIT_END}" in hit.snippet


def test_search_prefix_matches_the_last_word(store: Store, corpus: dict[str, int]) -> None:
    assert hit_ids(store, "sourd") == [corpus["bread"]]
    assert hit_ids(store, "sourd ") == []  # a space ends the word
    assert hit_ids(store, "sqli slow") == []  # only the last word is a prefix
    assert hit_ids(store, "production-serv") == [corpus["emoji"]]  # a phrase


def test_search_snippet_is_cut_around_hits_in_long_text(store: Store) -> None:
    cid = store.create_conversation()
    words = [f"w{i}" for i in range(300)]
    words[150] = "needle"
    store.add_message(cid, user(" ".join(words)))
    [hit] = search(store, "needle")
    visible = hit.snippet.replace(HIT_START, "").replace(HIT_END, "")
    assert f"{HIT_START}needle{HIT_END}" in hit.snippet
    assert 10 <= len(visible.split()) <= 20
    assert visible.startswith("…") and visible.endswith("…")


def test_search_follows_updates_and_deletes(store: Store, corpus: dict[str, int]) -> None:
    cid = store.create_conversation()
    saved = store.add_message(cid, reply("first draft about zebras"))
    assert hit_ids(store, "zebras") == [saved.id]
    store.update_message(saved.with_content("now it is about giraffes"))
    assert hit_ids(store, "zebras") == []
    assert hit_ids(store, "giraffes") == [saved.id]
    store.update_message(replace(
        saved, content="now it is about giraffes", state=MessageState.DONE
    ))
    assert hit_ids(store, "giraffes") == [saved.id]  # unchanged text: still indexed once
    store.delete_messages([saved.id or 0])
    assert hit_ids(store, "giraffes") == []


def test_search_ranks_best_match_then_newest(store: Store) -> None:
    cid = store.create_conversation()
    older = store.add_message(cid, Message(Role.USER, "kiwi", created=100.0))
    newer = store.add_message(cid, Message(Role.USER, "kiwi", created=200.0))
    diluted = store.add_message(
        cid, Message(Role.USER, "kiwi " + "filler " * 40, created=300.0)
    )
    assert hit_ids(store, "kiwi") == [newer.id, older.id, diluted.id]
    assert len(search(store, "kiwi", limit=2)) == 2
    assert search(store, "kiwi", limit=0) == []


def test_search_ranks_among_newest_candidates_when_a_word_is_everywhere(store: Store) -> None:
    cid = store.create_conversation()
    with store.transaction():
        for i in range(2100):
            store.add_message(cid, user(f"common word number {i}"))
    hits = search(store, "common", limit=50)
    assert len(hits) == 50
    assert len({h.message_id for h in hits}) == 50


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "*", '"', "()", "-", "🚀", "NEAR(", "^"])
def test_search_with_nothing_to_find_is_empty(
    store: Store, corpus: dict[str, int], query: str
) -> None:
    assert search(store, query) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"sqlite', "sqlite"),
        ("sqlite*", "sqlite"),
        ("sqlite OR bread", None),  # OR is a word here, and it is not in the text
        ("NOT bread", None),
        ("content:sqlite", None),  # no column filter: the phrase "content sqlite"
        ("(slow", "sqlite"),
        ("slow)", "sqlite"),
        ("-slow", "sqlite"),
        ("+slow", "sqlite"),
        ("slow^", "sqlite"),
        ("SELECT * FROM", "sqlite"),
        ("s'il", "cafe"),
        ("🚀 production", "emoji"),
    ],
)
def test_search_treats_fts_syntax_as_text(
    store: Store, corpus: dict[str, int], query: str, expected: str | None
) -> None:
    assert hit_ids(store, query) == ([] if expected is None else [corpus[expected]])


FTS_NOISE = st.sampled_from(
    ['"', "'", "*", "(", ")", "-", "+", "^", ":", "NEAR", "NEAR(", "AND", "OR", "NOT",
     "{", "}", "[", "]", ",", ".", "\\", "\x00", "🚀", "é", "\u0301", "ß", "İ", "\ud800",
     "bread", "sqlite", "content:", "rank", " ", "\n", "\t", "\u200b"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=SHARED_STORE)
@given(
    query=st.one_of(
        st.text(),
        st.lists(FTS_NOISE, max_size=12).map("".join),
        st.lists(st.one_of(FTS_NOISE, st.text(max_size=3)), max_size=8).map(" ".join),
    ),
    limit=st.integers(min_value=-5, max_value=100),
)
def test_search_never_raises(store: Store, corpus: dict[str, int], query: str, limit: int) -> None:
    hits = search(store, query, limit)
    assert len(hits) <= max(limit, 0)
    for hit in hits:
        assert hit.message_id in corpus.values()


def test_fts_query_quotes_every_word() -> None:
    assert fts_query("") is None
    assert fts_query(" * ( ) ") is None
    assert fts_query("hello") == '"hello"*'
    assert fts_query("hello ") == '"hello"'
    assert fts_query("a") == '"a"'
    assert fts_query("(t") == '"(t"'  # one letter: a word, not a prefix of thousands
    assert fts_query('say "hi" NEAR') == '"say" """hi""" "NEAR"*'
    assert fts_query("x" * 10 + " y" * 100) is not None
    assert (fts_query(" ".join(f"w{i}" for i in range(100))) or "").count('"') == 64


def test_search_skips_deleted_conversations(store: Store, corpus: dict[str, int]) -> None:
    sqlite_conversation = search(store, "sqlite")[0].conversation_id
    store.delete_conversation(sqlite_conversation)
    assert hit_ids(store, "sqlite") == []
    assert hit_ids(store, "sourdough") == [corpus["bread"]]


def test_listing_and_reading_use_their_indexes(store: Store) -> None:
    """The plans that keep the first page and a conversation fast at 100,000 messages."""
    plans = {
        "list": "SELECT id FROM conversations WHERE deleted_at IS NULL"
        " ORDER BY updated DESC, id DESC LIMIT 200",
        "messages": "SELECT id FROM messages WHERE conversation_id = 1 ORDER BY position",
        "count": "SELECT count(*) FROM messages WHERE conversation_id = 1",
    }
    details = {
        name: " ".join(row[3] for row in store._conn.execute("EXPLAIN QUERY PLAN " + sql))
        for name, sql in plans.items()
    }
    assert "conversations_by_activity" in details["list"]
    assert "messages_by_conversation" in details["messages"]
    assert "messages_by_conversation" in details["count"]
    assert "TEMP B-TREE" not in details["list"] + details["messages"]


# -- the generated history --------------------------------------------------------------


def test_populate_makes_a_searchable_varied_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    assert populate(path, conversations=40, messages_per=6, seed=1) == 240
    with Store.open(path) as store:
        assert store.count_conversations() == 40
        listed = store.list_conversations(0, 100)
        assert all(c.message_count == 6 for c in listed)
        assert [c.updated for c in listed] == sorted((c.updated for c in listed), reverse=True)
        texts = [m.content for c in listed for m in store.messages(c.id)]
        assert any("```" in t for t in texts)
        assert search(store, "the") or search(store, "la")
    with Store.open(tmp_path / "again.sqlite3") as store:
        populate(store, conversations=40, messages_per=6, seed=1)
        assert [m.content for m in store.messages(1)] == texts_of(path, 1)


def texts_of(path: Path, cid: int) -> list[str]:
    with Store.open(path) as store:
        return [m.content for m in store.messages(cid)]


# -- crash safety -----------------------------------------------------------------------

WRITER = """
import sys
from dataclasses import replace
from pathlib import Path
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.storage.store import Store

store = Store.open(Path(sys.argv[1]))
cid = store.create_conversation()
n = 0
while True:
    n += 1
    saved = store.add_message(cid, Message(Role.USER, f"question {n}"))
    print("add", saved.id, f"question {n}", flush=True)
    reply = store.add_message(cid, Message(Role.ASSISTANT, "", state=MessageState.WAITING))
    text = ""
    for chunk in range(5):  # a streamed reply, saved as it grows
        text += f"chunk{chunk}-{n} "
        reply = replace(reply, content=text, state=MessageState.STREAMING)
        store.update_message(reply)
        print("upd", reply.id, text, flush=True)
"""


def test_committed_messages_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reported: dict[int, str] = {}
    rounds = 8
    for round_ in range(rounds):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        assert proc.stdout is not None
        lines = []
        for _ in range(rng.randint(5, 400)):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        time.sleep(rng.uniform(0, 0.01))  # the writer keeps going: kill at a random point
        proc.kill()  # SIGKILL on POSIX: no cleanup, no checkpoint
        proc.wait(timeout=30)
        # Read the rest through the same buffered streams (communicate() would skip
        # what readline() already buffered).
        rest = proc.stdout.read()
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        lines.extend(rest.splitlines(keepends=True))
        assert lines, f"writer printed nothing (seed {seed}): {err}"
        for line in lines:
            if not line.endswith("\n"):
                continue  # cut mid-print: not a complete report
            kind, message_id, text = line.rstrip("\n").split(" ", 2)
            assert kind in ("add", "upd")
            reported[int(message_id)] = text

        with raw(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", seed
            stored = dict(conn.execute("SELECT id, content FROM messages").fetchall())
            # The full-text index agrees with the messages (raises if not).
            conn.execute(
                "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
            )
        for message_id, text in reported.items():
            assert message_id in stored, f"round {round_}: message {message_id} lost (seed {seed})"
            # A later save may have committed before the kill hid its report.
            assert stored[message_id].startswith(text), (round_, seed)
    with Store.open(path) as store:
        assert store.count_conversations() == rounds
        assert search(store, "question")
