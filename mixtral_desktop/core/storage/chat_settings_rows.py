"""Each chat's settings (instructions, parameters, examples, the preset they came from)
in the ``chat_settings`` table: one JSON document per conversation, deleted with it; and
the first message each chat sends (``conversations.context_from``)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from mixtral_desktop.core.domain.chat_settings import (
    ChatSettings,
    InvalidValue,
    chat_settings_from_json,
    chat_settings_json,
)

log = logging.getLogger(__name__)


class ChatSettingsTable:
    """On the store's connection and in its transactions."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        transaction: Callable[[], AbstractContextManager[None]],
        clock: Callable[[], float],
    ) -> None:
        self._conn = conn
        self._transaction = transaction
        self._clock = clock

    def get(self, conversation_id: int) -> ChatSettings:
        """The chat's settings (the defaults when none were kept, or when the kept
        document is damaged: the chat still opens, and the damage is logged)."""
        row = self._conn.execute(
            "SELECT settings FROM chat_settings WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return ChatSettings()
        try:
            return chat_settings_from_json(str(row[0]))
        except InvalidValue as error:
            log.warning("conversation %d: its settings are damaged (%s)", conversation_id, error)
            return ChatSettings()

    def set(self, conversation_id: int, settings: ChatSettings) -> None:
        """Keep ``settings`` for the chat (the defaults remove its row). KeyError if there
        is no such conversation."""
        with self._transaction():
            if settings == ChatSettings():
                self._conn.execute(
                    "DELETE FROM chat_settings WHERE conversation_id = ?", (conversation_id,)
                )
                return
            try:
                self._conn.execute(
                    "INSERT INTO chat_settings (conversation_id, settings, updated)"
                    " VALUES (?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE"
                    " SET settings = excluded.settings, updated = excluded.updated",
                    (conversation_id, chat_settings_json(settings), self._clock()),
                )
            except sqlite3.IntegrityError as error:  # the foreign key: no such conversation
                raise KeyError(conversation_id) from error

    def context_from(self, conversation_id: int) -> int | None:
        """The first message the chat sends (those above it on its path are left out of
        its requests), or None: everything is sent."""
        row = self._conn.execute(
            "SELECT context_from FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return row[0] if row is not None and isinstance(row[0], int) else None

    def set_context_from(self, conversation_id: int, message_id: int | None) -> None:
        """Keep the chat's choice to send from ``message_id`` on (None: send everything)."""
        with self._transaction():
            self._conn.execute(
                "UPDATE conversations SET context_from = ? WHERE id = ?",
                (message_id, conversation_id),
            )
