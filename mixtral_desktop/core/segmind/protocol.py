"""The shapes of Segmind's answers: replies, credits, a completion's JSON, usage.

Everything here reads plain values (already-decoded JSON); malformed input raises
:class:`~mixtral_desktop.core.segmind.errors.BadResponse`, never anything else.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.core.segmind.errors import BadResponse

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Credits:
    credits: float
    free_credits: float

    @property
    def total(self) -> float:
        return self.credits + self.free_credits


@dataclass(frozen=True)
class ChatReply:
    text: str
    usage: Usage | None
    remaining_credits: float | None
    finish_reason: str | None
    streamed: bool


def json_object(data: bytes, credits: float | None) -> dict[str, Any]:
    try:
        value = json.loads(data.removeprefix(BOM).decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        raise BadResponse(remaining_credits=credits) from None
    if not isinstance(value, dict):
        raise BadResponse(remaining_credits=credits)
    return value


def parse_completion(value: dict[str, Any], credits: float | None) -> ChatReply:
    if value.get("error") is not None:
        raise BadResponse(
            "Segmind reported an error instead of a reply.", remaining_credits=credits
        )
    choice = first_choice(value.get("choices"), credits)
    message = choice.get("message") if choice is not None else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise BadResponse(remaining_credits=credits)
    assert choice is not None
    return ChatReply(
        text=content,
        usage=usage(value.get("usage")),
        remaining_credits=credits,
        finish_reason=finish_reason(choice),
        streamed=False,
    )


def first_choice(choices: object, credits: float | None) -> dict[str, Any] | None:
    """``choices[0]``; None for an empty list; BadResponse for anything malformed."""
    if not isinstance(choices, list):
        raise BadResponse(remaining_credits=credits)
    if not choices:
        return None
    if not isinstance(choices[0], dict):
        raise BadResponse(remaining_credits=credits)
    return choices[0]


def finish_reason(choice: Mapping[str, Any]) -> str | None:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) else None


def number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def usage(value: object) -> Usage | None:
    """Token counts, or None when absent or not understood (never an error)."""
    if not isinstance(value, dict):
        return None
    counts: dict[str, int] = {}
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        raw = value.get(name)
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int):
            counts[name] = raw
        elif isinstance(raw, float) and raw.is_integer():
            counts[name] = int(raw)
        elif raw is not None:
            return None
    if not counts:
        return None
    prompt = counts.get("prompt_tokens", 0)
    completion = counts.get("completion_tokens", 0)
    return Usage(prompt, completion, counts.get("total_tokens", prompt + completion))



def parse_credits(value: Mapping[str, Any], credits_header: float | None) -> Credits:
    """The credits API's answer (``credits``, ``free-credits``); BadResponse if malformed."""
    paid = number(value.get("credits"))
    free = number(value.get("free-credits", 0.0))
    if paid is None or free is None:
        raise BadResponse(remaining_credits=credits_header)
    return Credits(credits=paid, free_credits=free)
