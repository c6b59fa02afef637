"""The chat tabs: a tab widget with the chat tab bar and a "+" button."""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabWidget, QToolButton, QWidget

from mixtral_desktop.core.domain.usage import chat_spend
from mixtral_desktop.core.segmind.errors import NetworkError
from mixtral_desktop.ui.shell.chat_tab import ChatTab, TabState
from mixtral_desktop.ui.shell.tab_bar import ChatTabBar
from mixtral_desktop.ui.statusbar.bar import format_credits


class ChatTabs(QTabWidget):
    """Holds :class:`ChatTab` s; asks for a new one and for closing one by signals."""

    new_requested = Signal()
    close_requested = Signal(int)  # index
    renamed = Signal(object, str)  # ChatTab, name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tabs")
        self._spend_tips: WeakKeyDictionary[ChatTab, str] = WeakKeyDictionary()
        self.tab_bar = ChatTabBar(self)
        self.setTabBar(self.tab_bar)
        self.setDocumentMode(True)
        self.new_tab_button = QToolButton(self)
        self.new_tab_button.setObjectName("new_tab_button")
        self.new_tab_button.setText("+")
        self.new_tab_button.setAccessibleName("New chat")
        self.new_tab_button.setToolTip("New chat (Ctrl+T)")
        self.new_tab_button.setAutoRaise(True)
        self.setCornerWidget(self.new_tab_button, Qt.Corner.TopRightCorner)
        self.new_tab_button.clicked.connect(self.new_requested)
        self.tab_bar.close_requested.connect(self.close_requested)
        self.tabCloseRequested.connect(self.close_requested)
        self.tab_bar.renamed.connect(lambda index, name: self.renamed.emit(self.tab(index), name))

    def warm_up_hidden(self) -> None:
        """The tabs not shown lay out their newest rows at the size of the tab shown
        (once the window is up and the app idle): a switch to one then paints without
        rendering them."""
        if self.count() == 0:
            return
        shown = self.current_tab().view.viewport()
        for tab in self.chat_tabs():
            tab.view.warm_up(shown.width(), shown.height())

    def retry_offline_failures(self) -> None:
        """The network returned: send again what failed to connect (nothing reached
        Segmind, so nothing can have been charged)."""
        for tab in self.chat_tabs():
            error = tab.last_error
            if (tab.state is TabState.ERROR and isinstance(error, NetworkError)
                    and error.transient and not error.reply_started):
                tab.retry()

    def retry_waiting_for_key(self) -> None:
        """A key was saved: send again what failed for want of one."""
        for tab in self.chat_tabs():
            if tab.waiting_for_key():
                tab.retry()

    def conversations(
        self, conversation_id: Callable[[ChatTab], int | None]
    ) -> tuple[list[int], int]:
        """The saved conversations open, in tab order, and which of them is current."""
        ids: list[int] = []
        active = 0
        current = self.currentWidget()
        for tab in self.chat_tabs():
            saved = conversation_id(tab)
            if saved is None:
                continue
            if tab is current:
                active = len(ids)
            ids.append(saved)
        return ids, active

    def chat_tabs(self) -> list[ChatTab]:
        return [self.tab(i) for i in range(self.count())]

    def tab(self, index: int) -> ChatTab:
        widget = self.widget(index)
        assert isinstance(widget, ChatTab)
        return widget

    def current_tab_or_none(self) -> ChatTab | None:
        widget = self.currentWidget()
        return widget if isinstance(widget, ChatTab) else None

    def current_tab(self) -> ChatTab:
        widget = self.currentWidget()
        assert isinstance(widget, ChatTab)
        return widget

    def set_title(self, tab: ChatTab, title: str, *, count_spend: bool = False) -> None:
        """The tab's text; its tooltip adds the preset the chat follows, if any, and what
        the chat's replies cost: added up again only with ``count_spend`` (the chat was
        opened, a reply was paid), not on every save (walking an 11,000-message tree
        took 5 ms of each version switch)."""
        index = self.indexOf(tab)
        if index < 0:
            return
        if self.tabText(index) != title:
            self.setTabText(index, title)
        badge = tab.chat_settings.badge()
        tip = f"{title}\nPreset: {badge}" if badge else title
        if count_spend or tab not in self._spend_tips:
            tree = tab.model.tree
            spend = chat_spend(tree.message(key) for key in tree.walk())
            mark = "≈ " if spend.approximate else ""
            self._spend_tips[tab] = (
                f"\nCredits spent in this chat: {mark}{format_credits(spend.credits)}"
                if spend.replies else ""
            )
        tip += self._spend_tips[tab]
        if self.tabToolTip(index) != tip:
            self.setTabToolTip(index, tip)

    def cycle(self, step: int) -> None:
        """Show the next (``step`` 1) or previous (-1) tab, round the ends."""
        count = self.count()
        if count > 1:
            self.setCurrentIndex((self.currentIndex() + step) % count)

    def rename_current(self) -> None:
        self.tab_bar.start_rename(self.currentIndex())
