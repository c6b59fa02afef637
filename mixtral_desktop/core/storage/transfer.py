"""Export a conversation as Markdown or JSON, and import the JSON back.

The JSON format (``"format": "mixtral-desktop-conversation", "version": 4``)
keeps timestamps as exact float seconds since the epoch (UTC), so export, import
and export again gives identical documents. Version 2 carries the conversation's tree:
``"nodes"``, parents before children, each with an ``"id"``, its ``"parent"`` and its
``"active_child"`` (the version shown last); the first node is the root (the
conversation itself: ``"parent": null``, no message), every other one a message. Ids are
numbered afresh on export (0 for the root). Version 3 adds the chat's ``"settings"``
(its system prompt, ``"parameters"``, ``"examples"``, the fields it leaves out and the
preset it came from: the preset file's document without ``format`` and ``name``) and
each reply's ``"parameters"`` (the request fields it was asked with, or null). Version 4
adds to each reply ``"counted_tokens"`` (its prompt as the app counted it),
``"credits_spent"`` and ``"credits_note"`` (why that figure is approximate; null: exact),
each null when unknown. Version 5 adds each message's ``"attachments"`` and the file's
``"documents"`` (their texts by digest: :mod:`.transfer_documents`). Versions 1
(``"messages"``, a line), 2, 3 and 4 still import.
Only what the store holds goes out: titles, messages, usage, credits and the chat's
settings; there is nothing secret in the store, and nothing from outside it (app
settings, key, account) is ever added.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard, TypeVar

from mixtral_desktop import APP_NAME
from mixtral_desktop.core.domain.chat_settings import (
    ChatSettings,
    InvalidValue,
    chat_settings_from_document,
    chat_settings_json,
    sent_json,
)
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.domain.tree import ROOT, ConversationTree, SavedNode
from mixtral_desktop.core.storage.markdown_export import to_markdown, unclosed_fence
from mixtral_desktop.core.storage.records import ConversationInfo
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.core.storage.transfer_documents import (
    attachments_from_json,
    attachments_to_json,
    documents_from_json,
    documents_to_json,
)

FORMAT = "mixtral-desktop-conversation"
VERSION = 5

_ROLES = frozenset(r.value for r in Role)
_STATES = frozenset(s.value for s in MessageState)

T = TypeVar("T")

__all__ = [
    "FORMAT", "VERSION", "ImportedConversation", "dumps", "from_json", "import_conversation",
    "insert_imported", "parse", "to_json", "to_markdown", "unclosed_fence",
]


@dataclass(frozen=True)
class ImportedConversation:
    title: str
    created: float
    updated: float
    tree: ConversationTree  # messages without ids
    settings: ChatSettings = field(default_factory=ChatSettings)
    documents: dict[str, str] = field(default_factory=dict)  # attachments' texts by digest

    @property
    def messages(self) -> list[Message]:
        """The active path (all of a version 1 file)."""
        return self.tree.path_messages()


# -- JSON ------------------------------------------------------------------------------


def to_json(
    info: ConversationInfo,
    messages: list[Message] | ConversationTree,
    settings: ChatSettings | None = None,
    text_of: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The conversation as a JSON-ready dict (see the module docstring for the format);
    ``text_of(digest)`` gives the attachments' texts (``store.attachments.text``)."""
    tree = messages if isinstance(messages, ConversationTree) else (
        ConversationTree.linear(messages)
    )
    number = {ROOT: 0}
    for key in tree.walk():
        number[key] = len(number)

    def active(key: int) -> int | None:
        child = tree.active_child(key)
        return None if child is None else number[child]

    nodes: list[dict[str, Any]] = [{"id": 0, "parent": None, "active_child": active(ROOT)}]
    for key in tree.walk():
        nodes.append({
            "id": number[key], "parent": number[tree.parent(key)], "active_child": active(key),
            **_message_to_json(tree.message(key)),
        })
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": info.title,
        "created": float(info.created),
        "updated": float(info.updated),
        "settings": json.loads(chat_settings_json(settings or ChatSettings())),
        "nodes": nodes,
        "documents": documents_to_json(
            (tree.message(key) for key in tree.walk()), text_of or _no_texts
        ),
    }


def _no_texts(digest: str) -> str:
    raise ValueError(f"the text of attachment {digest} was not given to the export")


