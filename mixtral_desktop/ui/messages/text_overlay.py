"""Selectable text over the painted row under the mouse.

Painted text cannot be selected, so the row under the mouse gets a persistent editor,
a read-only :class:`MessageBrowser` placed exactly over the painted text: the user
selects with the mouse, copies with Ctrl+C and clicks links in real text. The editor
stays on its row while it holds a selection, until the user clicks another row.

A reply still streaming gets no editor: the browser renders its whole text as one
document on every update (a 100 KB reply under a resting pointer froze the window for
~100 ms thirty times a second), while the painted row lays out only its tail. The
pointer's row gets its editor when the pointer moves once the reply has finished.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QUrl
from PySide6.QtWidgets import QListView

from mixtral_desktop.core.domain.conversation import MessageState
from mixtral_desktop.ui.messages.browser import MessageBrowser
from mixtral_desktop.ui.messages.message_actions import MessageActions
from mixtral_desktop.ui.messages.model import ConversationModel


class TextOverlay:
    """The one row of a list view that has its text laid over, selectable."""

    def __init__(
        self, view: QListView, model: ConversationModel, actions: MessageActions
    ) -> None:
        self._view = view
        self._model = model
        self._actions = actions
        self._index: QPersistentModelIndex | None = None

    def index(self) -> QModelIndex:
        """The row with the text laid over (invalid: none)."""
        if self._index is None or not self._index.isValid():
            return QModelIndex()
        return self._model.index(self._index.row(), 0)

    def browser(self) -> MessageBrowser | None:
        """The selectable text currently laid over a message, if any."""
        index = self.index()
        widget = self._view.indexWidget(index) if index.isValid() else None
        return widget if isinstance(widget, MessageBrowser) else None

    def show(self, index: QModelIndex, *, force: bool) -> None:
        """Lay the text over ``index``; unless ``force``, a selection elsewhere stays."""
        if not index.isValid():
            return
        current = self.index()
        if current.isValid() and current.row() == index.row():
            return
        browser = self.browser()
        if browser is not None and not force and browser.textCursor().hasSelection():
            return  # keep the user's selection until they click elsewhere
        self.close()
        message = self._model.message(index.row())
        if not message.content or message.state is MessageState.STREAMING:
            return
        self._view.openPersistentEditor(index)
        self._index = QPersistentModelIndex(index)
        browser = self.browser()
        if browser is not None:
            browser.anchorClicked.connect(self._on_anchor_clicked)
            browser.customContextMenuRequested.connect(self._on_menu)

    def close(self) -> None:
        """Back to painted text only."""
        index = self.index()
        if index.isValid():
            self._view.closePersistentEditor(index)
        self._index = None

    def close_if_streaming(self, first_row: int, last_row: int) -> None:
        """Rows ``first_row``..``last_row`` changed: a streaming row is painted, not
        laid over (see the module doc)."""
        index = self.index()
        if index.isValid() and first_row <= index.row() <= last_row and (
            self._model.message(index.row()).state is MessageState.STREAMING
        ):
            self.close()

    def _on_anchor_clicked(self, url: QUrl) -> None:
        index = self.index()
        if index.isValid():
            self._actions.activate_link(index.row(), url)

    def _on_menu(self, pos: QPoint) -> None:
        browser = self.browser()
        index = self.index()
        if browser is None or not index.isValid():
            return
        menu = self._actions.menu(index.row(), self._view, browser.selected_text())
        menu.exec(browser.mapToGlobal(pos))
        menu.deleteLater()
