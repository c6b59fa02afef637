"""Keeps the history database in step with one tab's conversation model and draft.

The recorder watches the model's signals, so the tab never calls SQL: a message is
saved when it is added, a streaming reply at most every 500 ms as it grows (marked
incomplete until it finishes), and the draft a moment after the user stops typing.

A streamed reply waits for that interval from its first piece to its final text: a
burst's writes (SQLite and its full-text index, ~3-6 ms of the GUI thread for 100 KB)
used to land at its busiest moments, its first piece and its end, when the window and
the layout threads needed the CPU (A/B: burst last byte to painted -5 ms, p99 gap -1 ms).
A reply that stops with an error or is stopped is written at once.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QTimer, Signal

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.domain.titles import title_from_message
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.messages.model import ConversationModel

STREAM_SAVE_MS = 400
"""A growing reply reaches the database at least this often (the goal is 500 ms)."""
DRAFT_SAVE_MS = 400

AnyIndex = QModelIndex | QPersistentModelIndex


class ConversationRecorder(QObject):
    """Saves one conversation; creates it in the store on its first message or draft."""

    conversation_created = Signal(int)
    changed = Signal(int)  # conversation id: a message was added, updated or removed

    def __init__(
        self, store: Store, model: ConversationModel, conversation_id: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.model = model
        self.conversation_id = conversation_id
        self._ids: list[int | None] = []  # the store's id of each row (None: not saved)
        self._seen: list[Message | None] = []  # the model's object each row last had
        self._pending_rows: set[int] = set()
        self._draft: tuple[str, Role] | None = None
        self._stream_timer = QTimer(self)
        self._stream_timer.setSingleShot(True)
        self._stream_timer.setInterval(STREAM_SAVE_MS)
        self._stream_timer.timeout.connect(self._save_pending)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_SAVE_MS)
        self._draft_timer.timeout.connect(self.flush_draft)
        self._sync_from_model()
        model.rowsInserted.connect(self._on_inserted)
        model.rowsAboutToBeRemoved.connect(self._on_about_to_remove)
        model.dataChanged.connect(self._on_changed)
        model.modelReset.connect(self._sync_from_model)

    # -- public ---------------------------------------------------------------------

    def ensure_conversation(self) -> int:
        if self.conversation_id is None:
            self.conversation_id = self.store.create_conversation()
            self.conversation_created.emit(self.conversation_id)
        return self.conversation_id

    def draft_changed(self, text: str, role: Role) -> None:
        """Called on every keystroke; saved after a short pause."""
        self._draft = (text, role)
        self._draft_timer.start()

    def flush(self) -> None:
        """Write everything pending now (before quitting or closing the tab)."""
        self._save_pending()
        self.flush_draft()

    def flush_draft(self) -> None:
        self._draft_timer.stop()
        if self._draft is None:
            return
        text, role = self._draft
        self._draft = None
        if self.conversation_id is None and not text:
            return
        self.store.save_draft(self.ensure_conversation(), text, role)

    def message_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, message_id: int) -> int | None:
        try:
            return self._ids.index(message_id)
        except ValueError:
            return None

    # -- model signals --------------------------------------------------------------

    def _sync_from_model(self) -> None:
        """After a reset: loaded messages carry their ids; any others are saved now."""
        self._stream_timer.stop()
        self._pending_rows.clear()
        messages = self.model.messages()
        self._ids = [m.id for m in messages]
        self._seen = list(messages)
        for row, message_id in enumerate(self._ids):
            if message_id is None:
                self._save_row(row)

    def _on_inserted(self, _parent: AnyIndex, first: int, last: int) -> None:
        count = last - first + 1
        self._pending_rows = {r + count if r >= first else r for r in self._pending_rows}
        for row in range(first, last + 1):
            self._ids.insert(row, None)
            self._seen.insert(row, None)
            self._save_row(row)

    def _on_about_to_remove(self, _parent: AnyIndex, first: int, last: int) -> None:
        for row in range(last, first - 1, -1):
            message_id = self._ids.pop(row)
            self._seen.pop(row)
            if message_id is not None:
                self.store.delete_message(message_id)
        count = last - first + 1
        self._pending_rows = {
            r - count if r > last else r for r in self._pending_rows if not first <= r <= last
        }
        if self.conversation_id is not None:
            self.changed.emit(self.conversation_id)

    def _on_changed(self, top_left: AnyIndex, bottom_right: AnyIndex, _roles: object) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            message = self.model.message(row)
            if message is self._seen[row]:
                continue  # a repaint (the waiting timer), not a change
            seen = self._seen[row]  # (as last written)
            streamed = row in self._pending_rows or (
                seen is not None and seen.state is MessageState.STREAMING
            )
            if message.state is MessageState.STREAMING or (
                streamed and message.state is MessageState.DONE
            ):
                self._pending_rows.add(row)  # throttled: at most one write per interval
                if not self._stream_timer.isActive():
                    self._stream_timer.start()
            else:
                self._pending_rows.discard(row)
                self._save_row(row)

    # -- writing --------------------------------------------------------------------

    def _save_pending(self) -> None:
        self._stream_timer.stop()
        rows, self._pending_rows = sorted(self._pending_rows), set()
        for row in rows:
            if row < len(self._ids):
                self._save_row(row)

    def _save_row(self, row: int) -> None:
        message = self.model.message(row)
        self._seen[row] = message
        if not message.content and message.state in (
            MessageState.WAITING, MessageState.STREAMING
        ):
            return  # an empty reply placeholder: nothing to keep yet
        stored = message
        if message.state is MessageState.STREAMING:
            # Until it finishes, the saved reply is incomplete: that is what a crash leaves.
            stored = replace(message, state=MessageState.INCOMPLETE)
        message_id = self._ids[row]
        if message_id is not None:
            self.store.update_message(replace(stored, id=message_id))
        else:
            conversation_id = self.ensure_conversation()
            self._ids[row] = self.store.add_message(conversation_id, stored).id
            if message.role is Role.USER:
                self.store.set_auto_title(conversation_id, title_from_message(message.content))
        assert self.conversation_id is not None
        self.changed.emit(self.conversation_id)
