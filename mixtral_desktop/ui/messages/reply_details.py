"""What a reply's details say: the parameters it was asked with, its tokens, the credits
left after it. Shown as the reply's tooltip and at the end of its context menu."""

from __future__ import annotations

import json

from mixtral_desktop.core.domain.chat_settings import describe_sent
from mixtral_desktop.core.domain.conversation import Message, Role


def reply_details(message: Message) -> list[str]:
    """One line per detail; none for a message the user wrote."""
    if message.role is not Role.ASSISTANT:
        return []
    lines = []
    if message.parameters is not None:
        try:
            fields = json.loads(message.parameters)
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            lines.append(f"Asked with {describe_sent(fields)}")
    usage = message.usage
    if usage is not None and usage.total_tokens:
        lines.append(
            f"Tokens: {usage.prompt_tokens:,} in, {usage.completion_tokens:,} out"
        )
    if message.remaining_credits is not None:
        lines.append(f"Credits left after it: {message.remaining_credits:g}")
    return lines
