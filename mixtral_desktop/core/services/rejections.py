"""Which request fields Segmind refused, so the user can send without them.

A 400 or 422 whose body names a field we sent (a known parameter or an extra field)
rejected that field; any 400 after extra fields were added is blamed on the extra
fields (a field the server does not know may be refused without being named).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mixtral_desktop.core.segmind.errors import RequestRejected, SegmindError

FIELD_STATUSES = (400, 422)


def rejected_fields(
    error: SegmindError, sent: Mapping[str, Any], extra: Iterable[str] = ()
) -> list[str]:
    """The fields of ``sent`` (the body besides ``messages``) that ``error`` rejected."""
    if error.status not in FIELD_STATUSES or not sent:
        return []
    named = [name for name in sent if name in error.body_names]
    if named:
        return named
    if error.status == 400:
        return [name for name in extra if name in sent]
    return []


def field_list(fields: Iterable[str]) -> str:
    """ "top_p", "top_p and seed", "top_p, seed and stop"."""
    names = list(fields)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def rejection_error(error: SegmindError, fields: list[str]) -> SegmindError:
    """The error to show: what was refused, and what the user can do about it."""
    them = "it" if len(fields) == 1 else "them"
    rejected = RequestRejected(
        f"Segmind did not accept {field_list(fields)} ({error.status}). Send without "
        f"{them} (this chat will leave {them} out from now on), or change {them} in the "
        "chat's settings.",
        status=error.status, remaining_credits=error.remaining_credits,
    )
    rejected.body_names = error.body_names
    return rejected.with_detail(error.server_detail)
