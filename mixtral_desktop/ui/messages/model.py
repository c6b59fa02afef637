"""The list model behind a conversation pane: one row per :class:`Message`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from mixtral_desktop.core.domain.conversation import Message

AnyIndex = QModelIndex | QPersistentModelIndex

#: ``data(index, MessageRole)`` returns the :class:`Message` itself.
MessageRole = Qt.ItemDataRole.UserRole + 1
#: The message's role as a string ("user", "assistant", "system").
SpeakerRole = Qt.ItemDataRole.UserRole + 2
#: The message's state as a string ("done", "streaming", ...).
StateRole = Qt.ItemDataRole.UserRole + 3


class ConversationModel(QAbstractListModel):
    """Messages in order. Messages are immutable, so an update replaces a row.

    Each row also has a key, unique in this model and kept while the row lives, so a
    reply can be followed to its row whatever is inserted or removed around it.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self._keys: list[int] = []
        self._next_key = 1

    # Qt API

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        message = self._messages[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return message.content
        if role == MessageRole:
            return message
        if role == SpeakerRole:
            return message.role.value
        if role == StateRole:
            return message.state.value
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{message.role.value}: {message.content}"
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
        return names

    # Our API

    def messages(self) -> list[Message]:
        """A copy of every message, in order."""
        return list(self._messages)

    def message(self, row: int) -> Message:
        return self._messages[row]

    def append(self, message: Message) -> int:
        """Add ``message`` at the end and return its row."""
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._messages.append(message)
        self._keys.append(self._new_key())
        self.endInsertRows()
        return row

    def key_at(self, row: int) -> int:
        """The key of the message in ``row`` (see the class docstring)."""
        self._check_row(row)
        return self._keys[row]

    def row_of_key(self, key: int) -> int | None:
        """The row whose key is ``key``; None once it was removed."""
        keys = self._keys
        if keys and keys[-1] == key:  # (a reply: almost always the last row)
            return len(keys) - 1
        try:
            return keys.index(key)
        except ValueError:
            return None

    def _new_key(self) -> int:
        key = self._next_key
        self._next_key += 1
        return key

    def replace(self, row: int, message: Message) -> None:
        """Put ``message`` in ``row``; only that row is reported as changed."""
        self._check_row(row)
        self._messages[row] = message
        self.refresh(row)

    def refresh(self, row: int) -> None:
        """Report ``row`` as changed without changing it (repaints a waiting timer)."""
        self._check_row(row)
        index = self.index(row, 0)
        self.dataChanged.emit(index, index, [])

    def set_messages(self, messages: list[Message]) -> None:
        self.beginResetModel()
        self._messages = list(messages)
        self._keys = [self._new_key() for _ in self._messages]
        self.endResetModel()

    def remove_row(self, row: int) -> None:
        self._check_row(row)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._messages[row]
        del self._keys[row]
        self.endRemoveRows()

    def clear(self) -> None:
        self.set_messages([])

    def _check_row(self, row: int) -> None:
        if not 0 <= row < len(self._messages):
            raise IndexError(f"no message in row {row}")
