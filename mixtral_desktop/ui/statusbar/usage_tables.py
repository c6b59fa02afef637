"""The usage window's tables (per day, per chat) and how its numbers are written.

A table sorts by any column from its header (numbers as numbers: each cell keeps its
value for sorting beside the text it shows); "≈" marks an approximate credits sum and
"–" an unknown one, with a tooltip saying why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from mixtral_desktop.core.storage.usage_rows import Sums

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # a chat row's conversation id
NUMBER_COLUMNS = ("Requests", "Prompt tokens", "Completion tokens", "Credits")
CREDITS_COLUMN = 4
UNKNOWN = "–"
APPROXIMATE_TIP = (
    "Approximate: a reply's cost was estimated from the balance, or some replies have "
    "no cost recorded (the sum leaves them out)"
)
UNKNOWN_TIP = "Not known: none of these replies has a cost recorded"


def credits_number(value: float) -> str:
    """Four significant digits for a day's small sums (0.01849, 0.00004), two decimals
    from 100 up, never an exponent (the status bar's balance keeps four decimals, which
    would write a cheap day as 0)."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.2f}"
    decimals = max(4, 3 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def credits_text(sums: Sums) -> str:
    """"0.0185", "≈0.0185", or "–" when no reply of ``sums`` has a cost recorded."""
    if not sums.credits_known:
        return UNKNOWN
    return f"{'≈' if sums.credits_approximate else ''}{credits_number(sums.credits)}"


def count_text(value: float) -> str:
    return f"{round(value):,}"


@dataclass(frozen=True)
class Row:
    """One table row: its first cell (a date, a chat's title), the value it sorts by,
    the sums, and the chat it stands for (None for a day)."""

    label: str
    sort_key: str
    sums: Sums
    conversation_id: int | None = None


class UsageTable(QTableView):
    """Read-only rows: ``first`` (the label's column) then the sums' columns."""

    def __init__(self, first: str, name: str, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.source = QStandardItemModel(0, 1 + len(NUMBER_COLUMNS), self)
        self.source.setHorizontalHeaderLabels([first, *NUMBER_COLUMNS])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 1 + len(NUMBER_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace every row (the current sort order stays)."""
        self.source.setRowCount(0)
        for row in rows:
            self.source.appendRow(_items(row))

    def text(self, row: int, column: int) -> str:
        """A cell's text as shown, in the table's current order."""
        return str(self.proxy.index(row, column).data())

    def rows(self) -> list[list[str]]:
        """Every row's cells as shown, in the table's current order."""
        return [[self.text(r, c) for c in range(self.proxy.columnCount())]
                for r in range(self.proxy.rowCount())]

    def conversation_id(self, index: QModelIndex) -> int | None:
        """The chat of the row at ``index`` (None for a day's row)."""
        value = self.proxy.index(index.row(), 0).data(ID_ROLE)
        return value if isinstance(value, int) else None


def _items(row: Row) -> list[QStandardItem]:
    sums = row.sums
    first = _item(row.label, row.sort_key)
    first.setToolTip(row.label)
    if row.conversation_id is not None:
        first.setData(row.conversation_id, ID_ROLE)
    credits = _item(credits_text(sums), sums.credits if sums.credits_known else -1.0)
    if not sums.credits_known:
        credits.setToolTip(UNKNOWN_TIP)
    elif sums.credits_approximate:
        credits.setToolTip(APPROXIMATE_TIP)
    numbers = [
        _item(count_text(v), v)
        for v in (sums.requests, sums.prompt_tokens, sums.completion_tokens)
    ]
    for item in (*numbers, credits):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return [first, *numbers, credits]


def _item(text: str, sort_key: object) -> QStandardItem:
    item = QStandardItem(text)
    item.setData(sort_key, SORT_ROLE)
    item.setEditable(False)
    return item
