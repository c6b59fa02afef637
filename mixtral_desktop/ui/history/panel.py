"""The history dock: every past conversation, newest first; open, rename, delete, undo."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QListView,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.history.delegate import HistoryDelegate
from mixtral_desktop.ui.history.model import (
    ConversationIdRole,
    ConversationListModel,
    display_title,
)
from mixtral_desktop.ui.theme.current import PALETTE
from mixtral_desktop.ui.widgets.undo_bar import UndoBar

TITLE_IN_UNDO = 40  # characters of the title quoted in the undo bar
_OWN_KEYS = frozenset(
    key.value for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete, Qt.Key.Key_F2)
)


class HistoryList(QListView):
    """The list itself: Enter opens, F2 renames, Delete deletes the current row.

    These keys are claimed before window shortcuts see them (the main window has its
    own F2), but only while the list, not a rename editor, has the focus.
    """

    open_current = Signal()
    rename_current = Signal()
    delete_current = Signal()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._owns(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._owns(event):
            super().keyPressEvent(event)
        elif event.key() == Qt.Key.Key_F2:
            self.rename_current.emit()
        elif event.key() == Qt.Key.Key_Delete:
            self.delete_current.emit()
        else:
            self.open_current.emit()

    def _owns(self, event: QKeyEvent) -> bool:
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        return (
            plain
            and event.key() in _OWN_KEYS
            and self.state() != QAbstractItemView.State.EditingState
            and self.currentIndex().isValid()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(PALETTE.muted))
            painter.drawText(
                self.viewport().rect().adjusted(12, 24, -12, 0),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                | int(Qt.TextFlag.TextWordWrap),
                "No conversations yet",
            )
            painter.end()


class HistoryPanel(QDockWidget):
    """A dock listing the store's conversations; the window decides what "open" does."""

    open_requested = Signal(int)
    renamed = Signal(int, str)
    deleted = Signal(int)
    restored = Signal(int)

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__("History", parent)
        self.setObjectName("history_panel")
        self.setAccessibleName("History")
        self.setStyleSheet(
            "#history_panel::title { padding: 5px; padding-left: 10px; text-align: left; }"
        )
        self.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.toggleViewAction().setToolTip("Show or hide the list of past chats")
        self._store = store
        self._undo_id: int | None = None
        self._refresh_pending = False
        self.model = ConversationListModel(store, self)
        self.list = HistoryList(self)
        self.list.setObjectName("history_list")
        self.list.setAccessibleName("Past chats")
        self.list.setModel(self.model)
        self.delegate = HistoryDelegate(self.list, clock=clock)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setMouseTracking(True)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.undo_bar = UndoBar("history_undo", self)
        body = QWidget(self)
        body.setObjectName("history_body")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_bar)
        body.setAutoFillBackground(True)
        body.setBackgroundRole(QPalette.ColorRole.Base)
        self.setWidget(body)
        self.setMinimumWidth(180)

        self.list.open_current.connect(lambda: self._open(self.list.currentIndex()))
        self.list.doubleClicked.connect(self._open)
        self.list.rename_current.connect(self.rename_current)
        self.list.delete_current.connect(self.delete_current)
        self.list.customContextMenuRequested.connect(self._show_context_menu)
        self.model.renamed.connect(self.renamed)
        self.undo_bar.undo_clicked.connect(self.undo)
        self.undo_bar.closed.connect(self._forget_undo)
        # A refresh while a title is being edited would close the editor: wait for it.
        self.delegate.closeEditor.connect(
            lambda *_: QTimer.singleShot(0, self._refresh_if_pending)
        )
        # Relative times ("5 min ago") age: repaint them once a minute.
        self._tick = QTimer(self)
        self._tick.setInterval(60_000)
        # (A lambda, not the viewport's overloaded update: connecting to that made
        # PySide build the Python enums of 15 widget classes the app never uses, 3.6 ms
        # of start-up.)
        self._tick.timeout.connect(lambda: self.list.viewport().update())
        self._tick.start()

    def sizeHint(self) -> QSize:
        return QSize(260, super().sizeHint().height())

    # Public API

    def refresh(self) -> None:
        """Read the list again, keeping the loaded rows, the selection and the scroll.

        While a title is being edited, the refresh waits until the editor closes.
        """
        if self.list.state() == QAbstractItemView.State.EditingState:
            self._refresh_pending = True
            return
        self._refresh_pending = False
        selected = self.current_conversation()
        scroll = self.list.verticalScrollBar().value()
        self.model.reload(rows=self.model.rowCount())
        if selected is not None:
            self.select_conversation(selected, scroll=False)
        self.list.verticalScrollBar().setValue(scroll)

    def select_conversation(self, conversation_id: int, *, scroll: bool = True) -> bool:
        """Highlight ``conversation_id`` when it is loaded; else select nothing."""
        row = self.model.row_of(conversation_id)
        selection = self.list.selectionModel()
        if row is None:
            selection.clear()
            return False
        index = self.model.index(row, 0)
        selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
        if scroll:
            self.list.scrollTo(index)
        return True

    def current_conversation(self) -> int | None:
        index = self.list.currentIndex()
        info = self.model.conversation_at(index.row()) if index.isValid() else None
        return info.id if info is not None else None

    def rename_current(self) -> None:
        """Edit the current row's title in place (Enter keeps it, Esc drops it)."""
        index = self.list.currentIndex()
        if index.isValid():
            self.list.edit(index)

    def delete_current(self) -> None:
        conversation_id = self.current_conversation()
        if conversation_id is not None:
            self.delete_conversation(conversation_id)

    def delete_conversation(self, conversation_id: int) -> None:
        """Soft-delete, drop the row, offer Undo for a few seconds."""
        row = self.model.row_of(conversation_id)
        info = self.model.conversation_at(row) if row is not None else None
        info = info or self._store.conversation(conversation_id)
        self._store.delete_conversation(conversation_id)
        was_current = self.current_conversation() == conversation_id
        self.model.remove_conversation(conversation_id)
        if was_current and row is not None and self.model.rowCount():
            # The next row takes its place, so Delete can be pressed again.
            self.list.setCurrentIndex(self.model.index(min(row, self.model.rowCount() - 1), 0))
        self._undo_id = conversation_id
        self.undo_bar.offer(f"Deleted “{_shorten(display_title(info) if info else 'chat')}”.")
        self.deleted.emit(conversation_id)

    def undo(self) -> None:
        """Bring back the conversation deleted last (while the undo bar offers it)."""
        conversation_id = self._undo_id
        self.undo_bar.dismiss()
        if conversation_id is None:
            return
        self._store.restore_conversation(conversation_id)
        scroll = self.list.verticalScrollBar().value()
        self.model.reload(rows=self.model.rowCount() + 1)
        self.list.verticalScrollBar().setValue(scroll)
        self.select_conversation(conversation_id)
        self.restored.emit(conversation_id)

    @property
    def undo_pending(self) -> int | None:
        """The conversation the undo bar would restore, if it is showing."""
        return self._undo_id

    def context_menu(self, index: QModelIndex) -> QMenu:
        """The menu for the row at ``index`` (built, not shown)."""
        menu = QMenu(self.list)
        menu.setObjectName("history_menu")
        # By id: the list may be reloaded while the menu is open.
        conversation = index.data(ConversationIdRole)
        if not isinstance(conversation, int):
            return menu

        def rename() -> None:
            if self.select_conversation(conversation):
                self.rename_current()

        actions: list[tuple[str, Callable[[], None]]] = [
            ("Open\tEnter", lambda: self.open_requested.emit(conversation)),
            ("Rename\tF2", rename),
            ("Delete\tDel", lambda: self.delete_conversation(conversation)),
        ]
        for text, slot in actions:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
            if text.startswith("Open"):
                menu.addSeparator()
        return menu

    # Private

    def _forget_undo(self) -> None:
        self._undo_id = None

    def _refresh_if_pending(self) -> None:
        if self._refresh_pending:
            self.refresh()

    def _open(self, index: QModelIndex) -> None:
        info = self.model.conversation_at(index.row()) if index.isValid() else None
        if info is not None:
            self.open_requested.emit(info.id)

    def _show_context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            return
        self.list.setCurrentIndex(index)
        menu = self.context_menu(index)
        menu.exec(self.list.viewport().mapToGlobal(pos))
        menu.deleteLater()


def _shorten(title: str) -> str:
    if len(title) > TITLE_IN_UNDO:
        return title[: TITLE_IN_UNDO - 1].rstrip() + "…"
    return title
