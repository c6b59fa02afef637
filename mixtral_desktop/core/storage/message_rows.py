"""The SQL of a conversation's messages as a tree: inserting under a parent, the
active child of each message, loading the whole tree, deleting a branch.

Functions on an open connection; :class:`~mixtral_desktop.core.storage.store.Store`
wraps them in transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message
from mixtral_desktop.core.domain.tree import ROOT, ConversationTree, SavedNode
from mixtral_desktop.core.storage.attachment_rows import insert_rows
from mixtral_desktop.core.storage.records import (
    WITH_TEXT,
    attachment_from_row,
    message_from_row,
    message_values,
)

SELECT_NODES = (
    "SELECT id, role, content, state, created, prompt_tokens, completion_tokens,"
    " total_tokens, error, remaining_credits, parameters, counted_tokens, credits_spent,"
    " credits_note, parent_id, active_child_id"
    " FROM messages"
)
INSERT_MESSAGE = (
    "INSERT INTO messages (conversation_id, position, role, content, state, created,"
    " prompt_tokens, completion_tokens, total_tokens, error, remaining_credits, parameters,"
    " counted_tokens, credits_spent, credits_note, parent_id)"
)


def load_tree(conn: sqlite3.Connection, conversation_id: int) -> ConversationTree:
    """The conversation's messages (each with its id) and which versions are active."""
    rows = conn.execute(
        SELECT_NODES + " WHERE conversation_id = ? ORDER BY position", (conversation_id,)
    ).fetchall()
    attached = attachments_of_conversation(conn, conversation_id)
    nodes = []
    for row in rows:
        message = message_from_row(row[:14])
        if message.id in attached:
            message = replace(message, attachments=attached[message.id])
        nodes.append(SavedNode(message, _opt_int(row[14]), _opt_int(row[15])))
    root = conn.execute(
        "SELECT active_child_id FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    return ConversationTree.from_saved(nodes, None if root is None else _opt_int(root[0]))


def leaf_id(conn: sqlite3.Connection, conversation_id: int) -> int | None:
    """The last message of the active path (None for an empty conversation)."""
    tree = load_tree(conn, conversation_id)
    path = tree.path()
    return tree.message(path[-1]).id if path else None


def insert(
    conn: sqlite3.Connection, conversation_id: int, message: Message, parent_id: int | None
) -> int:
    """Insert ``message`` as the newest child of ``parent_id`` (None: a first turn) and
    make it its parent's active child; its id."""
    cursor = conn.execute(
        INSERT_MESSAGE + " VALUES (?, (SELECT coalesce(max(position), 0) + 1"
        " FROM messages WHERE conversation_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (conversation_id, conversation_id, *message_values(message), parent_id),
    )
    message_id = cursor.lastrowid
    assert message_id is not None
    set_active(conn, conversation_id, parent_id, message_id)
    # (texts the attachments carry are stored here; an import stores them first)
    insert_rows(conn, "message_id", message_id, message.attachments)
    return message_id


def set_active(
    conn: sqlite3.Connection, conversation_id: int, parent_id: int | None, child_id: int | None
) -> None:
    """``child_id`` becomes the active child of ``parent_id`` (None: of the conversation)."""
    if parent_id is None:
        conn.execute(
            "UPDATE conversations SET active_child_id = ? WHERE id = ?",
            (child_id, conversation_id),
        )
    else:
        conn.execute(
            "UPDATE messages SET active_child_id = ? WHERE id = ? AND conversation_id = ?",
            (child_id, parent_id, conversation_id),
        )


def insert_tree(conn: sqlite3.Connection, conversation_id: int, tree: ConversationTree) -> None:
    """Every message of ``tree`` (parents first), with the same active versions."""
    ids: dict[int, int | None] = {ROOT: None}
    for position, key in enumerate(tree.walk(), start=1):
        cursor = conn.execute(
            INSERT_MESSAGE + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, position, *message_values(tree.message(key)),
             ids[tree.parent(key)]),
        )
        ids[key] = cursor.lastrowid
        insert_rows(conn, "message_id", cursor.lastrowid or 0, tree.message(key).attachments)
    for key in [ROOT, *tree.walk()]:
        active = tree.active_child(key)
        if active is not None:
            set_active(conn, conversation_id, ids[key], ids[active])


def attachments_of_conversation(
    conn: sqlite3.Connection, conversation_id: int
) -> dict[int, tuple[Attachment, ...]]:
    """Each message's attachments, in order, by message id (messages without: absent)."""
    found: dict[int, list[Attachment]] = {}
    for message_id, *fields in conn.execute(
        "SELECT message_id, " + WITH_TEXT + " WHERE message_id IN"
        " (SELECT id FROM messages WHERE conversation_id = ?) ORDER BY message_id, position",
        (conversation_id,),
    ):
        found.setdefault(int(message_id), []).append(attachment_from_row(tuple(fields)))
    return {key: tuple(value) for key, value in found.items()}


def delete(conn: sqlite3.Connection, message_ids: Iterable[int]) -> None:
    """Delete messages (their descendants go with them: the foreign key cascades)."""
    conn.executemany("DELETE FROM messages WHERE id = ?", ((mid,) for mid in message_ids))


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) else None
