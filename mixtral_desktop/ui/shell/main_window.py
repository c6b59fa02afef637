"""The main window: chat tabs, menus, shortcuts and the status bar."""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QMoveEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolButton,
    QWidget,
)

from mixtral_desktop import APP_NAME
from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config import settings as settings_store
from mixtral_desktop.core.config.secrets import StoreStatus
from mixtral_desktop.core.config.settings import Settings
from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.core.segmind.errors import NetworkError
from mixtral_desktop.core.segmind.protocol import Credits
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.history.panel import HistoryPanel
from mixtral_desktop.ui.messages.delegate import wait_for_layouts
from mixtral_desktop.ui.settings.key_dialog import KeyDialog
from mixtral_desktop.ui.settings.settings_dialog import SettingsDialog
from mixtral_desktop.ui.shell.chat_tab import ChatTab, TabState
from mixtral_desktop.ui.shell.history_actions import HistoryActions
from mixtral_desktop.ui.shell.session import WindowSession
from mixtral_desktop.ui.shell.tab_bar import ChatTabBar
from mixtral_desktop.ui.statusbar.bar import StatusBar
from mixtral_desktop.ui.statusbar.credits_watch import CreditsWatch
from mixtral_desktop.ui.workers.background import run_in_background
from mixtral_desktop.ui.workers.idle import WhenIdle, hold_until_painted

log = logging.getLogger(__name__)

WARM_UP_LATEST_MS = 1000  # restored background tabs are laid out ahead by then at the latest


