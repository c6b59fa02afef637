"""The chat tab bar: middle click closes, double click renames in place."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QLineEdit, QTabBar, QWidget


class _RenameEditor(QLineEdit):
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class ChatTabBar(QTabBar):
    close_requested = Signal(int)
    renamed = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_bar")
        self.setAccessibleName("Chats")
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setExpanding(False)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.setUsesScrollButtons(True)
        self.tabBarDoubleClicked.connect(self.start_rename)
        self._editor: _RenameEditor | None = None
        self._editing = -1

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            index = self.tabAt(event.position().toPoint())
            if index >= 0:
                self.close_requested.emit(index)
                return
        super().mouseReleaseEvent(event)

    def start_rename(self, index: int) -> None:
        """Put a line editor over tab ``index``; Enter keeps the name, Esc drops it."""
        if index < 0:
            return
        self.finish_rename(commit=False)
        editor = _RenameEditor(self.tabText(index), self)
        editor.setObjectName("tab_rename_editor")
        editor.setAccessibleName("Chat name")
        editor.setGeometry(self.tabRect(index).adjusted(4, 2, -4, -2))
        editor.selectAll()
        editor.returnPressed.connect(lambda: self.finish_rename(commit=True))
        editor.cancelled.connect(lambda: self.finish_rename(commit=False))
        editor.installEventFilter(self)
        editor.show()
        editor.setFocus(Qt.FocusReason.MouseFocusReason)
        self._editor = editor
        self._editing = index

    def finish_rename(self, commit: bool) -> None:
        editor, index = self._editor, self._editing
        if editor is None:
            return
        self._editor, self._editing = None, -1
        name = editor.text().strip()
        editor.removeEventFilter(self)
        editor.hide()
        editor.deleteLater()
        if commit and name and 0 <= index < self.count():
            self.setTabText(index, name)
            self.renamed.emit(index, name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._editor and event.type() == QEvent.Type.FocusOut:
            self.finish_rename(commit=True)
        return super().eventFilter(watched, event)
