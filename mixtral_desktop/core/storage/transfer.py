"""Export a conversation as Markdown or JSON, and import the JSON back.

The JSON format (``"format": "mixtral-desktop-conversation", "version": 1``)
keeps timestamps as exact float seconds since the epoch (UTC), so export, import
and export again gives identical documents. Only what the store holds goes out:
titles, messages, usage and credits; there is nothing secret in the store, and
nothing from outside it (settings, key, account) is ever added here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, TypeGuard, TypeVar

from mixtral_desktop import APP_NAME
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.domain.titles import display_title
from mixtral_desktop.core.storage.records import ConversationInfo
from mixtral_desktop.core.storage.store import Store

FORMAT = "mixtral-desktop-conversation"
VERSION = 1

_ROLE_LABELS = {Role.USER: "User", Role.ASSISTANT: "Assistant", Role.SYSTEM: "System"}
_UNFINISHED = (MessageState.INCOMPLETE, MessageState.STREAMING, MessageState.WAITING)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ROLES = frozenset(r.value for r in Role)
_STATES = frozenset(s.value for s in MessageState)

T = TypeVar("T")


@dataclass(frozen=True)
class ImportedConversation:
    title: str
    created: float
    updated: float
    messages: list[Message]  # without ids


# -- JSON ------------------------------------------------------------------------------


def to_json(info: ConversationInfo, messages: list[Message]) -> dict[str, Any]:
    """The conversation as a JSON-ready dict (see the module docstring for the format)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": info.title,
        "created": float(info.created),
        "updated": float(info.updated),
        "messages": [_message_to_json(m) for m in messages],
    }


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
    if version != VERSION:
        newer = " (made by a newer version of the app)" if version > VERSION else ""
        raise ValueError(f"unsupported version {version}{newer}; this app reads version 1")
    title = _field(data, "title", str, "")
    created = _number(data, "created", "")
    updated = _number(data, "updated", "")
    raw_messages = _field(data, "messages", list, "")
    messages = [_message_from_json(item, f"messages[{i}]") for i, item in enumerate(raw_messages)]
    return ImportedConversation(title, created, updated, messages)


def from_json(data: object) -> tuple[str, list[Message]]:
    """Validate an exported conversation; its title and messages (without ids)."""
    parsed = parse(data)
    return parsed.title, parsed.messages


def import_conversation(store: Store, data: object) -> int:
    """Add the exported conversation to ``store`` as a new one; returns its id.

    Timestamps are kept as exported. A non-empty title counts as chosen by the user.
    """
    return insert_imported(store, parse(data))


def insert_imported(store: Store, parsed: ImportedConversation) -> int:
    """Add a parsed export to ``store`` as a new conversation; returns its id."""
    return store.insert_conversation(
        parsed.title,
        parsed.messages,
        created=parsed.created,
        updated=parsed.updated,
        custom_title=bool(parsed.title),
    )


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
    return Message(
        role=Role(role),
        content=_field(item, "content", str, where),
        state=MessageState(state),
        created=_number(item, "created", where),
        usage=usage,
        error=error,
        remaining_credits=credits,
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


# -- Markdown --------------------------------------------------------------------------


def to_markdown(
    info: ConversationInfo, messages: list[Message], tz: tzinfo | None = None
) -> str:
    """A readable document: the title, then each message with its role and time.

    Contents are kept verbatim (they are Markdown already). Times are in ``tz``
    (default: the computer's local time zone), with the offset written out.
    """
    title = display_title(" ".join(info.title.split()))
    count = f"{len(messages)} message{'' if len(messages) == 1 else 's'}"
    parts = [
        f"# {title}",
        f"*Exported from {APP_NAME}. Started {_when(info.created, tz)},"
        f" last activity {_when(info.updated, tz)}; {count}.*",
    ]
    for message in messages:
        parts.append("---")
        parts.extend(_message_markdown(message, tz))
    if not messages:
        parts.append("*No messages.*")
    return "\n\n".join(parts) + "\n"


def _message_markdown(message: Message, tz: tzinfo | None) -> list[str]:
    label = _ROLE_LABELS[Role(message.role)]
    state = MessageState(message.state)
    status = ""
    if state in _UNFINISHED:
        status = " · incomplete"
    elif state is MessageState.FAILED:
        status = " · failed"
    parts = [f"## {label} · {_when(message.created, tz)}{status}"]
    parts.append(message.content if message.content.strip() else "*(no text)*")
    fence = unclosed_fence(message.content)
    if fence:  # a reply cut inside a code block must not swallow the rest of the file
        parts.append(fence)
    if state in _UNFINISHED:
        parts.append("> **Incomplete reply:** the answer stopped before the end.")
    if message.error:
        parts.append(_quote(f"**Error:** {message.error}"))
    details = _details(message)
    if details:
        parts.append(f"*{details}*")
    return parts


def unclosed_fence(markdown: str) -> str | None:
    """The line that closes a code fence left open at the end of ``markdown``, if any."""
    open_fence: str | None = None
    for line in markdown.splitlines():
        match = _FENCE.match(line)
        if not match:
            continue
        marker = match.group(1)
        if open_fence is None:
            open_fence = marker
        elif (
            marker[0] == open_fence[0]
            and len(marker) >= len(open_fence)
            and not line[match.end():].strip()
        ):
            open_fence = None
    return open_fence


def _details(message: Message) -> str:
    bits: list[str] = []
    if message.usage is not None:
        u = message.usage
        bits.append(
            f"Tokens: {u.prompt_tokens:,} prompt + {u.completion_tokens:,} reply"
            f" = {u.total_tokens:,}"
        )
    if message.remaining_credits is not None:
        bits.append(f"credits left: {message.remaining_credits:g}")
    return "; ".join(bits)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _when(timestamp: float, tz: tzinfo | None) -> str:
    moment = datetime.fromtimestamp(timestamp, tz).astimezone(tz)
    offset = moment.strftime("%z")
    offset = "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:5]}"
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset}"