class MainWindow(QMainWindow):
    def __init__(
        self,
        clients: ClientProvider,
        store: Store | None = None,
        parent: QWidget | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        hold_until_painted(self)  # no background work competes with the first frame
        self.clients = clients
        self.store = store if store is not None else Store.open(paths.history_file())
        self.session = WindowSession(self, self.store)
        self.setWindowTitle(APP_NAME)
        self.setObjectName("main_window")
        self.resize(980, 720)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tab_bar = ChatTabBar(self.tabs)
        self.tabs.setTabBar(self.tab_bar)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.new_tab_button = QToolButton(self)
        self.new_tab_button.setObjectName("new_tab_button")
        self.new_tab_button.setText("+")
        self.new_tab_button.setAccessibleName("New chat")
        self.new_tab_button.setToolTip("New chat (Ctrl+T)")
        self.new_tab_button.setAutoRaise(True)
        self.tabs.setCornerWidget(self.new_tab_button, Qt.Corner.TopRightCorner)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.settings = settings if settings is not None else settings_store.load()
        self.credits = CreditsWatch(clients, self.status, self.settings.low_credits_warning, self)
        self.credits.back_online.connect(self._on_back_online)
        self._key_dialog: KeyDialog | None = None
        self._settings_dialog: SettingsDialog | None = None
        self._build_actions()

        self.new_tab_button.clicked.connect(lambda: self.new_tab())
        self.status.set_key_button.clicked.connect(lambda: self.ask_for_key())
        self.tab_bar.close_requested.connect(self.close_tab)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tab_bar.renamed.connect(self._on_renamed)
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.tab_bar.tabMoved.connect(lambda _a, _b: self.session.tabs_changed())
        self.history = HistoryPanel(self.store, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history)
        self.history.hide()
        self.history.open_requested.connect(self.open_conversation)
        self.history.renamed.connect(self._on_history_renamed)
        self.history.deleted.connect(self._on_history_deleted)
        self.session.history_changed.connect(self.history.refresh)
        self.history_actions = HistoryActions(self)
        self._state_timer = QTimer(self)
        self._state_timer.setInterval(1000)
        self._state_timer.timeout.connect(self._show_state)
        self._state_timer.start()
        self._warm_up = WhenIdle(self._warm_up_background_tabs, WARM_UP_LATEST_MS, self)
        self._warmed_up = False
        self.session.restore()

    # -- actions ----------------------------------------------------------------

    def _build_actions(self) -> None:
        bar = self.menuBar()
        chat_menu = bar.addMenu("&Chat")
        self.new_tab_action = self._action(chat_menu, "New chat", lambda: self.new_tab(), "Ctrl+T")
        self._action(chat_menu, "Close chat", self.close_current_tab, "Ctrl+W")
        chat_menu.addSeparator()
        self._action(
            chat_menu, "Next chat", lambda: self._cycle(1), QKeySequence.StandardKey.NextChild,
            "Ctrl+PgDown",
        )
        self._action(
            chat_menu, "Previous chat", lambda: self._cycle(-1),
            QKeySequence.StandardKey.PreviousChild, "Ctrl+PgUp",
        )
        self._action(chat_menu, "Rename chat…", self._rename_current, "F2")
        chat_menu.addSeparator()
        self._action(chat_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)
        settings = bar.addMenu("&Settings")
        self._action(settings, "Settings…", self.open_settings, "Ctrl+,")
        self._action(settings, "Set API key…", lambda: self.ask_for_key())
        self._action(settings, "Refresh credits", self.refresh_credits, "F5")

    def _action(
        self, menu: object, text: str, slot: object, *keys: QKeySequence.StandardKey | str
    ) -> QAction:
        action = QAction(text, self)
        shortcuts = [QKeySequence(k) for k in keys]
        if shortcuts:
            action.setShortcuts(shortcuts)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        self.addAction(action)
        return action

    # -- tabs ---------------------------------------------------------------------

    def chat_tabs(self) -> list[ChatTab]:
        return [self.tab(i) for i in range(self.tabs.count())]

    def tab(self, index: int) -> ChatTab:
        widget = self.tabs.widget(index)
        assert isinstance(widget, ChatTab)
        return widget

    def current_tab(self) -> ChatTab:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, ChatTab)
        return widget

    def new_tab(self, conversation_id: int | None = None) -> ChatTab:
        """Open a chat tab: a new conversation, or a saved one by id."""
        tab = ChatTab(self.clients, self.tabs)
        tab.state_changed.connect(lambda t=tab: self._on_tab_state(t))
        tab.credits_seen.connect(self.show_remaining_credits)
        tab.usage_seen.connect(self._on_usage)
        tab.set_key_requested.connect(self._on_tab_needs_key)
        self.session.attach(tab, conversation_id)
        index = self.tabs.addTab(tab, "")
        self.set_tab_title(tab, self.session.title(tab))
        self.tabs.setCurrentIndex(index)
        self.session.tabs_changed()
        tab.composer.focus_input()
        return tab

    def set_tab_title(self, tab: ChatTab, title: str) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0 and self.tabs.tabText(index) != title:
            self.tabs.setTabText(index, title)
            self.tabs.setTabToolTip(index, title)

    def _on_tab_needs_key(self) -> None:
        if self.clients.keys.get():
            self.ask_for_key("Segmind rejected the key (401). Paste a new one; the message is "
                             "sent again once it is saved.")
        else:
            self.ask_for_key("A key is needed to send messages.")

    def close_tab(self, index: int) -> None:
        if not 0 <= index < self.tabs.count():
            return
        tab = self.tab(index)
        tab.shutdown()
        self.session.detach(tab)
        self.tabs.removeTab(index)
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.new_tab()
        else:
            self.current_tab().composer.focus_input()

    def close_current_tab(self) -> None:
        self.close_tab(self.tabs.currentIndex())

    def _cycle(self, step: int) -> None:
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)

    def _rename_current(self) -> None:
        self.tab_bar.start_rename(self.tabs.currentIndex())

    def _on_renamed(self, index: int, name: str) -> None:
        self.session.rename(self.tab(index), name)

    def open_conversation(self, conversation_id: int, message_id: int | None = None) -> ChatTab:
        """Show a saved conversation (switching to its tab when it is open)."""
        tab = self.session.tab_of(conversation_id)
        if tab is None:
            tab = self.new_tab(conversation_id)
        self.tabs.setCurrentWidget(tab)
        recorder = self.session.recorder(tab)
        row = None if message_id is None or recorder is None else recorder.row_of(message_id)
        if row is not None:
            tab.view.scroll_to_row(row)
        return tab

    def _on_history_renamed(self, conversation_id: int, title: str) -> None:
        tab = self.session.tab_of(conversation_id)
        if tab is not None:
            self.set_tab_title(tab, title)

    def _on_history_deleted(self, conversation_id: int) -> None:
        tab = self.session.tab_of(conversation_id)
        if tab is not None:
            self.close_tab(self.tabs.indexOf(tab))

    def _on_current_changed(self, index: int) -> None:
        self.session.tabs_changed()
        if index >= 0:
            self.current_tab().composer.focus_input()
            self._show_state()

    # -- status -------------------------------------------------------------------

    def _on_tab_state(self, tab: ChatTab) -> None:
        if self.tabs.currentWidget() is tab:
            self._show_state()

    def _show_state(self) -> None:
        if self.tabs.count():
            self.status.state.setText(self.current_tab().state_text())

    def _on_usage(self, usage: Usage | None) -> None:
        self.status.usage.show_usage(usage)

    def show_remaining_credits(self, remaining: float) -> None:
        self.credits.seen(remaining)

    def refresh_credits(self) -> None:
        """Ask Segmind for the credits in the background (at start-up and on F5)."""
        self.credits.refresh()

    def _on_back_online(self) -> None:
        """The network returned: send again what failed to connect (nothing reached Segmind)."""
        for tab in self.chat_tabs():
            error = tab.last_error
            if (tab.state is TabState.ERROR and isinstance(error, NetworkError)
                    and error.transient and not error.reply_started):
                tab.retry()

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.credits.warn_below = settings.low_credits_warning
        if self.clients.requests_per_minute is not None:
            self.clients.set_requests_per_minute(settings.requests_per_minute)

    # -- key ----------------------------------------------------------------------

    def start(self) -> None:
        """Read the stored key in the background; ask for one when there is none."""
        run_in_background(self.clients.keys.load, self._on_keys_loaded, self._on_keys_failed)

    def _on_keys_loaded(self, status: object) -> None:
        assert isinstance(status, StoreStatus)
        self._show_key_state()
        if self.clients.keys.get():
            self.refresh_credits()
            return
        self.status.credits.show_unknown("no API key")
        reason = "" if status.usable else status.message
        self.ask_for_key(reason or "Welcome to Mixtral Desktop.")

    def _on_keys_failed(self, error: Exception) -> None:
        log.error("reading the key failed", exc_info=error)
        self._show_key_state()
        self.ask_for_key("Your keyring could not be read.")

    def ask_for_key(self, reason: str = "") -> KeyDialog:
        """Open the key dialog (once); a saved key re-sends messages that needed it."""
        if self._key_dialog is not None and self._key_dialog.isVisible():
            self._key_dialog.raise_()
            self._key_dialog.activateWindow()
            return self._key_dialog
        dialog = KeyDialog(self.clients.keys, self.clients.config, self, reason=reason)
        dialog.key_saved.connect(self._on_key_saved)
        dialog.finished.connect(self._on_key_dialog_finished)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._key_dialog = dialog
        dialog.open()
        dialog.field.setFocus()
        return dialog

    def _on_key_dialog_finished(self, _result: int) -> None:
        self._key_dialog = None
        self._show_key_state()

    def _on_key_saved(self, credits: object) -> None:
        self._show_key_state()
        if isinstance(credits, Credits):
            self.credits.show(credits)
        else:
            self.refresh_credits()
        for tab in self.chat_tabs():
            if tab.waiting_for_key():
                tab.retry()

    def _show_key_state(self) -> None:
        self.status.set_key_button.setVisible(not self.clients.keys.get())

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.clients.keys, self.settings, self)
        dialog.settings_changed.connect(self.apply_settings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.replace_key_requested.connect(lambda: self.ask_for_key())
        dialog.key_removed.connect(self._on_key_removed)
        self._settings_dialog = dialog
        dialog.open()
        return dialog

    def _on_key_removed(self) -> None:
        self._show_key_state()
        if not self.clients.keys.get():
            self.status.credits.show_unknown("no API key")

    def bring_to_front(self) -> None:
        """Another launch asked for the window: show it on top."""
        log.info("a second launch asked for this window")
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def tell_database_moved(self, moved_to: Path) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "History could not be read",
            "The history database could not be opened, so a fresh one was started. The "
            f"old file was kept, not deleted:\n\n{moved_to}",
            QMessageBox.StandardButton.Ok, self,
        )
        box.setObjectName("database_moved_dialog")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- closing ------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel every request and join every worker thread."""
        self._state_timer.stop()
        for tab in self.chat_tabs():
            tab.shutdown()
        wait_for_layouts()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._warmed_up:  # (the first show: the tabs restored from last time)
            self._warmed_up = True
            self._warm_up.request()

    def _warm_up_background_tabs(self) -> None:
        """Once the window is up and the app idle, the restored tabs not shown lay out
        their newest rows, at the size of the tab shown: a switch to one then paints
        without rendering them."""
        if self.tabs.count() == 0:
            return
        shown = self.current_tab().view.viewport()
        for tab in self.chat_tabs():
            tab.view.warm_up(shown.width(), shown.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.session.geometry_changed()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self.session.geometry_changed()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.flush_all()
        for dialog in (self._key_dialog, self._settings_dialog):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.close()
        self.shutdown()
        super().closeEvent(event)
