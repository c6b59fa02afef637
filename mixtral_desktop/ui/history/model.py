"""The list of past conversations, newest activity first, loaded a page at a time.

``ConversationListModel`` asks the store for 200 conversations at a time: the
first page when it is built or reloaded, the next ones when a view scrolls to
the end (``canFetchMore`` / ``fetchMore``), so thousands of chats cost nothing
at start-up.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from mixtral_desktop.core.domain import titles
from mixtral_desktop.core.storage.records import ConversationInfo
from mixtral_desktop.core.storage.store import Store

AnyIndex = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
ConversationRole = Qt.ItemDataRole.UserRole + 1  # the row's ConversationInfo
ConversationIdRole = Qt.ItemDataRole.UserRole + 2  # its id (int)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def display_title(info: ConversationInfo) -> str:
    return titles.display_title(info.title)


def full_date(timestamp: float) -> str:
    """``3 Mar 2026`` in local time (English month names, whatever the locale)."""
    day = datetime.fromtimestamp(timestamp)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def full_time(timestamp: float) -> str:
    """``3 Mar 2026, 14:05`` in local time."""
    return f"{full_date(timestamp)}, {datetime.fromtimestamp(timestamp):%H:%M}"


def relative_time(timestamp: float, now: float | None = None) -> str:
    """How long ago ``timestamp`` was: "just now", "5 min ago", "3 h ago", "yesterday",
    a weekday within the last week, else the date ("3 Mar 2026")."""
    now = time.time() if now is None else now
    seconds = now - timestamp
    if seconds < 60:
        return "just now"  # the future too: a clock that moved back
    then, today = datetime.fromtimestamp(timestamp).date(), datetime.fromtimestamp(now).date()
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if then == today:
        return f"{int(seconds // 3600)} h ago"
    days = (today - then).days
    if days == 1:
        return "yesterday"
    if days < 7:
        return WEEKDAYS[then.weekday()]
    return full_date(timestamp)


def _tooltip(info: ConversationInfo) -> str:
    count = f"{info.message_count} message{'' if info.message_count == 1 else 's'}"
    return f"{display_title(info)}\nLast activity: {full_time(info.updated)} · {count}"


class ConversationListModel(QAbstractListModel):
    """The store's conversations as a flat, lazily filled, editable list.

    ``renamed(conversation_id, title)`` follows a successful in-place rename.
    """

    renamed = Signal(int, str)

    def __init__(
        self, store: Store, parent: QObject | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._page_size = page_size
        self._items: list[ConversationInfo] = []
        self._exhausted = False
        self.reload()

    # Public API

    def reload(self, rows: int | None = None) -> None:
        """Read the list again from the top: the first page, or ``rows`` rows if that is
        more, so that a view keeps its place."""
        wanted = max(rows or 0, self._page_size)
        self.beginResetModel()
        self._items = self._store.list_conversations(0, wanted)
        self._exhausted = len(self._items) < wanted
        self.endResetModel()

    def row_of(self, conversation_id: int) -> int | None:
        """The row of ``conversation_id`` among the loaded rows, or ``None``."""
        for row, info in enumerate(self._items):
            if info.id == conversation_id:
                return row
        return None

    def conversation_at(self, row: int) -> ConversationInfo | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def remove_conversation(self, conversation_id: int) -> bool:
        """Drop the row of a conversation the store no longer lists (deleted)."""
        row = self.row_of(conversation_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._items[row]
        self.endRemoveRows()
        return True

    # QAbstractListModel

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._exhausted:
            return
        page = self._store.list_conversations(len(self._items), self._page_size)
        self._exhausted = len(page) < self._page_size
        # Activity since the last page shifts offsets: never show a conversation twice.
        known = {info.id for info in self._items}
        fresh = [info for info in page if info.id not in known]
        if fresh:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._items.extend(fresh)
            self.endInsertRows()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        info = self.conversation_at(index.row()) if index.isValid() else None
        if info is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return display_title(info)
        if role == Qt.ItemDataRole.EditRole:
            return info.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(info)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"Last activity {relative_time(info.updated)}"
        if role == ConversationRole:
            return info
        if role == ConversationIdRole:
            return info.id
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rename in place. An unchanged title changes nothing; a blank one gives a
        renamed conversation its automatic title back."""
        info = self.conversation_at(index.row()) if index.isValid() else None
        if info is None or role != Qt.ItemDataRole.EditRole or not isinstance(value, str):
            return False
        title = " ".join(value.split())
        if title == info.title or not (title or info.custom_title):
            return False
        self._store.rename_conversation(info.id, title)
        fresh = self._store.conversation(info.id) or replace(info, title=title, custom_title=True)
        self._items[index.row()] = fresh
        self.dataChanged.emit(index, index)
        self.renamed.emit(info.id, fresh.title)
        return True
