"""Messages and conversations: plain dataclasses, roles and validation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import StrEnum

from mixtral_desktop.core.domain.attachments import Attachment, as_sent


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class MessageState(StrEnum):
    """Where a message stands; only assistant replies leave ``DONE``."""

    DONE = "done"
    STREAMING = "streaming"
    WAITING = "waiting"
    INCOMPLETE = "incomplete"
    FAILED = "failed"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class Message:
    """One turn. Immutable: an update makes a new message with :func:`dataclasses.replace`."""

    role: Role
    content: str
    state: MessageState = MessageState.DONE
    created: float = field(default_factory=time.time)
    usage: Usage | None = None
    error: str | None = None
    remaining_credits: float | None = None  # the account's credits after this reply
    parameters: str | None = None  # a reply's request fields besides messages, as JSON
    counted_tokens: int | None = None  # a reply's prompt as we counted it (core.domain.tokens)
    credits_spent: float | None = None  # what a reply cost, from the credits before and after
    credits_note: str | None = None  # why credits_spent is only approximate (None: exact)
    attachments: tuple[Attachment, ...] = ()  # documents sent with it (texts stored apart)
    id: int | None = None  # the row id in the history database, once saved

    def with_content(self, content: str) -> Message:
        return replace(self, content=content)

    def to_api(self) -> dict[str, str]:
        """The turn as the model gets it (attached documents first: see
        :mod:`~mixtral_desktop.core.domain.attachments`)."""
        return {"role": self.role.value, "content": self.sent_text()}

    def sent_text(self) -> str:
        """Exactly the text the model gets for this message ("View as sent")."""
        return as_sent(self.content, self.attachments)

    def has_substance(self) -> bool:
        """Something to send: visible text, or an attached document."""
        return bool(self.attachments) or bool(self.content.strip())


class EmptyMessage(ValueError):
    """Raised when a message with no visible text is about to be added."""


def validate_text(text: str) -> str:
    """Return ``text`` if it has visible characters, else raise :class:`EmptyMessage`."""
    if not text.strip():
        raise EmptyMessage("A message needs some text.")
    return text
