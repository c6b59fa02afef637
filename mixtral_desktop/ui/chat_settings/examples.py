"""Example turns: question and answer pairs sent after the system prompt, as if the
conversation had begun with them (a hand-written answer shows the model the style)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.chat_settings import Example

COLUMNS = ("You ask", "Mixtral answers")


class ExamplesEditor(QWidget):
    """A two-column table of example turns with Add and Remove."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("example_turns")
        self.table.setAccessibleName("Example turns")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setMaximumHeight(120)
        self.add_button = QPushButton("Add example", self)
        self.add_button.setObjectName("add_example")
        self.remove_button = QPushButton("Remove example", self)
        self.remove_button.setObjectName("remove_example")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add_example)
        self.remove_button.clicked.connect(self.remove_example)
        self.table.itemChanged.connect(lambda _item: self._changed())
        self.table.currentCellChanged.connect(lambda *_: self._update_buttons())
        self._loading = False
        self._update_buttons()

    def set_examples(self, examples: tuple[Example, ...]) -> None:
        """Show ``examples`` (nothing is emitted)."""
        if examples == self.examples():
            return
        self._loading = True
        try:
            self.table.setRowCount(0)
            for example in examples:
                self._append(example.user, example.assistant)
        finally:
            self._loading = False
        self._update_buttons()

    def examples(self) -> tuple[Example, ...]:
        """The complete pairs (a row with an empty side is not sent)."""
        pairs = []
        for row in range(self.table.rowCount()):
            user, assistant = (self._text(row, column) for column in (0, 1))
            if user.strip() and assistant.strip():
                pairs.append(Example(user, assistant))
        return tuple(pairs)

    def add_example(self) -> None:
        self._append("", "")
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, 0)
        self.table.setFocus()
        item = self.table.item(row, 0)
        if item is not None:
            self.table.editItem(item)
        self._update_buttons()

    def remove_example(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self.table.removeRow(row)
        self._changed()

    def _append(self, user: str, assistant: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((user, assistant)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.table.setItem(row, column, item)

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return "" if item is None else item.text()

    def _changed(self) -> None:
        self._update_buttons()
        if not self._loading:
            self.changed.emit()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.table.currentRow() >= 0)