def dumps(data: Mapping[str, Any]) -> str:
    """UTF-8-friendly, indented JSON text; refuses NaN and infinities."""
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def parse(data: object) -> ImportedConversation:
    """Validate an exported conversation (a parsed dict, or its JSON text).

    Raises ValueError naming the first problem found (and where it is).
    """
    if isinstance(data, str | bytes | bytearray):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON: {error}") from error
    if not isinstance(data, Mapping):
        raise ValueError("not a conversation export: expected a JSON object")
    if data.get("format") != FORMAT:
        raise ValueError(
            f"not a {APP_NAME} conversation: format is {data.get('format')!r},"
            f" expected {FORMAT!r}"
        )
    version = data.get("version")
    if not _is_int(version):
        raise ValueError(f"version must be an integer, not {version!r}")
    if version not in (1, 2, 3, 4, VERSION):
        newer = " (made by a newer version of the app)" if version > VERSION else ""
        raise ValueError(
            f"unsupported version {version}{newer}; this app reads versions 1 to {VERSION}"
        )
    title = _field(data, "title", str, "")
    created = _number(data, "created", "")
    updated = _number(data, "updated", "")
    if version == 1:
        raw_messages = _field(data, "messages", list, "")
        tree = ConversationTree.linear(
            _message_from_json(item, f"messages[{i}]") for i, item in enumerate(raw_messages)
        )
    else:
        tree = _tree_from_json(_field(data, "nodes", list, ""))
    settings = _settings_from_json(data.get("settings")) if version >= 3 else ChatSettings()
    attached = [a for key in tree.walk() for a in tree.message(key).attachments]
    documents = documents_from_json(data.get("documents", {}), attached) if attached else {}
    return ImportedConversation(title, created, updated, tree, settings, documents)


def _settings_from_json(value: object) -> ChatSettings:
    if value is None:
        return ChatSettings()
    if not isinstance(value, Mapping):
        raise ValueError("settings: expected an object")
    try:
        return chat_settings_from_document(value)
    except InvalidValue as error:
        raise ValueError(f"settings: {error.reason}") from error


def from_json(data: object) -> tuple[str, list[Message]]:
    """Validate an exported conversation; its title and active path (without ids)."""
    parsed = parse(data)
    return parsed.title, parsed.messages


def import_conversation(store: Store, data: object) -> int:
    """Add the exported conversation to ``store`` as a new one; returns its id.

    Timestamps are kept as exported. A non-empty title counts as chosen by the user.
    """
    return insert_imported(store, parse(data))


def insert_imported(store: Store, parsed: ImportedConversation) -> int:
    """Add a parsed export to ``store`` as a new conversation; returns its id."""
    with store.transaction():
        for text in parsed.documents.values():  # (kept: the messages refer to them)
            store.attachments.keep_text(text)
        conversation_id = store.insert_conversation(
            parsed.title,
            parsed.tree,
            created=parsed.created,
            updated=parsed.updated,
            custom_title=bool(parsed.title),
        )
        store.chat_settings.set(conversation_id, parsed.settings)
    return conversation_id


def _tree_from_json(raw: list[object]) -> ConversationTree:
    """The tree of a version 2 file; ValueError saying what is wrong with it."""
    ids: list[int] = []
    parents: dict[int, int | None] = {}
    actives: dict[int, int | None] = {}
    messages: dict[int, Message] = {}
    for i, item in enumerate(raw):
        where = f"nodes[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where}: expected an object, not {type(item).__name__}")
        node_id = item.get("id")
        if not _is_int(node_id):
            raise ValueError(f"{where}.id: expected a whole number, not {node_id!r}")
        if node_id in parents:
            raise ValueError(f"{where}.id: {node_id} is used twice")
        parent, active = item.get("parent"), item.get("active_child")
        if parent is not None and not _is_int(parent):
            raise ValueError(f"{where}.parent: expected an id or null, not {parent!r}")
        if active is not None and not _is_int(active):
            raise ValueError(f"{where}.active_child: expected an id or null, not {active!r}")
        ids.append(node_id)
        parents[node_id] = parent
        actives[node_id] = active
        if parent is not None:
            messages[node_id] = _message_from_json(item, where)
    roots = [node_id for node_id in ids if parents[node_id] is None]
    if len(roots) != 1:
        raise ValueError(
            "the conversation has no root node" if not roots else
            f"the conversation has {len(roots)} roots (nodes {', '.join(map(str, roots))});"
            " it must have exactly one"
        )
    for node_id in ids:
        parent = parents[node_id]
        if parent is not None and parent not in parents:
            raise ValueError(f"node {node_id}: its parent {parent} is missing")
    children: dict[int, list[int]] = {node_id: [] for node_id in ids}
    for node_id in ids:
        parent = parents[node_id]
        if parent is not None:
            children[parent].append(node_id)
    reached, stack = set(), [roots[0]]
    while stack:
        node_id = stack.pop()
        reached.add(node_id)
        stack.extend(children[node_id])
    if len(reached) != len(ids):
        stuck = sorted(set(ids) - reached)
        raise ValueError(
            f"nodes {', '.join(map(str, stuck))} form a cycle: they never reach the root"
        )
    for node_id in ids:
        active = actives[node_id]
        if active is not None and active not in children[node_id]:
            raise ValueError(
                f"node {node_id}: its active child {active} is not one of its children"
            )
    # (from_saved puts parents before their children whatever the file's order)
    saved = [
        SavedNode(replace(messages[node_id], id=node_id),
                  None if parents[node_id] == roots[0] else parents[node_id], actives[node_id])
        for node_id in ids if node_id != roots[0]
    ]
    tree = ConversationTree.from_saved(saved, actives[roots[0]])
    for key in list(tree.walk()):
        tree.update(key, replace(tree.message(key), id=None))
    return tree


