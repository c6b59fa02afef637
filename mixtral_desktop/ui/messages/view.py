"""The conversation pane: a list view of messages that follows the newest one.

Rows are painted by :class:`MessageDelegate`; the row under the mouse gets its text
laid over, selectable (:class:`TextOverlay`); what a user can do with a message (copy,
open a link) is :class:`MessageActions`. The view lays rows out (measuring the ones
near the screen first, :class:`RowMeasurer`) and follows the end of the conversation
unless the user scrolled up.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QMouseEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QWidget

from mixtral_desktop.ui.messages.browser import MessageBrowser
from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.message_actions import MessageActions
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.messages.painter import Fonts
from mixtral_desktop.ui.messages.rendering import Rendering
from mixtral_desktop.ui.messages.row_controls import row_rect, version_step_at
from mixtral_desktop.ui.messages.row_measurer import RowMeasurer
from mixtral_desktop.ui.messages.text_overlay import TextOverlay
from mixtral_desktop.ui.messages.toolbar import MessageToolbar
from mixtral_desktop.ui.theme.current import PALETTE

FOLLOW_SLACK = 4  # pixels from the bottom that still count as "at the bottom"
SCROLL_PAUSE_MS = 120  # relayouts wait until scrolling has paused this long


class ConversationView(QListView):
    """Shows a :class:`ConversationModel`; sticks to the bottom unless scrolled up.

    :attr:`message_actions` are what a user can do with its messages (their signals say what
    was copied or opened)."""

    def __init__(
        self,
        rendering: Rendering,
        model: ConversationModel | None = None,
        parent: QWidget | None = None,
        delegate: MessageDelegate | None = None,
    ) -> None:
        super().__init__(parent)
        self._rendering = rendering
        # Qt calls overridden methods (doItemsLayout...) from inside setModel.
        self._following = True
        self._overlay: TextOverlay | None = None
        self._measurer: RowMeasurer | None = None
        self._laying_out = False
        self._layout_skipped = False
        self._auto_scrolling = False
        self.setObjectName("conversation")
        self.setAccessibleName("Conversation")
        self._model = model if model is not None else ConversationModel(self)
        self._delegate = delegate if delegate is not None else MessageDelegate(rendering, self)
        self._delegate.set_font(self.font())
        self.setModel(self._model)
        self.setItemDelegate(self._delegate)
        self._configure()
        self.message_actions = MessageActions(self._model, rendering.renderer, self)
        self._overlay = TextOverlay(self, self._model, self.message_actions)
        self.toolbar = MessageToolbar(self.message_actions, self, self._delegate)
        """The hover toolbar (Copy, Edit, Regenerate, Continue, Delete)."""
        self._measurer = RowMeasurer(self, self._model, self._delegate, rendering.lexers)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)
        self.entered.connect(self._on_entered)
        rendering.renderer.colours_ready.connect(self._recolour)

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
        self._recolour()

    def _recolour(self) -> None:
        """Code shown plain while its lexer loaded can be coloured now, or the theme
        changed: paint afresh (heights stay)."""
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(PALETTE.conversation))
        self.setPalette(palette)
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
        return measuring or self._delegate.rows.relayout_pending() or self._delegate.building()

    def warm_up(self, width: int, height: int) -> None:
        """Hidden (a background tab): lay out ahead, while the app is idle, the newest
        rows a viewport of this size will show first."""
        if self._measurer is not None and not self.isVisible():
            self._measurer.warm_up(width, height)

    def text_browser(self) -> MessageBrowser | None:
        """The selectable text currently laid over a message, if any."""
        return self._overlay.browser() if self._overlay is not None else None

    def show_text_at(self, row: int) -> MessageBrowser | None:
        """Lay selectable text over ``row`` (what hovering does) and return it."""
        if self._overlay is None:
            return None
        self._overlay.show(self._model.index(row, 0), force=True)
        return self._overlay.browser()

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
        self._delegate.rows.hold_relayout(SCROLL_PAUSE_MS)

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self._auto_scrolling = True
            try:
                self.verticalScrollBar().setValue(maximum)
            finally:
                self._auto_scrolling = False

    def _on_entered(self, index: QModelIndex) -> None:
        if self.isVisible() and self._overlay is not None:
            # (Qt also reports rows scrolled under a hidden view's cursor)
            self._overlay.show(index, force=False)

    # Qt events

    def doItemsLayout(self) -> None:
        """Lay every row out, measuring the rows near the screen first.

        Rows far away keep estimated heights. Measuring the neighbourhood now means
        the next screenfuls scrolled into view need no further layout; keeping the
        row in the middle of the screen where it was means the text being read
        does not move when rows above it change height.
        """
        if self._measurer is not None:
            self._measurer.laid_out()
        if not self.isVisible():
            # A background tab, or a window not shown yet: laid out when it shows, at
            # its real size. (Restoring a tab of 10,000 messages laid them all out at a
            # placeholder width: ~120 ms of start-up for nothing.)
            self._layout_skipped = True
            return
        self._layout_skipped = False
        bar = self.verticalScrollBar()
        middle = bar.value() + self.viewport().height() // 2
        anchor = None if self._following else self._delegate.rows.laid_out_row_at(middle)
        anchor_top = self._delegate.rows.laid_out_top(anchor) if anchor is not None else None
        if self._measurer is not None and self._on_screen():
            self._measurer.measure_near_screen(self._following)
        self._delegate.begin_layout(self.viewport().width(), self._model.messages())
        self._laying_out = True
        try:
            super().doItemsLayout()
        finally:
            self._laying_out = False
            self._delegate.rows.end_layout()
        if anchor is not None and anchor_top is not None:
            new_top = self._delegate.rows.laid_out_top(anchor)
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
        if self._overlay is not None:
            self._overlay.close_if_streaming(topLeft.row(), bottomRight.row())
        QAbstractItemView.dataChanged(self, topLeft, bottomRight, list(roles))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # (``entered`` comes only when the pointer changes rows: a row that streamed
        # while the pointer was on it gets its editor when the pointer moves.)
        if self._overlay is not None and not self._overlay.index().isValid():
            self._overlay.show(self.indexAt(event.position().toPoint()), force=False)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        index = self.indexAt(point)
        if index.isValid() and event.button() == Qt.MouseButton.LeftButton:
            step = version_step_at(
                self._delegate, Fonts.from_font(self.font()), row_rect(self, index), index,
                point.x(), point.y(),
            )
            if step is not None:
                self.message_actions.trigger("previous" if step < 0 else "next", index.row())
                return
        if self._overlay is not None:
            self._overlay.show(index, force=True)
        super().mousePressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            index = self.currentIndex()  # Shift+F10, the Menu key: the keyboard's message
            if not index.isValid() and self._model.rowCount():
                index = self._model.index(self._model.rowCount() - 1, 0)
            position = self.viewport().mapToGlobal(self.visualRect(index).topLeft())
        else:
            index = self.indexAt(event.pos())
            position = event.globalPos()
        if not index.isValid():
            return
        menu = self.message_actions.menu(index.row(), self)
        menu.exec(position)
        menu.deleteLater()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave and not self.hasFocus():
            self.toolbar.hide()  # the pointer left the conversation
        return super().viewportEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self._overlay is not None:
            self._overlay.close()
            self._delegate.set_font(self.font())
            self.scheduleDelayedItemsLayout()
