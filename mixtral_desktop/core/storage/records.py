"""The rows the history hands out (conversations, search hits) and the mapping between
:class:`~mixtral_desktop.core.domain.conversation.Message` and a ``messages`` row."""

from __future__ import annotations

from dataclasses import dataclass

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage


@dataclass(frozen=True)
class ConversationInfo:
    id: int
    title: str
    created: float
    updated: float  # last activity: the newest message, rename or draft does not count
    message_count: int
    custom_title: bool  # renamed by the user: never replaced by an automatic title
    deleted_at: float | None = None  # set while soft-deleted (restore_conversation undoes it)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    message_id: int
    title: str
    role: Role
    snippet: str  # plain text with the matches between HIT_START and HIT_END
    created: float


HIT_START = "\x02"
HIT_END = "\x03"


def message_values(message: Message) -> tuple[object, ...]:
    """The columns after conversation_id and position, in insert order."""
    usage = message.usage
    return (
        Role(message.role).value,
        message.content,
        MessageState(message.state).value,
        message.created,
        None if usage is None else usage.prompt_tokens,
        None if usage is None else usage.completion_tokens,
        None if usage is None else usage.total_tokens,
        message.error,
        message.remaining_credits,
        message.parameters,
        message.counted_tokens,
        message.credits_spent,
        message.credits_note,
    )


def conversation_from_row(row: tuple[object, ...]) -> ConversationInfo:
    cid, title, created, updated, count, custom, deleted_at = row
    return ConversationInfo(
        id=_int(cid),
        title=str(title),
        created=_float(created),
        updated=_float(updated),
        message_count=_int(count),
        custom_title=bool(custom),
        deleted_at=None if deleted_at is None else _float(deleted_at),
    )


def message_from_row(row: tuple[object, ...]) -> Message:
    (mid, role, content, state, created, prompt, completion, total, error, credits, params,
     counted, spent, note) = row
    usage = None
    if prompt is not None or completion is not None or total is not None:
        usage = Usage(_int(prompt), _int(completion), _int(total))
    return Message(
        role=Role(str(role)),
        content=str(content),
        state=MessageState(str(state)),
        created=_float(created),
        usage=usage,
        error=None if error is None else str(error),
        remaining_credits=None if credits is None else _float(credits),
        parameters=None if params is None else str(params),
        counted_tokens=None if counted is None else _int(counted),
        credits_spent=None if spent is None else _float(spent),
        credits_note=None if note is None else str(note),
        id=_int(mid),
    )


ATTACHMENT_COLUMNS = "digest, name, kind, pages, empty_pages, replacements"
WITH_TEXT = f"{ATTACHMENT_COLUMNS}, text FROM attachments JOIN documents USING (digest)"
"""Select this for attachments with their texts (then WHERE …)."""


def attachment_values(attachment: Attachment) -> tuple[object, ...]:
    """The values of :data:`ATTACHMENT_COLUMNS` for ``attachment``."""
    a = attachment
    return (a.digest, a.name, a.kind, a.pages, ",".join(map(str, a.empty_pages)),
            a.replacements)


def attachment_from_row(row: tuple[object, ...]) -> Attachment:
    """An attachment from :data:`ATTACHMENT_COLUMNS` (and its text, with :data:`WITH_TEXT`)."""
    digest, name, kind, pages, empty, replacements, *text = row
    return Attachment(
        name=str(name), kind=str(kind), digest=str(digest),
        pages=None if pages is None else _int(pages),
        empty_pages=tuple(int(p) for p in str(empty).split(",") if p),
        replacements=_int(replacements),
        text=str(text[0]) if text else "",
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0

