"""Schema v6: the documents attached to messages and drafts, each text kept once, gone
with the last chat that used it; migrated from v5 with its backup first."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from mixtral_desktop.core.domain.attachments import Attachment, text_digest
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.storage import migrations
from mixtral_desktop.core.storage.database import backup_path
from mixtral_desktop.core.storage.store import Store
from tests.fakes.history_data import raw
from tests.unit.core.storage.test_tree_migration import CONVERSATIONS, expected
from tests.unit.core.storage.test_usage_migration import build_v4

REPORT = "Page one of the report.\n\nPage three: the conclusion."
NOTES = "# Notes\n\n- ça marche 🐶"


def attachment(name: str, text: str, **fields: object) -> tuple[Attachment, str]:
    return Attachment(name, "pdf" if name.endswith(".pdf") else "markdown",
                      text_digest(text), **fields), text  # type: ignore[arg-type]


def documents(path: Path) -> int:
    with raw(path) as conn:
        return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])


def chat_with_question(store: Store, title: str) -> tuple[int, Message]:
    conversation_id = store.create_conversation(title)
    return conversation_id, store.add_message(conversation_id, Message(Role.USER, "Summarise"))


def build_v5(path: Path) -> None:
    build_v4(path)
    with raw(path) as conn:
        migrations.migrate(conn, target=5)
        conn.execute("UPDATE messages SET counted_tokens = 12, credits_spent = 0.002"
                     " WHERE role = 'assistant'")


def test_v5_history_keeps_everything_and_a_backup_is_made_first(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v5(path)
    with Store.open(path) as store:
        for conversation in (1, 3, 4, 5):
            got = [replace(m, id=None, counted_tokens=None, credits_spent=None)
                   for m in store.messages(conversation)]
            assert got == expected(conversation)
        replies = [m for c in CONVERSATIONS for m in store.messages(c[0])
                   if m.role is Role.ASSISTANT]
        assert replies and all(m.credits_spent == 0.002 for m in replies)
        assert all(store.attachments.of_message(m.id or 0) == () for m in replies)
    backup = backup_path(path, 5)
    assert backup.name == "history.sqlite3.before-v6"
    with raw(backup) as conn:
        assert migrations.user_version(conn) == 5
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "documents" not in tables
    with raw(path) as conn:
        assert migrations.user_version(conn) == 6
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    Store.open(path).close()
    assert not backup.exists()


def test_a_crash_inside_the_migration_leaves_version_5_whole(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    build_v5(path)
    with raw(path) as conn:
        conn.execute("CREATE TABLE attachments (id INTEGER)")  # as if patched by hand
    with pytest.raises(Exception, match="attachments"):
        Store.open(path).close()
    with raw(path) as conn:
        assert migrations.user_version(conn) == 5
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "documents" not in tables  # rolled back with the rest
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] > 0


def test_a_document_in_ten_chats_is_kept_once_and_goes_with_the_last(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        chats = []
        for n in range(10):
            conversation_id, question = chat_with_question(store, f"Chat {n}")
            store.attachments.attach(question.id or 0, [
                attachment("report.pdf", REPORT, pages=3, empty_pages=(2,)),
                attachment("notes.md", NOTES, replacements=1),
            ])
            chats.append((conversation_id, question))
    assert documents(path) == 2
    with Store.open(path) as store:  # kept across a restart, in order, every field
        attached = store.attachments.of_message(chats[0][1].id or 0)
        assert attached == (
            Attachment("report.pdf", "pdf", text_digest(REPORT), 3, (2,), 0),
            Attachment("notes.md", "markdown", text_digest(NOTES), None, (), 1),
        )
        assert store.attachments.text(attached[0].digest) == REPORT
        for conversation_id, _question in chats[1:]:
            store.purge_conversation(conversation_id)
        assert store.attachments.text(attached[1].digest) == NOTES
        store.purge_conversation(chats[0][0])  # the last chat that used them
        with pytest.raises(KeyError):
            store.attachments.text(attached[0].digest)
    assert documents(path) == 0


def test_attaching_again_keeps_the_text_and_a_wrong_digest_changes_nothing(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        _chat, question = chat_with_question(store, "Edit")
        message_id = question.id or 0
        store.attachments.attach(message_id, [attachment("report.pdf", REPORT)])
        store.attachments.attach(message_id, [attachment("report.pdf", REPORT),
                                              attachment("notes.md", NOTES)])
        assert [a.name for a in store.attachments.of_message(message_id)] == [
            "report.pdf", "notes.md"]
        assert store.attachments.text(text_digest(REPORT)) == REPORT
        wrong = (Attachment("x.md", "markdown", text_digest("other")), NOTES)
        with pytest.raises(ValueError, match=r"x\.md"):
            store.attachments.attach(message_id, [wrong])
        assert len(store.attachments.of_message(message_id)) == 2


def test_a_drafts_attachments_are_kept_and_go_with_the_draft(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with Store.open(path) as store:
        conversation_id = store.create_conversation("Draft")
        store.save_draft(conversation_id, "What does it conclude?", Role.USER)
        store.attachments.set_draft(conversation_id, [attachment("report.pdf", REPORT)])
    with Store.open(path) as store:
        assert [a.name for a in store.attachments.of_draft(conversation_id)] == ["report.pdf"]
        reply = store.add_message(conversation_id, Message(
            Role.ASSISTANT, "It concludes.", MessageState.DONE, usage=Usage(1, 1, 2)))
        assert store.attachments.of_message(reply.id or 0) == ()
        # The text erased (a keystroke): the draft keeps its documents.
        store.save_draft(conversation_id, "", Role.USER)
        assert [a.name for a in store.attachments.of_draft(conversation_id)] == ["report.pdf"]
        assert store.draft(conversation_id) == ("", Role.USER)
        store.save_draft(conversation_id, "", Role.USER, ())  # sent: the draft is forgotten
        assert store.attachments.of_draft(conversation_id) == ()
    assert documents(path) == 0


def test_a_message_sent_with_its_drafts_documents_keeps_them(tmp_path: Path) -> None:
    """The app's path: the documents wait in the draft (their texts stored then), the
    message goes out with them, the draft is forgotten; the message keeps them."""
    path = tmp_path / "history.sqlite3"
    report, report_text = attachment("report.pdf", REPORT, pages=3, empty_pages=(2,))
    with Store.open(path) as store:
        conversation_id = store.create_conversation("Sent")
        store.save_draft(conversation_id, "What does it conclude?", Role.USER)
        store.attachments.set_draft(conversation_id, [(report, report_text)])
        with store.transaction():
            sent = store.add_message(conversation_id, Message(
                Role.USER, "What does it conclude?", attachments=(report,)))
            store.save_draft(conversation_id, "", Role.USER)
        store.add_message(conversation_id, Message(Role.ASSISTANT, "That it works."))
    with Store.open(path) as store:  # after a restart (or a kill: each write committed)
        question, answer = store.messages(conversation_id)
        assert question == sent and question.attachments == (report,)
        assert answer.attachments == ()
        assert store.attachments.text(report.digest) == REPORT
        store.purge_conversation(conversation_id)
    assert documents(path) == 0


def test_a_document_not_stored_cannot_be_referenced(tmp_path: Path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        conversation_id = store.create_conversation("Broken")
        ghost = Attachment("ghost.md", "markdown", text_digest("never stored"))
        with pytest.raises(sqlite3.IntegrityError):
            store.add_message(conversation_id, Message(Role.USER, "?", attachments=(ghost,)))
        assert store.messages(conversation_id) == []  # the message went with its rows


def test_a_message_carrying_its_texts_stores_them_and_gets_them_back(tmp_path: Path) -> None:
    """A message whose attachments carry their texts (as the app sends them) needs no
    draft first; loaded again, each attachment has its text and the message is sent as
    its documents, then its question."""
    path = tmp_path / "history.sqlite3"
    report = replace(attachment("report.pdf", REPORT, pages=3)[0], text=REPORT)
    notes = replace(attachment("notes.md", NOTES)[0], text=NOTES)
    with Store.open(path) as store:
        conversation_id = store.create_conversation("Carried")
        store.add_message(conversation_id, Message(
            Role.USER, "Compare them", attachments=(report, notes)))
    with Store.open(path) as store:
        (question,) = store.messages(conversation_id)
        assert [a.text for a in question.attachments] == [REPORT, NOTES]
        assert question.to_api()["content"] == (
            f'<document name="report.pdf">\n{REPORT}\n</document>\n\n'
            f'<document name="notes.md">\n{NOTES}\n</document>\n\nCompare them'
        )
        assert question.attachments[1].lines == 3
        assert documents(path) == 2
