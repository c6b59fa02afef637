"""What a reply's details say: the parameters it was asked with, its prompt as we
counted it beside the server's usage, what it cost and the credits left after it. Shown
as the reply's tooltip and at the end of its context menu."""

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
            f"Tokens (Segmind's count): {usage.prompt_tokens:,} in,"
            f" {usage.completion_tokens:,} out, {usage.total_tokens:,} in all"
        )
    counted = message.counted_tokens
    if counted is not None:
        same = ""
        if usage is not None and usage.total_tokens:
            difference = usage.prompt_tokens - counted
            same = (" (the same as Segmind's)" if difference == 0
                    else f" ({difference:+,} for Segmind)")
        lines.append(f"Prompt as the app counted it: {counted:,} tokens{same}")
    if message.credits_spent is not None:
        cost = f"{message.credits_spent:.6f}".rstrip("0").rstrip(".")
        if message.credits_note is None:
            lines.append(f"Cost: {cost} credits")
        else:
            lines.append(f"Cost: ≈ {cost} credits (approximate: {message.credits_note})")
    elif message.credits_note is not None:
        lines.append(f"Cost: unknown ({message.credits_note})")
    if message.remaining_credits is not None:
        lines.append(f"Credits left after it: {message.remaining_credits:g}")
    return lines