def _message_to_json(message: Message) -> dict[str, Any]:
    usage = message.usage
    credits = message.remaining_credits
    return {
        "role": Role(message.role).value,
        "content": message.content,
        "state": MessageState(message.state).value,
        "created": float(message.created),
        "usage": None if usage is None else {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
        },
        "error": message.error,
        "remaining_credits": None if credits is None else float(credits),
        "parameters": None if message.parameters is None else json.loads(message.parameters),
        "counted_tokens": message.counted_tokens,
        "credits_spent": message.credits_spent,
        "credits_note": message.credits_note,
        "attachments": attachments_to_json(message.attachments),
    }


def _message_from_json(item: object, where: str) -> Message:
    if not isinstance(item, Mapping):
        raise ValueError(f"{where}: expected an object, not {type(item).__name__}")
    role = _field(item, "role", str, where)
    if role not in _ROLES:
        raise ValueError(f"{where}.role: {role!r} is not one of {', '.join(Role)}")
    state = _field(item, "state", str, where)
    if state not in _STATES:
        raise ValueError(f"{where}.state: {state!r} is not one of {', '.join(MessageState)}")
    usage = item.get("usage")
    if usage is not None:
        usage = _usage(usage, f"{where}.usage")
    error = item.get("error")
    if error is not None and not isinstance(error, str):
        raise ValueError(f"{where}.error: expected a string or null")
    credits = item.get("remaining_credits")
    if credits is not None:
        credits = _number(item, "remaining_credits", where)
    parameters = item.get("parameters")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise ValueError(f"{where}.parameters: expected an object or null")
    counted = item.get("counted_tokens")
    if counted is not None and (not _is_int(counted) or counted < 0):
        raise ValueError(f"{where}.counted_tokens: expected a whole number >= 0 or null")
    spent = item.get("credits_spent")
    if spent is not None:
        spent = _number(item, "credits_spent", where)
    note = item.get("credits_note")
    if note is not None and not isinstance(note, str):
        raise ValueError(f"{where}.credits_note: expected a string or null")
    return Message(
        role=Role(role),
        content=_field(item, "content", str, where),
        state=MessageState(state),
        created=_number(item, "created", where),
        usage=usage,
        error=error,
        remaining_credits=credits,
        parameters=None if parameters is None else sent_json(parameters),
        counted_tokens=counted,
        credits_spent=spent,
        credits_note=note,
        attachments=attachments_from_json(item.get("attachments"), f"{where}.attachments"),
    )


def _usage(value: object, where: str) -> Usage:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object or null")
    counts: list[int] = []
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        count = value.get(key)
        if not _is_int(count) or count < 0:
            raise ValueError(f"{where}.{key}: expected a whole number >= 0, not {count!r}")
        counts.append(count)
    return Usage(*counts)


def _field(data: Mapping[str, object], key: str, kind: type[T], where: str) -> T:
    path = f"{where}.{key}" if where else key
    if key not in data:
        raise ValueError(f"{path}: missing")
    value = data[key]
    if not isinstance(value, kind):
        raise ValueError(f"{path}: expected {kind.__name__}, not {type(value).__name__}")
    return value


def _number(data: Mapping[str, object], key: str, where: str) -> float:
    path = f"{where}.{key}" if where else key
    if key not in data:
        raise ValueError(f"{path}: missing")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{path}: expected a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{path}: expected a finite number, not {value!r}")
    return number


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
