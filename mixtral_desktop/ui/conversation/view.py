"""The conversation pane: a list view of messages that follows the newest one.

Rows are painted by :class:`MessageDelegate`. Painted text cannot be selected, so
the row under the mouse gets a persistent editor, a read-only
:class:`MessageBrowser` placed exactly over the painted text: the user selects
with the mouse, copies with Ctrl+C and clicks links in real text. The editor
stays on its row while it holds a selection, until the user clicks another row.

A reply still streaming gets no editor: the browser renders its whole text as one
document on every update (a 100 KB reply under a resting pointer froze the window
for ~100 ms thirty times a second), while the painted row lays out only its tail.
The pointer's row gets its editor when the pointer moves once the reply has finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDesktopServices,
    QGuiApplication,
    QMouseEvent,
    QPalette,
    QShowEvent,
    QTextDocument,
)
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QMenu, QWidget

from mixtral_desktop.core.domain.conversation import MessageState
from mixtral_desktop.ui.conversation.model import ConversationModel
from mixtral_desktop.ui.conversation.row_measurer import RowMeasurer
from mixtral_desktop.ui.messages.browser import MessageBrowser, configure_document
from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.markdown import (
    COPY_SCHEME,
    code_blocks,
    colours_ready,
    render_markdown,
)

BACKGROUND = "#f3f4f6"
FOLLOW_SLACK = 4  # pixels from the bottom that still count as "at the bottom"
OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})
SCROLL_PAUSE_MS = 120  # relayouts wait until scrolling has paused this long


class ConversationView(QListView):
    """Shows a :class:`ConversationModel`; sticks to the bottom unless scrolled up."""

    code_copied = Signal(str)  # the code of a block the user copied
    link_opened = Signal(QUrl)  # a web link handed to the desktop

    def __init__(
        self,
        model: ConversationModel | None = None,
        parent: QWidget | None = None,
        delegate: MessageDelegate | None = None,
    ) -> None:
        super().__init__(parent)
        # Qt calls overridden methods (doItemsLayout...) from inside setModel.
        self._following = True
        self._editor_index: QPersistentModelIndex | None = None
        self._measurer: RowMeasurer | None = None
        self._laying_out = False
        self._layout_skipped = False
        self._auto_scrolling = False
        self.setObjectName("conversation")
        self.setAccessibleName("Conversation")
        self._model = model if model is not None else ConversationModel(self)
        self._delegate = delegate if delegate is not None else MessageDelegate(self)
        self._delegate.set_font(self.font())
        self.setModel(self._model)
        self.setItemDelegate(self._delegate)
        self._configure()
        self._measurer = RowMeasurer(self, self._model, self._delegate)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)
        self.entered.connect(self._on_entered)
        colours_ready().connect(self._recolour)

    def _configure(self) -> None:
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A scroll bar that comes and goes changes the text width, hence every
        # row's height, hence whether the bar is needed: keep it.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setUniformItemSizes(False)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAutoScroll(False)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.verticalScrollBar().setSingleStep(24)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(BACKGROUND))
        self.setPalette(palette)

    def _recolour(self) -> None:
        """Code shown plain while its lexer loaded can be coloured now (heights stay)."""
        self._delegate.drop_documents()
        self.viewport().update()

    # Public API

    def conversation_model(self) -> ConversationModel:
        return self._model

    def message_delegate(self) -> MessageDelegate:
        return self._delegate

    def is_following(self) -> bool:
        """Whether new text scrolls into view (the user has not scrolled up)."""
        return self._following

    def scroll_to_end(self) -> None:
        """Jump to the newest message and follow from there on."""
        self._following = True
        self._auto_scrolling = True
        try:
            self.scrollToBottom()
        finally:
            self._auto_scrolling = False

    def scroll_to_row(self, row: int) -> None:
        """Bring a message to the middle of the pane (a search hit, say)."""
        center = QAbstractItemView.ScrollHint.PositionAtCenter
        self._following = False
        self.scrollTo(self._model.index(row, 0), center)
        self._following = self._at_bottom()

    def layout_pending(self) -> bool:
        """Whether rows are still being measured or laid out (for tests and tools)."""
        measuring = self._measurer is not None and self._measurer.busy()
        return measuring or self._delegate.relayout_pending() or self._delegate.building()

    def warm_up(self, width: int, height: int) -> None:
        """Hidden (a background tab): lay out ahead, while the app is idle, the newest
        rows a viewport of this size will show first."""
        if self._measurer is not None and not self.isVisible():
            self._measurer.warm_up(width, height)

    def text_browser(self) -> MessageBrowser | None:
        """The selectable text currently laid over a message, if any."""
        index = self._editor_model_index()
        widget = self.indexWidget(index) if index.isValid() else None
        return widget if isinstance(widget, MessageBrowser) else None

    def show_text_at(self, row: int) -> MessageBrowser | None:
        """Lay selectable text over ``row`` (what hovering does) and return it."""
        self._show_text(self._model.index(row, 0), force=True)
        return self.text_browser()

    def activate_link(self, row: int, url: QUrl) -> None:
        """Do what clicking ``url`` in message ``row`` means."""
        if url.scheme() == COPY_SCHEME:
            self.copy_code(row, _block_number(url))
        elif url.scheme() in OPENABLE_SCHEMES:
            QDesktopServices.openUrl(url)
            self.link_opened.emit(url)

    def copy_code(self, row: int, block: int) -> None:
        """Put code block ``block`` of message ``row`` on the clipboard."""
        blocks = code_blocks(self._model.message(row).content)
        if 0 <= block < len(blocks):
            QGuiApplication.clipboard().setText(blocks[block])
            self.code_copied.emit(blocks[block])

    def message_menu(self, row: int, selection: str = "") -> QMenu:
        """The context menu of message ``row``; ``selection`` adds a plain Copy."""
        menu = QMenu(self)
        text = self._model.message(row).content
        if selection:
            menu.addAction("Copy", lambda: _copy(selection))
        menu.addAction("Copy message", lambda: _copy(text))
        menu.addAction("Copy as plain text", lambda: _copy(plain_text(text)))
        for number in range(len(code_blocks(text))):
            menu.addAction(f"Copy code block {number + 1}", partial(self.copy_code, row, number))
        return menu

    # Following the end

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - FOLLOW_SLACK

    def _on_scrolled(self, _value: int) -> None:
        self._following = self._at_bottom()
        if self._measurer is None:
            return
        self._measurer.restart()
        if self._laying_out:
            return
        if self._auto_scrolling:
            # Following the end (or a jump made by the program): rows that came into
            # view with estimated heights are laid out before they are painted.
            if self._measurer.measure_screen():
                self.doItemsLayout()
            return
        # The user scrolls: rows scrolled into view keep the place the last layout
        # gave them (painted clipped to it) and one relayout follows the pause, so a
        # drag through thousands of unmeasured rows never waits for a layout.
        self._delegate.hold_relayout(SCROLL_PAUSE_MS)

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self._auto_scrolling = True
            try:
                self.verticalScrollBar().setValue(maximum)
            finally:
                self._auto_scrolling = False

    # Selectable text over the row under the mouse

    def _editor_model_index(self) -> QModelIndex:
        if self._editor_index is None or not self._editor_index.isValid():
            return QModelIndex()
        return self._model.index(self._editor_index.row(), 0)

    def _on_entered(self, index: QModelIndex) -> None:
        if self.isVisible():  # (Qt also reports rows scrolled under a hidden view's cursor)
            self._show_text(index, force=False)

    def _show_text(self, index: QModelIndex, *, force: bool) -> None:
        if not index.isValid():
            return
        current = self._editor_model_index()
        if current.isValid() and current.row() == index.row():
            return
        browser = self.text_browser()
        if browser is not None and not force and browser.textCursor().hasSelection():
            return  # keep the user's selection until they click elsewhere
        self._close_text()
        message = self._model.message(index.row())
        if not message.content or message.state is MessageState.STREAMING:
            return
        self.openPersistentEditor(index)
        self._editor_index = QPersistentModelIndex(index)
        browser = self.text_browser()
        if browser is not None:
            browser.anchorClicked.connect(self._on_anchor_clicked)
            browser.customContextMenuRequested.connect(self._on_browser_menu)

    def _close_text(self) -> None:
        index = self._editor_model_index()
        if index.isValid():
            self.closePersistentEditor(index)
        self._editor_index = None

    def _on_anchor_clicked(self, url: QUrl) -> None:
        index = self._editor_model_index()
        if index.isValid():
            self.activate_link(index.row(), url)

    def _on_browser_menu(self, pos: QPoint) -> None:
        browser = self.text_browser()
        index = self._editor_model_index()
        if browser is None or not index.isValid():
            return
        menu = self.message_menu(index.row(), browser.selected_text())
        menu.exec(browser.mapToGlobal(pos))
        menu.deleteLater()

    # Qt events

    def doItemsLayout(self) -> None:
        """Lay every row out, measuring the rows near the screen first.

        Rows far away keep estimated heights. Measuring the neighbourhood now means
        the next screenfuls scrolled into view need no further layout; keeping the
        row in the middle of the screen where it was means the text being read
        does not move when rows above it change height.
        """
        if not self.isVisible():
            # A background tab, or a window not shown yet: laid out when it shows, at
            # its real size. (Restoring a tab of 10,000 messages laid them all out at a
            # placeholder width: ~120 ms of start-up for nothing.)
            self._layout_skipped = True
            return
        self._layout_skipped = False
        bar = self.verticalScrollBar()
        middle = bar.value() + self.viewport().height() // 2
        anchor = None if self._following else self._delegate.laid_out_row_at(middle)
        anchor_top = self._delegate.laid_out_top(anchor) if anchor is not None else None
        if self._measurer is not None and self._on_screen():
            self._measurer.measure_near_screen(self._following)
        self._delegate.begin_layout(self.viewport().width(), self._model.messages())
        self._laying_out = True
        try:
            super().doItemsLayout()
        finally:
            self._laying_out = False
            self._delegate.end_layout()
        if anchor is not None and anchor_top is not None:
            new_top = self._delegate.laid_out_top(anchor)
            if new_top is not None and new_top != anchor_top:
                bar.setValue(bar.value() + new_top - anchor_top)

    def showEvent(self, event: QShowEvent) -> None:
        if self._layout_skipped:
            self.doItemsLayout()
        super().showEvent(event)

    def _on_screen(self) -> bool:
        """Whether the view has its real size: shown, in a window the system shows.

        A hidden view (a background tab) or one whose window is not exposed yet (Qt
        lays it out once at a provisional width while ``show()`` runs, then again at
        the real one) only gets estimated heights; it is measured when it shows.
        """
        handle = self.window().windowHandle()
        return self.isVisible() and handle is not None and handle.isExposed()

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        # QListView answers every dataChanged with a layout of all rows: 10,000
        # size hints per streamed chunk. The base class repaints the row and
        # refreshes its editor; the delegate asks for a layout if the height moved.
        editor = self._editor_model_index()
        if editor.isValid() and topLeft.row() <= editor.row() <= bottomRight.row() and (
            self._model.message(editor.row()).state is MessageState.STREAMING
        ):
            self._close_text()  # streaming: painted, not laid over (see the module doc)
        QAbstractItemView.dataChanged(self, topLeft, bottomRight, list(roles))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # (``entered`` comes only when the pointer changes rows: a row that streamed
        # while the pointer was on it gets its editor when the pointer moves.)
        if not self._editor_model_index().isValid():
            self._show_text(self.indexAt(event.position().toPoint()), force=False)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._show_text(self.indexAt(event.position().toPoint()), force=True)
        super().mousePressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        menu = self.message_menu(index.row())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_delegate"):
            self._close_text()
            self._delegate.set_font(self.font())
            self.scheduleDelayedItemsLayout()


def plain_text(markdown: str) -> str:
    """``markdown`` as the plain text a reader sees (no markup, no copy links)."""
    document = QTextDocument()
    configure_document(document, document.defaultFont())
    document.setHtml(render_markdown(markdown, copy_links=False))
    return document.toPlainText().strip()


def _block_number(url: QUrl) -> int:
    try:
        return int(url.path())
    except ValueError:
        return -1


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
