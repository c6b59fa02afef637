"""What one request to Mixtral carries: the chat's system prompt and example turns,
then the messages of the conversation in order, and the chat's parameters (only the
body fields the user changed from the server's defaults; see :mod:`.chat_settings`).

The conversation controller builds a :class:`ChatRequest` from what the user sees; the
reply service sends exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role

CONTINUE_PROMPT = (
    "Continue your previous reply exactly where it stopped, without repeating any of it."
)


@dataclass(frozen=True)
class ChatRequest:
    """The body of one chat request: ``messages`` and the extra ``params`` fields."""

    messages: tuple[Mapping[str, str], ...]
    params: Mapping[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """Whether there is anything to send (a conversation with no finished turn is empty)."""
        return bool(self.messages)


def api_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """The payload's ``messages``: every finished turn, in order.

    Replies that failed before any text arrived are left out; partial replies are
    kept out too, since the model would read them as its own complete answer.
    """
    return [
        m.to_api() for m in messages
        if m.state is MessageState.DONE and (m.content or m.attachments)
    ]


def reply_request(
    messages: Sequence[Message], settings: ChatSettings | None = None
) -> ChatRequest:
    """Ask for the next reply to ``messages``, steered by the chat's ``settings``.

    Empty (false) when the conversation has no finished turn: instructions alone are
    not a question.
    """
    turns = api_messages(messages)
    if not turns:
        return ChatRequest(())
    return _steered(turns, settings)


def continue_request(
    messages: Sequence[Message], partial: str, settings: ChatSettings | None = None
) -> ChatRequest:
    """Ask Mixtral to carry on from ``partial``, the reply that was cut after ``messages``."""
    turns = [
        *api_messages(messages),
        {"role": Role.ASSISTANT.value, "content": partial},
        {"role": Role.USER.value, "content": CONTINUE_PROMPT},
    ]
    return _steered(turns, settings)


def _steered(turns: list[dict[str, str]], settings: ChatSettings | None) -> ChatRequest:
    """The system prompt and examples first (the user's own system messages stay where
    they are in ``turns``), and only the parameters that were changed."""
    if settings is None:
        return ChatRequest(tuple(turns))
    return ChatRequest(
        (*settings.leading_messages(), *turns), settings.body_fields()
    )
