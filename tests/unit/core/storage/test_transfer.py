"""Markdown and JSON export; JSON import with strict validation; exact round trips."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixtral_desktop.core.domain.attachments import Attachment, text_digest
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.storage import transfer as export
from mixtral_desktop.core.storage.records import ConversationInfo
from mixtral_desktop.core.storage.store import Store
from tests.fakes.history_data import search

CREATED = 1_764_090_900.123456  # 2025-11-25 17:15:00.123456 UTC


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


def info(title: str = "Crème brûlée 🍮", count: int = 0) -> ConversationInfo:
    return ConversationInfo(1, title, CREATED, CREATED + 90.5, count, True)


SAMPLE = [
    Message(Role.SYSTEM, "You are terse.", created=CREATED),
    Message(Role.USER, "Une recette ?\n\n```python\nprint('ok')\n```", created=CREATED + 1.25),
    Message(
        Role.ASSISTANT, "**Voici** 🍮", created=CREATED + 3.5, usage=Usage(12, 30, 42),
        remaining_credits=7.123456789, counted_tokens=12, credits_spent=0.0012,
    ),
    Message(Role.USER, "Et le caramel ?", created=CREATED + 60),
    Message(Role.ASSISTANT, "Il faut chauff", state=MessageState.INCOMPLETE, created=CREATED + 61),
    Message(
        Role.ASSISTANT, "", state=MessageState.FAILED, created=CREATED + 90.5,
        error="Read timeout\nafter 120 s",
    ),
]


def exported(store: Store, conversation_id: int) -> dict[str, Any]:
    conversation = store.conversation(conversation_id)
    assert conversation is not None
    return export.to_json(conversation, store.tree(conversation_id))


# -- JSON -------------------------------------------------------------------------------


def test_json_format() -> None:
    data = export.to_json(info(), SAMPLE)
    assert data["format"] == "mixtral-desktop-conversation"
    assert data["version"] == 5
    assert (data["title"], data["created"], data["updated"]) == (
        "Crème brûlée 🍮", CREATED, CREATED + 90.5,
    )
    assert data["nodes"][0] == {"id": 0, "parent": None, "active_child": 1}  # the root
    assert data["nodes"][3] == {
        "id": 3,
        "parent": 2,
        "active_child": 4,
        "role": "assistant",
        "content": "**Voici** 🍮",
        "state": "done",
        "created": CREATED + 3.5,
        "usage": {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42},
        "error": None,
        "remaining_credits": 7.123456789,
        "parameters": None,
        "counted_tokens": 12,
        "credits_spent": 0.0012,
        "credits_note": None,
        "attachments": [],
    }
    assert data["documents"] == {}
    assert data["nodes"][1]["usage"] is None
    assert data["settings"] == {"system": "", "parameters": {}}  # a chat with the defaults
    assert data["nodes"][6]["error"] == "Read timeout\nafter 120 s"
    assert data["nodes"][6]["active_child"] is None  # the leaf


def test_the_previous_format_still_imports(store: Store) -> None:
    conversation_id = export.import_conversation(store, valid())
    assert [
        dataclasses.replace(m, id=None) for m in store.messages(conversation_id)
    ] == [dataclasses.replace(m, counted_tokens=None, credits_spent=None) for m in SAMPLE]
    assert len(store.tree(conversation_id)) == len(SAMPLE)


def test_dumps_is_readable_utf8_and_parses_back() -> None:
    text = export.dumps(export.to_json(info(), SAMPLE))
    assert "Crème brûlée 🍮" in text  # not \\u-escaped
    assert text.endswith("\n")
    assert json.loads(text) == export.to_json(info(), SAMPLE)


def test_dumps_refuses_nan() -> None:
    data = export.to_json(info(), [Message(Role.USER, "x", remaining_credits=float("nan"))])
    with pytest.raises(ValueError):
        export.dumps(data)


def test_from_json_returns_title_and_messages_without_ids() -> None:
    saved = [dataclasses.replace(m, id=i) for i, m in enumerate(SAMPLE, 1)]
    title, messages = export.from_json(export.to_json(info(), saved))
    assert title == "Crème brûlée 🍮"
    assert messages == SAMPLE


def test_from_json_accepts_text() -> None:
    text = export.dumps(export.to_json(info(), SAMPLE))
    assert export.from_json(text) == ("Crème brûlée 🍮", SAMPLE)
    assert export.from_json(text.encode()) == ("Crème brûlée 🍮", SAMPLE)


def test_round_trip_through_the_store_is_exact(store: Store) -> None:
    first = export.to_json(info(), SAMPLE)
    conversation_id = export.import_conversation(store, first)
    second = exported(store, conversation_id)
    assert second == first
    assert export.dumps(second) == export.dumps(first)
    imported = store.conversation(conversation_id)
    assert imported is not None
    assert (imported.created, imported.updated) == (CREATED, CREATED + 90.5)
    assert imported.custom_title and imported.message_count == len(SAMPLE)
    assert [h.message_id for h in search(store, "caramel")]  # imported text is searchable


def test_import_makes_a_new_conversation_each_time(store: Store) -> None:
    data = export.to_json(info(), SAMPLE)
    first = export.import_conversation(store, data)
    second = export.import_conversation(store, json.loads(export.dumps(data)))
    assert first != second
    assert exported(store, first) == exported(store, second)
    assert store.count_conversations() == 2


def test_empty_conversation_round_trips(store: Store) -> None:
    data = export.to_json(info(title=""), [])
    conversation_id = export.import_conversation(store, data)
    assert exported(store, conversation_id) == data
    imported = store.conversation(conversation_id)
    assert imported is not None and not imported.custom_title  # may still get an auto title


def test_integer_timestamps_are_accepted_as_floats(store: Store) -> None:
    data = export.to_json(info(), SAMPLE[:1])
    data["created"] = 1_700_000_000
    data["nodes"][1]["created"] = 1_700_000_001
    conversation_id = export.import_conversation(store, data)
    again = exported(store, conversation_id)
    assert again["created"] == 1_700_000_000.0 and isinstance(again["created"], float)
    assert again["nodes"][1]["created"] == 1_700_000_001.0


finite = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=2**40)
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]))
messages_strategy = st.lists(
    st.builds(
        Message,
        role=st.sampled_from(Role),
        content=text,
        state=st.sampled_from(MessageState),
        created=finite,
        usage=st.none() | st.builds(Usage, counts, counts, counts),
        error=st.none() | text,
        remaining_credits=st.none() | finite,
        counted_tokens=st.none() | st.integers(min_value=0, max_value=2**40),
        credits_spent=st.none() | finite,
        credits_note=st.none() | text,
    ),
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=text, created=finite, messages=messages_strategy)
def test_any_conversation_round_trips_exactly(
    store: Store, title: str, created: float, messages: list[Message]
) -> None:
    first = export.to_json(ConversationInfo(1, title, created, created + 1, 0, False), messages)
    text_form = export.dumps(first)
    conversation_id = export.import_conversation(store, json.loads(text_form))
    assert export.dumps(exported(store, conversation_id)) == text_form


# -- validation -------------------------------------------------------------------------


V1_FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "export_v1.json"


def valid() -> dict[str, Any]:
    """An export in the previous format (version 1, a line of messages), as the release
    before conversation trees wrote it: it must still import, and be checked as strictly."""
    data: dict[str, Any] = json.loads(V1_FIXTURE.read_text(encoding="utf-8"))
    return data


def broken(change: str) -> object:
    data = valid()
    message = data["messages"][2]
    match change:
        case "not an object":
            return ["format"]
        case "format":
            data["format"] = "chatgpt-export"
        case "no format":
            del data["format"]
        case "version 6":
            data["version"] = 6
        case "version text":
            data["version"] = "1"
        case "version bool":
            data["version"] = True
        case "title":
            data["title"] = 42
        case "no title":
            del data["title"]
        case "created":
            data["created"] = "2025-11-25"
        case "created nan":
            data["created"] = float("nan")
        case "created bool":
            data["created"] = False
        case "messages":
            data["messages"] = {"0": message}
        case "message":
            data["messages"][2] = "hello"
        case "role":
            message["role"] = "robot"
        case "role case":
            message["role"] = "User"
        case "state":
            message["state"] = "finished"
        case "content":
            message["content"] = None
        case "no content":
            del message["content"]
        case "message created":
            message["created"] = None
        case "usage":
            message["usage"] = [1, 2, 3]
        case "usage negative":
            message["usage"]["prompt_tokens"] = -1
        case "usage float":
            message["usage"]["total_tokens"] = 4.5
        case "usage missing":
            del message["usage"]["completion_tokens"]
        case "error":
            message["error"] = ["x"]
        case "credits":
            message["remaining_credits"] = "7.1"
        case "credits inf":
            message["remaining_credits"] = float("inf")
        case _:
            raise AssertionError(change)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("not an object", "expected a JSON object"),
        ("format", "not a Mixtral Desktop conversation"),
        ("no format", "not a Mixtral Desktop conversation"),
        ("version 6", r"unsupported version 6 \(made by a newer version"),
        ("version text", "version must be an integer"),
        ("version bool", "version must be an integer"),
        ("title", "title: expected str, not int"),
        ("no title", "title: missing"),
        ("created", "created: expected a number, not str"),
        ("created nan", "created: expected a finite number"),
        ("created bool", "created: expected a number, not bool"),
        ("messages", "messages: expected list, not dict"),
        ("message", r"messages\[2\]: expected an object, not str"),
        ("role", r"messages\[2\]\.role: 'robot' is not one of user, assistant, system"),
        ("role case", r"messages\[2\]\.role: 'User'"),
        ("state", r"messages\[2\]\.state: 'finished' is not one of done, streaming"),
        ("content", r"messages\[2\]\.content: expected str, not NoneType"),
        ("no content", r"messages\[2\]\.content: missing"),
        ("message created", r"messages\[2\]\.created: expected a number"),
        ("usage", r"messages\[2\]\.usage: expected an object or null"),
        ("usage negative", r"messages\[2\]\.usage\.prompt_tokens: expected a whole number"),
        ("usage float", r"messages\[2\]\.usage\.total_tokens: expected a whole number"),
        ("usage missing", r"messages\[2\]\.usage\.completion_tokens"),
        ("error", r"messages\[2\]\.error: expected a string or null"),
        ("credits", r"messages\[2\]\.remaining_credits: expected a number, not str"),
        ("credits inf", r"messages\[2\]\.remaining_credits: expected a finite number"),
    ],
)
def test_invalid_documents_are_refused_clearly(change: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        export.from_json(broken(change))


def test_invalid_json_text_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        export.from_json('{"format": ')


def test_refused_import_writes_nothing(store: Store) -> None:
    with pytest.raises(ValueError):
        export.import_conversation(store, broken("state"))
    assert store.count_conversations() == 0


def test_missing_optional_fields_default_to_null() -> None:
    data = valid()
    for key in ("usage", "error", "remaining_credits"):
        del data["messages"][2][key]
    _, messages = export.from_json(data)
    assert (messages[2].usage, messages[2].error, messages[2].remaining_credits) == (
        None, None, None,
    )


# -- Markdown ---------------------------------------------------------------------------


def test_markdown_document() -> None:
    text = export.to_markdown(info(), SAMPLE, tz=UTC)
    assert text.startswith("# Crème brûlée 🍮\n\n")
    assert "Started 2025-11-25 17:15:00 UTC, last activity 2025-11-25 17:16:30 UTC" in text
    assert "6 messages" in text
    assert "## System · 2025-11-25 17:15:00 UTC\n\nYou are terse.\n" in text
    assert "## User · 2025-11-25 17:15:01 UTC\n\n" in text
    assert "Une recette ?\n\n```python\nprint('ok')\n```\n" in text  # verbatim
    assert "## Assistant · 2025-11-25 17:15:03 UTC\n\n**Voici** 🍮\n" in text
    assert "*Tokens: 12 prompt + 30 reply = 42; credits left: 7.12346*" in text


def test_markdown_names_a_messages_documents() -> None:
    report = Attachment("report.pdf", "pdf", text_digest("Page."), pages=12, text="Page.")
    asked = [Message(Role.USER, "Summarise", created=1.0, attachments=(report,)),
             Message(Role.USER, "", created=2.0, attachments=(report,))]
    text = export.to_markdown(info(), asked, tz=UTC)
    assert "UTC\n\n*Attached: report.pdf (12 pages)*\n\nSummarise\n" in text
    assert "(no text)" not in text  # (a message of documents alone)


def test_markdown_marks_incomplete_and_failed_replies() -> None:
    text = export.to_markdown(info(), SAMPLE, tz=UTC)
    assert "## Assistant · 2025-11-25 17:16:01 UTC · incomplete\n\nIl faut chauff\n" in text
    assert "> **Incomplete reply:**" in text
    assert "## Assistant · 2025-11-25 17:16:30 UTC · failed\n\n*(no text)*" in text
    assert "> **Error:** Read timeout\n> after 120 s" in text
    assert text.count("· incomplete") == 1 and text.count("· failed") == 1


def test_markdown_times_in_a_time_zone() -> None:
    paris = timezone(timedelta(hours=1))
    text = export.to_markdown(info(), SAMPLE[:1], tz=paris)
    assert "## System · 2025-11-25 18:15:00 UTC+01:00" in text
    assert "1 message." in text


def test_markdown_local_time_by_default() -> None:
    text = export.to_markdown(info(), SAMPLE[:1])
    assert "## System · 2025-11-2" in text


def test_markdown_without_title_or_messages() -> None:
    text = export.to_markdown(info(title="  "), [], tz=UTC)
    assert text.startswith("# New chat\n")
    assert "*No messages.*" in text
    assert "0 messages" in text


def test_markdown_keeps_every_message_verbatim() -> None:
    tricky = "# Not our heading\n\n---\n\n> quote\n\n```\n## code\n```"
    text = export.to_markdown(info(), [Message(Role.USER, tricky, created=CREATED)], tz=UTC)
    assert f"\n\n{tricky}\n" in text


def test_markdown_closes_a_code_block_left_open_by_a_cut_reply() -> None:
    cut = Message(
        Role.ASSISTANT, "Here:\n\n````python\nprint(1)\n```", MessageState.INCOMPLETE,
        created=CREATED,
    )
    after = Message(Role.USER, "Thanks", created=CREATED + 1)
    text = export.to_markdown(info(), [cut, after], tz=UTC)
    assert "print(1)\n```\n\n````\n\n> **Incomplete reply:**" in text
    assert export.unclosed_fence("```\ncode\n```") is None
    assert export.unclosed_fence("~~~\ncode\n```") == "~~~"
    assert export.unclosed_fence("```py\ncode\n``` not a close") == "```"
    assert export.unclosed_fence("no code") is None


# -- trees ------------------------------------------------------------------------------


def branched(store: Store) -> int:
    """A chat with an edited first question, a regenerated reply and later turns on the
    older branch; the version shown is not the newest everywhere."""
    cid = store.create_conversation("Branches")
    q1 = store.add_message(cid, Message(Role.USER, "Question v1", created=CREATED))
    a1 = store.add_message(cid, Message(Role.ASSISTANT, "Answer 1", created=CREATED + 1))
    store.add_message(cid, Message(Role.USER, "Follow-up", created=CREATED + 2))
    store.add_message(cid, Message(Role.ASSISTANT, "Answer 2", created=CREATED + 3,
                                   usage=Usage(1, 2, 3), remaining_credits=5.5))
    store.add_message(cid, Message(Role.ASSISTANT, "Answer 1b", created=CREATED + 4),
                      parent_id=q1.id)
    store.add_message(cid, Message(Role.USER, "Question v2", created=CREATED + 5),
                      parent_id=None)
    store.set_active_child(cid, None, q1.id or 0)
    store.set_active_child(cid, q1.id, a1.id or 0)
    return cid


def test_a_tree_round_trips_with_its_versions_and_active_path(store: Store) -> None:
    cid = branched(store)
    first = exported(store, cid)
    assert [c for c in (n.get("content") for n in first["nodes"]) if c] == [
        "Question v1", "Answer 1", "Follow-up", "Answer 2", "Answer 1b", "Question v2"
    ]
    again = export.import_conversation(store, json.loads(export.dumps(first)))
    second = exported(store, again)
    assert second == first  # ids are numbered afresh on export: identical
    assert [m.content for m in store.messages(again)] == [
        "Question v1", "Answer 1", "Follow-up", "Answer 2"
    ]
    tree = store.tree(again)
    assert tree.version(tree.path()[1]) == (1, 2) and tree.version(tree.path()[0]) == (1, 2)


def test_markdown_export_writes_the_active_path(store: Store) -> None:
    cid = branched(store)
    conversation = store.conversation(cid)
    assert conversation is not None
    text = export.to_markdown(conversation, store.messages(cid))
    assert "Answer 2" in text and "Answer 1b" not in text and "Question v2" not in text


def tree_document(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    message = {"role": "user", "content": "x", "state": "done", "created": 1.0}
    return {
        "format": "mixtral-desktop-conversation", "version": 2, "title": "t",
        "created": 1.0, "updated": 2.0,
        "nodes": [n if "role" in n or n.get("parent") is None else {**message, **n}
                  for n in nodes],
    }


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([{"id": 0, "parent": None}, {"id": 1, "parent": 2}, {"id": 2, "parent": 1}],
         "form a cycle"),
        ([{"id": 0, "parent": None}, {"id": 1, "parent": 7}], "its parent 7 is missing"),
        ([{"id": 0, "parent": None}, {"id": 1, "parent": None, "role": "user",
                                      "content": "x", "state": "done", "created": 1.0}],
         "2 roots"),
        ([{"id": 0, "parent": None}, {"id": 1, "parent": 0, "role": "narrator",
                                      "content": "x", "state": "done", "created": 1.0}],
         "role: 'narrator' is not one of"),
        ([{"id": 0, "parent": None, "active_child": 5}, {"id": 1, "parent": 0}],
         "active child 5 is not one of its children"),
        ([{"id": 0, "parent": None}, {"id": 0, "parent": 0}], "used twice"),
        ([{"id": 1, "parent": 0}], "no root"),
    ],
    ids=["cycle", "missing parent", "two roots", "unknown role", "bad active", "dup id",
         "no root"],
)
def test_a_malformed_tree_is_refused_and_nothing_is_imported(
    store: Store, nodes: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        export.import_conversation(store, tree_document(nodes))
    assert store.count_conversations() == 0


# -- version 3: the chat's settings and each reply's parameters ----------------------------


def test_settings_and_reply_parameters_round_trip_exactly(store: Store) -> None:
    from mixtral_desktop.core.domain.chat_settings import ChatSettings, Example

    settings = ChatSettings(
        system="Réponds comme un pirate.", temperature=0.35, max_tokens=500,
        extra={"seed": 3}, examples=(Example("Salut", "Ohé !"),),
        omitted=frozenset({"seed"}), preset="file:pirate.json",
    )
    cid = store.create_conversation("Pirate")
    store.add_message(cid, Message(Role.USER, "Bonjour", created=CREATED))
    store.add_message(cid, Message(
        Role.ASSISTANT, "Arr", created=CREATED + 1,
        parameters='{"temperature": 0.35, "max_tokens": 500}',
    ))
    store.chat_settings.set(cid, settings)
    conversation = store.conversation(cid)
    assert conversation is not None
    data = export.to_json(conversation, store.tree(cid), store.chat_settings.get(cid))
    assert data["settings"]["system"] == "Réponds comme un pirate."
    assert data["settings"]["parameters"] == {"seed": 3, "temperature": 0.35, "max_tokens": 500}
    assert data["nodes"][2]["parameters"] == {"temperature": 0.35, "max_tokens": 500}
    again = export.import_conversation(store, json.loads(export.dumps(data)))
    assert store.chat_settings.get(again) == settings
    assert [m.parameters for m in store.messages(again)] == [
        None, '{"temperature": 0.35, "max_tokens": 500}'
    ]
    copy = store.conversation(again)
    assert copy is not None
    second = export.to_json(copy, store.tree(again), store.chat_settings.get(again))
    assert export.dumps(second) == export.dumps(data)


def test_a_version_3_file_imports_without_counts_or_credits(store: Store) -> None:
    data = export.to_json(info(), SAMPLE)
    data["version"] = 3
    for node in data["nodes"][1:]:
        for key in ("counted_tokens", "credits_spent", "credits_note"):
            del node[key]
    cid = export.import_conversation(store, data)
    reply = store.messages(cid)[2]
    assert (reply.usage, reply.counted_tokens, reply.credits_spent) == (
        Usage(12, 30, 42), None, None,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("counted_tokens", -1, "counted_tokens: expected a whole number"),
        ("counted_tokens", 1.5, "counted_tokens: expected a whole number"),
        ("credits_spent", "0.1", "credits_spent: expected a number"),
        ("credits_note", 3, "credits_note: expected a string or null"),
    ],
)
def test_bad_counts_and_credits_are_refused(
    store: Store, field: str, value: object, message: str
) -> None:
    data = export.to_json(info(), SAMPLE)
    data["nodes"][3][field] = value
    with pytest.raises(ValueError, match=message):
        export.import_conversation(store, data)
    assert store.list_conversations() == []


def test_a_version_2_file_imports_with_the_default_settings(store: Store) -> None:
    data = export.to_json(info(), SAMPLE)
    data["version"] = 2
    del data["settings"]
    for node in data["nodes"][1:]:
        for key in ("parameters", "counted_tokens", "credits_spent", "credits_note"):
            del node[key]
    cid = export.import_conversation(store, data)
    assert [m.content for m in store.messages(cid)] == [m.content for m in SAMPLE]
    from mixtral_desktop.core.domain.chat_settings import ChatSettings

    assert store.chat_settings.get(cid) == ChatSettings()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ([], "settings: expected an object"),
        ({"parameters": {"temperature": 7}}, "settings: Temperature must be between 0 and 2"),
        ({"parameters": {"stream": False}}, "settings: Extra request fields may not set"),
        ({"examples": [{"user": "hi"}]}, "settings: “examples” must be a list"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_imported(
    store: Store, settings: object, message: str
) -> None:
    data = export.to_json(info(), SAMPLE)
    data["settings"] = settings
    with pytest.raises(ValueError, match=message):
        export.import_conversation(store, data)
    assert store.count_conversations() == 0


def test_markdown_opens_with_the_chats_instructions_and_parameters() -> None:
    from mixtral_desktop.core.domain.chat_settings import ChatSettings, Example

    settings = ChatSettings(
        system="Answer like a pirate.\n\nAlways.", temperature=0.35,
        examples=(Example("Hi", "Ahoy"),),
    )
    text = export.to_markdown(info(), SAMPLE[:1], tz=UTC, settings=settings)
    head = text.split("---")[0]
    assert "**Instructions**\n\n> Answer like a pirate.\n>\n> Always." in head
    assert "*Parameters: temperature 0.35.*" in head
    assert "*1 example turn sent before the chat.*" in head
    plain = export.to_markdown(info(), SAMPLE[:1], tz=UTC, settings=ChatSettings())
    assert "Instructions" not in plain and "Parameters" not in plain


def attached_chat(store: Store) -> int:
    """A chat whose question carries two documents (one of them on two messages)."""
    from mixtral_desktop.core.domain.attachments import Attachment, text_digest

    report = Attachment("report.pdf", "pdf", text_digest("Le rapport.\n\nFin."), 2, (2,))
    notes = Attachment("notes.md", "markdown", text_digest("- ça 🐶"), replacements=1)
    conversation_id = store.create_conversation("Documents")
    store.save_draft(conversation_id, "x", Role.USER)
    store.attachments.set_draft(conversation_id, [(report, "Le rapport.\n\nFin."),
                                                  (notes, "- ça 🐶")])
    store.add_message(conversation_id, Message(Role.USER, "Résume", attachments=(report, notes)))
    store.add_message(conversation_id, Message(Role.ASSISTANT, "C'est fini."))
    store.add_message(conversation_id, Message(Role.USER, "Encore", attachments=(report,)))
    store.save_draft(conversation_id, "", Role.USER)
    return conversation_id


def test_attachments_and_their_texts_go_out_and_come_back(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.sqlite3") as source:
        chat = attached_chat(source)
        info_of = source.conversation(chat)
        assert info_of is not None
        data = export.to_json(info_of, source.tree(chat), None, source.attachments.text)
        text = export.dumps(data)
    assert len(data["documents"]) == 2  # each text once
    assert data["nodes"][1]["attachments"][0] == {
        "name": "report.pdf", "kind": "pdf", "digest": data["nodes"][3]["attachments"][0][
            "digest"], "pages": 2, "empty_pages": [2], "replacements": 0,
    }
    with Store.open(tmp_path / "b.sqlite3") as target:
        copy = export.import_conversation(target, text)
        question, _answer, again = target.messages(copy)
        assert [a.name for a in question.attachments] == ["report.pdf", "notes.md"]
        assert target.attachments.text(again.attachments[0].digest) == "Le rapport.\n\nFin."
        info_copy = target.conversation(copy)
        assert info_copy is not None
        back = export.to_json(info_copy, target.tree(copy), None, target.attachments.text)
        assert back["nodes"] == data["nodes"] and back["documents"] == data["documents"]


@pytest.mark.parametrize("damage,message", [
    (lambda d: d["documents"].update({next(iter(d["documents"])): "changed"}),
     "the text does not match its digest"),
    (lambda d: d["documents"].clear(), "the text of the attached 'report.pdf' is missing"),
    (lambda d: d["nodes"][1]["attachments"][0].update({"empty_pages": ["2"]}),
     r"nodes\[1\]\.attachments\[0\]\.empty_pages: expected a list of page numbers"),
])
def test_broken_attachments_are_refused_and_nothing_is_added(
    tmp_path: Path, damage: Any, message: str
) -> None:
    with Store.open(tmp_path / "a.sqlite3") as source:
        chat = attached_chat(source)
        info_of = source.conversation(chat)
        assert info_of is not None
        data = export.to_json(info_of, source.tree(chat), None, source.attachments.text)
    damage(data)
    with Store.open(tmp_path / "b.sqlite3") as target:
        with pytest.raises(ValueError, match=message):
            export.import_conversation(target, export.dumps(data))
        assert target.list_conversations() == []
