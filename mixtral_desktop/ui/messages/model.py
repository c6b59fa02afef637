"""The list model behind a conversation pane: one row per message of the conversation
tree's active path (:class:`~mixtral_desktop.core.domain.tree.ConversationTree`).

Changes to the tree go through this model, so the rows follow: a new version, a switch
or a deletion replaces the rows from the turn that changed down to the end. Besides the
Qt row signals it reports what happened to the tree (the recorder saves from those):
:attr:`node_added`, :attr:`node_changed`, :attr:`active_changed`, :attr:`branch_deleted`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from mixtral_desktop.core.domain.attachments import attached_names
from mixtral_desktop.core.domain.conversation import Message
from mixtral_desktop.core.domain.tree import ROOT, ConversationTree, Detached
from mixtral_desktop.ui.messages.reply_details import reply_details

AnyIndex = QModelIndex | QPersistentModelIndex

#: ``data(index, MessageRole)`` returns the :class:`Message` itself.
MessageRole = Qt.ItemDataRole.UserRole + 1
#: The message's role as a string ("user", "assistant", "system").
SpeakerRole = Qt.ItemDataRole.UserRole + 2
#: The message's state as a string ("done", "streaming", ...).
StateRole = Qt.ItemDataRole.UserRole + 3
#: (number, count): the message is version ``number`` of ``count`` of its turn.
VersionRole = Qt.ItemDataRole.UserRole + 4


class ConversationModel(QAbstractListModel):
    """The active path's messages in order. Messages are immutable: an update replaces one.

    Each row's key is its node's key in the tree, unique and kept while the node lives
    (on the path or not), so a reply can be followed wherever the user goes meanwhile.
    """

    node_added = Signal(int)  # key: a new message (the active child of its parent)
    node_changed = Signal(int)  # key: its message was replaced
    active_changed = Signal(int)  # key of a parent (ROOT included) whose active child changed
    branch_deleted = Signal(object)  # Detached: gone for good (no Undo any more)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tree = ConversationTree()
        self._messages: list[Message] = []
        self._keys: list[int] = []
        self.first_sent_row = 0
        """Rows above it are left out of the chat's requests (a screen reader hears so)."""

    # Qt API

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        row = index.row()
        message = self._messages[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return message.content
        if role == MessageRole:
            return message
        if role == SpeakerRole:
            return message.role.value
        if role == StateRole:
            return message.state.value
        if role == VersionRole:
            return self.version(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # What a screen reader says: "assistant, version 2 of 3: …".
            number, count = self.version(row)
            versions = f", version {number} of {count}" if count > 1 else ""
            left_out = ", not sent to the model" if row < self.first_sent_row else ""
            attached = (f", with attached {attached_names(message.attachments)}"
                        if message.attachments else "")
            return f"{message.role.value}{versions}{left_out}{attached}: {message.content}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(reply_details(message)) or None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names[MessageRole] = QByteArray(b"message")
        names[SpeakerRole] = QByteArray(b"speaker")
        names[StateRole] = QByteArray(b"state")
        names[VersionRole] = QByteArray(b"version")
        return names

    # Reading

    @property
    def tree(self) -> ConversationTree:
        """The whole conversation (read it; change it through this model)."""
        return self._tree

    def messages(self) -> list[Message]:
        """A copy of every message on the active path, in order."""
        return list(self._messages)

    def message(self, row: int) -> Message:
        return self._messages[row]

    def version(self, row: int) -> tuple[int, int]:
        """(number, count) of the message in ``row`` among the versions of its turn."""
        self._check_row(row)
        return self._tree.version(self._keys[row])

    def key_at(self, row: int) -> int:
        """The tree key of the message in ``row`` (see the class docstring)."""
        self._check_row(row)
        return self._keys[row]

    def row_of_key(self, key: int) -> int | None:
        """The row whose key is ``key``; None once it is off the path or gone."""
        keys = self._keys
        if keys and keys[-1] == key:  # (a reply: almost always the last row)
            return len(keys) - 1
        try:
            return keys.index(key)
        except ValueError:
            return None

    # Changing

    def append(self, message: Message) -> int:
        """Add ``message`` after the last row (a new turn) and return its row."""
        parent = self._keys[-1] if self._keys else ROOT
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        key = self._tree.add(parent, message)
        self._messages.append(message)
        self._keys.append(key)
        self.endInsertRows()
        self.node_added.emit(key)
        return row

    def add_version(self, row: int, message: Message) -> int:
        """A new version of the turn in ``row``, shown in its place (the rows below it go:
        they stay with the old version). Returns its row (``row``)."""
        self._check_row(row)
        key = self._tree.add_version(self._keys[row], message)
        self._follow_path(row)
        self.node_added.emit(key)
        return row

    def replace(self, row: int, message: Message) -> None:
        """Put ``message`` in ``row``; only that row is reported as changed."""
        self._check_row(row)
        self.update_key(self._keys[row], message)

    def update_key(self, key: int, message: Message) -> None:
        """Replace the message of node ``key``, shown or not."""
        self._tree.update(key, message)
        row = self.row_of_key(key)
        if row is not None:
            self._messages[row] = message
            self.refresh(row)
        self.node_changed.emit(key)

    def refresh(self, row: int) -> None:
        """Report ``row`` as changed without changing it (repaints a waiting timer)."""
        self._check_row(row)
        index = self.index(row, 0)
        self.dataChanged.emit(index, index, [])

    def switch_version(self, row: int, step: int) -> int | None:
        """Show the version ``step`` away from the one in ``row`` (with its own later
        turns); its row, or None when there is no such version."""
        self._check_row(row)
        key = self._keys[row]
        number, count = self._tree.version(key)
        if not 1 <= number + step <= count:
            return None
        self._tree.switch(key, step)
        self._follow_path(row)
        self.active_changed.emit(self._tree.parent(key))
        return row

    def show_key(self, key: int) -> int | None:
        """Make the branch holding node ``key`` the visible one; its row (None: no node)."""
        if key not in self._tree:
            return None
        changed = self._tree.activate(key)
        if changed:
            self._follow_path(0)
            for parent in changed:
                self.active_changed.emit(parent)
        return self.row_of_key(key)

    def set_messages(self, messages: list[Message]) -> None:
        """Show a conversation of one branch (each message after the one before)."""
        self.set_tree(ConversationTree.linear(messages))

    def set_tree(self, tree: ConversationTree) -> None:
        """Show ``tree`` (its active path)."""
        self.beginResetModel()
        self._tree = tree
        self._keys = tree.path()
        self._messages = [tree.message(key) for key in self._keys]
        self.endResetModel()

    def remove_row(self, row: int, *, undoable: bool = False) -> Detached:
        """Take the message in ``row`` and everything below it out of the conversation.

        Gone for good at once (:attr:`branch_deleted`), or, when ``undoable``, kept
        aside until :meth:`restore` or :meth:`forget` decides.
        """
        self._check_row(row)
        detached = self._tree.remove(self._keys[row])
        self._follow_path(row)
        self.active_changed.emit(detached.parent)
        if not undoable:
            self.branch_deleted.emit(detached)
        return detached

    def restore(self, detached: Detached) -> int | None:
        """Undo :meth:`remove_row`: the branch is back where it was; its row."""
        self._tree.restore(detached)
        changed = {detached.parent, *self._tree.activate(detached.key)}
        self._follow_path(0)
        for parent in changed:
            self.active_changed.emit(parent)
        return self.row_of_key(detached.key)

    def forget(self, detached: Detached) -> None:
        """A branch removed with Undo is gone for good now."""
        self.branch_deleted.emit(detached)

    # The rows follow the tree

    def _follow_path(self, first: int) -> None:
        """The active path changed at or below row ``first``: replace the rows from the
        first one that differs down to the end."""
        tree = self._tree
        start = self._keys[first - 1] if first > 0 else ROOT
        if first > 0 and start not in tree:
            first, start = 0, ROOT
        new = tree.path(start)[1 if start != ROOT else 0:]
        old = self._keys[first:]
        same = 0
        for a, b in zip(old, new, strict=False):
            if a != b:
                break
            same += 1
        first += same
        old, new = old[same:], new[same:]
        if old:
            self.beginRemoveRows(QModelIndex(), first, first + len(old) - 1)
            del self._keys[first:]
            del self._messages[first:]
            self.endRemoveRows()
        if new:
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._keys.extend(new)
            self._messages.extend(tree.message(key) for key in new)
            self.endInsertRows()

    def _check_row(self, row: int) -> None:
        if not 0 <= row < len(self._messages):
            raise IndexError(f"no message in row {row}")


def message_at(index: AnyIndex) -> Message | None:
    """The message of a row of a :class:`ConversationModel` (None: not one)."""
    model = index.model()
    if isinstance(model, ConversationModel) and index.isValid():
        return model.message(index.row())  # no trip through QVariant
    value = index.data(MessageRole)
    return value if isinstance(value, Message) else None


def version_at(index: AnyIndex) -> tuple[int, int]:
    """(number, count) of the row's message among its turn's versions."""
    model = index.model()
    if isinstance(model, ConversationModel) and index.isValid():
        return model.version(index.row())
    return (1, 1)
