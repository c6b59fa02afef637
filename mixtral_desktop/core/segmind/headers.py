"""What Segmind's status line, headers and error bodies say: the credits header,
``Retry-After``, the typed error for a status, and a cleaned quote of an error body."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mixtral_desktop.core.segmind.errors import (
    AuthError,
    BadResponse,
    CreditsExhausted,
    MethodNotAllowed,
    ModelNotFound,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    SegmindError,
    ServerError,
)

CREDITS_HEADER = "x-remaining-credits"
DETAIL_CHARS = 160
_KEY_LIKE = re.compile(r"(?i)\b(?:sk|key|api[_-]?key)[-_][A-Za-z0-9_\-]{6,}|[A-Za-z0-9_\-]{32,}")


def parse_credits_header(value: str | None) -> float | None:
    """The ``x-remaining-credits`` header as a number, or None if absent or not numeric."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds from either form (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    import email.utils  # an HTTP date is rare; the email package is not needed at start-up

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_for_status(
    status: int, headers: Mapping[str, str], remaining_credits: float | None
) -> SegmindError:
    """The typed error for a non-2xx reply (the body is never quoted)."""
    kw: dict[str, Any] = {"status": status, "remaining_credits": remaining_credits}
    if status == 401:
        return AuthError(**kw)
    if status == 404:
        return ModelNotFound(**kw)
    if status == 405:
        return MethodNotAllowed(**kw)
    if status == 406:
        return CreditsExhausted(**kw)
    if status == 408:
        return RequestTimeout(**kw)
    if status == 429:
        return RateLimited(retry_after=parse_retry_after(headers.get("Retry-After")), **kw)
    if 400 <= status < 500:
        return RequestRejected(f"Segmind rejected the request ({status}).", **kw)
    if status >= 500:
        return ServerError(f"Segmind had a server error ({status}): retry in a moment.", **kw)
    if 300 <= status < 400:
        return BadResponse(
            f"Segmind answered with a redirect ({status}), which this app does not follow: "
            "check the API base URL.",
            **kw,
        )
    return BadResponse(f"Segmind answered with an unexpected status ({status}).", **kw)



def server_detail(body: bytes, key: str | None = None) -> str | None:
    """What an error body says, for a person: JSON ``error``/``message``/``detail`` only
    (never an HTML page), one line, cut short, with the key and key-like strings removed."""
    try:
        value = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    text: object = None
    if isinstance(value, dict):
        for name in ("error", "message", "detail"):
            text = value.get(name)
            if isinstance(text, dict):
                text = text.get("message")
            if isinstance(text, str) and text.strip():
                break
    if not isinstance(text, str) or not text.strip():
        return None
    if key:
        text = text.replace(key, "[key]")
    text = _KEY_LIKE.sub("[hidden]", " ".join(text.split()))
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1].rstrip() + "…"



_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def body_names(body: bytes) -> frozenset[str]:
    """Every identifier an error body names (JSON keys and strings, or the words of a
    text), so a rejected request field can be recognised: FastAPI-style
    ``{"detail": [{"loc": ["body", "top_p"], ...}]}`` and "invalid top_p" both name it."""
    text = body.decode("utf-8", errors="replace")
    try:
        value: Any = json.loads(text)
    except ValueError:
        return frozenset(_NAME.findall(text))
    names: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            names.update(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            names.update(_NAME.findall(item))
    return frozenset(names)
