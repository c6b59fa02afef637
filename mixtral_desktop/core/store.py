"""SQLite history: conversations, messages, drafts, app state, full-text search.

STUB: the agreed public interface; the bodies are being written. This module owns
every SQL statement of the app, all parameterised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mixtral_desktop.core.conversation import Message, Role

SCHEMA_VERSION = 2


class DatabaseCorrupt(Exception):
    """The file is not a usable database of ours (corrupt, not SQLite, or from the future)."""


@dataclass(frozen=True)
class ConversationInfo:
    id: int
    title: str
    created: float
    updated: float  # last activity: the newest message, rename or draft does not count
    message_count: int
    custom_title: bool  # renamed by the user: never replaced by an automatic title


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


class Store:
    """One connection, used from the GUI thread only; every write is its own transaction."""

    path: Path

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating or migrating) the database; raises DatabaseCorrupt."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # conversations
    def create_conversation(self, title: str = "") -> int:
        raise NotImplementedError

    def conversation(self, conversation_id: int) -> ConversationInfo | None:
        raise NotImplementedError

    def list_conversations(self, offset: int = 0, limit: int = 200) -> list[ConversationInfo]:
        """Newest activity first; deleted ones are left out."""
        raise NotImplementedError

    def count_conversations(self) -> int:
        raise NotImplementedError

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """A title chosen by the user (custom_title becomes True)."""
        raise NotImplementedError

    def set_auto_title(self, conversation_id: int, title: str) -> None:
        """A title made from the first user message; ignored once the user renamed it."""
        raise NotImplementedError

    def delete_conversation(self, conversation_id: int) -> None:
        """Soft delete (undo with restore_conversation)."""
        raise NotImplementedError

    def restore_conversation(self, conversation_id: int) -> None:
        raise NotImplementedError

    def purge_deleted(self) -> int:
        """Really delete soft-deleted conversations; returns how many."""
        raise NotImplementedError

    # messages
    def add_message(self, conversation_id: int, message: Message) -> Message:
        """Insert; returns the message with its id."""
        raise NotImplementedError

    def update_message(self, message: Message) -> None:
        """Content, state, usage, error, remaining credits of a saved message (by id)."""
        raise NotImplementedError

    def delete_message(self, message_id: int) -> None:
        raise NotImplementedError

    def messages(self, conversation_id: int) -> list[Message]:
        raise NotImplementedError

    # drafts
    def save_draft(self, conversation_id: int, text: str, role: Role) -> None:
        raise NotImplementedError

    def draft(self, conversation_id: int) -> tuple[str, Role]:
        """("", Role.USER) when there is none."""
        raise NotImplementedError

    # app state (open tabs, window geometry...)
    def set_state(self, key: str, value: str) -> None:
        raise NotImplementedError

    def state(self, key: str) -> str | None:
        raise NotImplementedError

    # search
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text (FTS5) search of every message of every non-deleted conversation."""
        raise NotImplementedError
