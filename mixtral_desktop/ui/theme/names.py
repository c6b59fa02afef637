"""Words the app shows in more than one place: who spoke, and what a chat without a title
is called (the one name, from :mod:`mixtral_desktop.core.domain.titles`)."""

from __future__ import annotations

from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.domain.titles import UNTITLED

__all__ = ["SPEAKERS", "UNTITLED"]

SPEAKERS: dict[Role, str] = {Role.USER: "You", Role.ASSISTANT: "Mixtral", Role.SYSTEM: "System"}
"""The label over a message, and beside a search hit."""
