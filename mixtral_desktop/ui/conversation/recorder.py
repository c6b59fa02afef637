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

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.domain.titles import title_from_message
from mixtral_desktop.core.domain.tree import ROOT, Detached
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.messages.model import ConversationModel

STREAM_SAVE_MS = 400
"""A growing reply reaches the database at least this often (the goal is 500 ms)."""
DRAFT_SAVE_MS = 400


class ConversationRecorder(QObject):
    """Saves one conversation; creates it in the store on its first message or draft.

    It follows the model's tree: every node (every version) is saved under its parent,
    each change of the active version is written at once, and a deleted branch is
    deleted when the model says it is gone for good (after its Undo).
    """

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
        self._ids: dict[int, int] = {}  # the store's id of each saved node, by tree key
        self._seen: dict[int, Message] = {}  # the message each node had when last looked at
        self._pending: set[int] = set()  # streaming nodes waiting for the next write
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
        model.node_added.connect(self._save)
        model.node_changed.connect(self._on_changed)
        model.active_changed.connect(self._on_active_changed)
        model.branch_deleted.connect(self._on_deleted)
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

    def documents_changed(self, text: str, role: Role, documents: Sequence[Attachment]) -> None:
        """The draft's documents changed: saved at once, with the draft's text (a
        document is not a keystroke: it is never left waiting for a timer)."""
        self._draft_timer.stop()
        self._draft = None
        if self.conversation_id is None and not documents and not text:
            return
        self.store.save_draft(self.ensure_conversation(), text, role, tuple(documents))

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
        """The store's id of the message shown in ``row`` (None: not saved yet)."""
        if not 0 <= row < self.model.rowCount():
            return None
        return self._ids.get(self.model.key_at(row))

    def key_of(self, message_id: int) -> int | None:
        """The tree key of a saved message (on the visible path or not)."""
        for key, saved in self._ids.items():
            if saved == message_id:
                return key
        return None

    def row_of(self, message_id: int) -> int | None:
        """The row showing a saved message (None: not on the visible path)."""
        key = self.key_of(message_id)
        return None if key is None else self.model.row_of_key(key)

    # -- model signals --------------------------------------------------------------

    def _sync_from_model(self) -> None:
        """After a reset: loaded messages carry their ids; any others are saved now."""
        self._stream_timer.stop()
        self._pending.clear()
        tree = self.model.tree
        self._ids = {}
        self._seen = {}
        for key in tree.walk():
            message = tree.message(key)
            self._seen[key] = message
            if message.id is not None:
                self._ids[key] = message.id
            else:
                self._save(key)

    def _on_changed(self, key: int) -> None:
        message = self.model.tree.message(key)
        seen = self._seen.get(key)  # (as last written)
        if message is seen:
            return
        streamed = key in self._pending or (
            seen is not None and seen.state is MessageState.STREAMING
        )
        if message.state is MessageState.STREAMING or (
            streamed and message.state is MessageState.DONE
        ):
            self._pending.add(key)  # throttled: at most one write per interval
            if not self._stream_timer.isActive():
                self._stream_timer.start()
        else:
            self._pending.discard(key)
            self._save(key)

    def _on_active_changed(self, parent: int) -> None:
        tree = self.model.tree
        if self.conversation_id is None or (parent != ROOT and parent not in self._ids):
            return
        child = tree.active_child(parent) if parent == ROOT or parent in tree else None
        child_id = None if child is None else self._ids.get(child)
        if child_id is None:
            return  # (a reply not saved yet: saving it makes it the active one)
        self.store.set_active_child(
            self.conversation_id, None if parent == ROOT else self._ids[parent], child_id
        )

    def _on_deleted(self, detached: Detached) -> None:
        gone = [self._ids.pop(key) for key, *_rest in detached.nodes if key in self._ids]
        for key, *_rest in detached.nodes:
            self._seen.pop(key, None)
            self._pending.discard(key)
        if gone:
            self.store.delete_messages(gone)
        if self.conversation_id is not None:
            self.changed.emit(self.conversation_id)

    # -- writing --------------------------------------------------------------------

    def _save_pending(self) -> None:
        self._stream_timer.stop()
        keys, self._pending = sorted(self._pending), set()
        for key in keys:
            if key in self.model.tree:
                self._save(key)

    def _save(self, key: int) -> None:
        tree = self.model.tree
        message = tree.message(key)
        self._seen[key] = message
        if not message.content and message.state in (
            MessageState.WAITING, MessageState.STREAMING
        ):
            return  # an empty reply placeholder: nothing to keep yet
        stored = message
        if message.state is MessageState.STREAMING:
            # Until it finishes, the saved reply is incomplete: that is what a crash leaves.
            stored = replace(message, state=MessageState.INCOMPLETE)
        message_id = self._ids.get(key)
        if message_id is not None:
            self.store.update_message(replace(stored, id=message_id))
        else:
            parent = tree.parent(key)
            if parent != ROOT and parent not in self._ids:
                self._pending.discard(parent)
                self._save(parent)  # a reply whose last write was still waiting
                if parent not in self._ids:
                    return  # under an empty reply placeholder (refused by the controller)
            conversation_id = self.ensure_conversation()
            parent_id = None if parent == ROOT else self._ids[parent]
            saved = self.store.add_message(conversation_id, replace(stored, id=None), parent_id)
            assert saved.id is not None
            self._ids[key] = saved.id
            if tree.active_child(parent) != key:  # saved later than it was made: keep the
                self._on_active_changed(parent)  # version the user looks at active
            if message.role is Role.USER:
                self.store.set_auto_title(conversation_id, title_from_message(message.content))
        assert self.conversation_id is not None
        self.changed.emit(self.conversation_id)
