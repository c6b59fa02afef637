"""The main window: it assembles the features and wires them with signals.

The chat tabs (:mod:`.tabs`, each a :mod:`.chat_tab`), the status bar, the history
dock, the key flow and the menus are made here; the session (tabs and their
recorders), the window state and the history's transfer and search are objects of
their own, told what to do by signals. Nothing it holds calls back into it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QMoveEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QMainWindow, QWidget

from mixtral_desktop import APP_NAME
from mixtral_desktop.core.config.settings import Settings
from mixtral_desktop.core.segmind.protocol import Credits
from mixtral_desktop.ui.history.panel import HistoryPanel
from mixtral_desktop.ui.history.transfer import ChatTransfer
from mixtral_desktop.ui.shell import menus
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.key_flow import KeyFlow
from mixtral_desktop.ui.shell.preset_flow import PresetFlow
from mixtral_desktop.ui.shell.services import WindowServices
from mixtral_desktop.ui.shell.session import WindowSession
from mixtral_desktop.ui.shell.status_flow import StatusFlow
from mixtral_desktop.ui.shell.tabs import ChatTabs
from mixtral_desktop.ui.shell.usage_flow import UsageFlow
from mixtral_desktop.ui.shell.window_state import WindowState
from mixtral_desktop.ui.statusbar.bar import StatusBar
from mixtral_desktop.ui.statusbar.credits_watch import CreditsWatch
from mixtral_desktop.ui.theme.follow import follower
from mixtral_desktop.ui.workers.idle import WhenIdle

if TYPE_CHECKING:  # (an annotation: imported when the dialog first opens, below)
    from mixtral_desktop.ui.history.search_dialog import SearchDialog

log = logging.getLogger(__name__)

WARM_UP_LATEST_MS = 1000  # restored background tabs are laid out ahead by then at the latest


class MainWindow(QMainWindow):
    def __init__(self, services: WindowServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        services.first_frame.watch(self)  # no background work competes with the first frame
        self.services = services
        self.clients = services.clients
        self.store = services.store
        self.setWindowTitle(APP_NAME)
        self.setObjectName("main_window")
        self.resize(980, 720)
        self.tabs = ChatTabs(self)
        self.tab_bar = self.tabs.tab_bar
        self.new_tab_button = self.tabs.new_tab_button
        self.setCentralWidget(self.tabs)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.credits = CreditsWatch(
            services.clients, services.executors, services.tasks.child("credits"), self.status,
            services.settings.low_credits_warning, self,
        )
        self.keys = KeyFlow(services, self)
        self.status_flow = StatusFlow(
            self.status, self.tabs, services.clients, self, services.metering.ledger
        )
        self.credits.ledger = services.metering.ledger
        self.session = WindowSession(self.store, self)
        self.window_state = WindowState(
            self.store, self, lambda: self.tabs.conversations(self.session.conversation_id), self
        )
        self.history = HistoryPanel(self.store, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history)
        self.history.hide()
        self.transfer = ChatTransfer(
            self.store, services.executors, services.tasks.child("transfer"), self, self
        )
        self.search_dialog: SearchDialog | None = None
        self.presets = PresetFlow(
            services, self, lambda: self.new_tab(), lambda: self.tabs.current_tab_or_none()
        )
        self.usage_flow = UsageFlow(services, self, self.open_conversation)
        self._wire()
        self._build_menus()
        self._warm_up = WhenIdle(
            self.tabs.warm_up_hidden, WARM_UP_LATEST_MS, self,
            first_frame=services.first_frame,
        )
        self._warmed_up = False
        self.shortcuts_window: QDialog | None = None  # Help → Keyboard shortcuts, once opened
        self._restore()
        self.presets.start()

    def _wire(self) -> None:
        tabs, session, keys = self.tabs, self.session, self.keys
        tabs.new_requested.connect(lambda: self.new_tab())
        tabs.close_requested.connect(self.close_tab)
        tabs.renamed.connect(session.rename)
        tabs.currentChanged.connect(self._on_current_changed)
        tabs.tab_bar.tabMoved.connect(lambda _a, _b: self.window_state.tabs_changed())
        session.tabs_changed.connect(self.window_state.tabs_changed)
        session.title_changed.connect(lambda tab: tabs.set_title(tab, session.title(tab)))
        session.history_changed.connect(self.history.refresh)
        self.history.open_requested.connect(self.open_conversation)
        self.history.renamed.connect(self._on_history_renamed)
        self.history.deleted.connect(self._on_history_deleted)
        self.transfer.imported.connect(self.history.refresh)
        self.transfer.imported.connect(self.open_conversation)
        self.credits.back_online.connect(tabs.retry_offline_failures)
        self.status.set_key_button.clicked.connect(lambda: keys.ask_for_key())
        keys.key_changed.connect(self.status_flow.show_key_state)
        keys.key_ready.connect(self.refresh_credits)
        keys.no_key.connect(lambda: self.status.credits.show_unknown("no API key"))
        keys.key_saved.connect(self._on_key_saved)
        keys.key_removed.connect(self.status_flow.key_removed)
        keys.settings_changed.connect(self.apply_settings)

    def _build_menus(self) -> None:
        tabs = self.tabs
        menus.add_chat_menu(self, menus.ChatSlots(
            new_chat=lambda: self.new_tab(),
            fill_presets=self.presets.fill_menu,
            presets_library=self.presets.open_library,
            close_chat=lambda: self.close_tab(tabs.currentIndex()),
            next_chat=lambda: tabs.cycle(1),
            previous_chat=lambda: tabs.cycle(-1),
            rename_chat=tabs.rename_current,
            quit=self.close,
        ))
        menus.add_settings_menu(self, menus.SettingsSlots(
            settings=self.keys.open_settings,
            set_key=lambda: self.keys.ask_for_key(),
            refresh_credits=self.refresh_credits,
        ))
        menus.add_history_menu(self, menus.HistorySlots(
            panel=self.history.toggleViewAction(),
            search=self.open_search,
            usage=self.usage_flow.open_window,
            export_markdown=lambda: self.export_current("md"),
            export_json=lambda: self.export_current("json"),
            import_json=self.transfer.ask_and_import,
        ))
        menus.add_help_menu(self, lambda: _show_shortcuts(self))

    # -- tabs ---------------------------------------------------------------------

    def chat_tabs(self) -> list[ChatTab]:
        return self.tabs.chat_tabs()

    def tab(self, index: int) -> ChatTab:
        return self.tabs.tab(index)

    def current_tab(self) -> ChatTab:
        return self.tabs.current_tab()

    def new_tab(self, conversation_id: int | None = None) -> ChatTab:
        """Open a chat tab: a new conversation, or a saved one by id."""
        tab = ChatTab(self.services, self.tabs)
        self.status_flow.watch(tab)
        tab.credits_seen.connect(self.credits.seen)
        tab.credits_seen.connect(
            lambda _c: self.tabs.set_title(tab, self.session.title(tab), count_spend=True)
        )
        tab.set_key_requested.connect(self.keys.ask_again)
        tab.chat_settings.library_requested.connect(self.presets.open_library)
        tab.chat_settings.badge_changed.connect(
            lambda: self.tabs.set_title(tab, self.session.title(tab))
        )
        self.session.attach(tab, conversation_id)
        if conversation_id is None:
            self.presets.fresh_tab(tab)
        index = self.tabs.addTab(tab, "")
        self.tabs.set_title(tab, self.session.title(tab))
        self.tabs.setCurrentIndex(index)
        self.window_state.tabs_changed()
        tab.composer.focus_input()
        return tab

    def close_tab(self, index: int) -> None:
        if not 0 <= index < self.tabs.count():
            return
        tab = self.tabs.tab(index)
        tab.shutdown()
        self.session.detach(tab)
        self.tabs.removeTab(index)
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.new_tab()
        else:
            self.current_tab().composer.focus_input()

    def open_conversation(self, conversation_id: int, message_id: int | None = None) -> ChatTab:
        """Show a saved conversation (switching to its tab when it is open)."""
        tab = self.session.tab_of(conversation_id)
        if tab is None:
            tab = self.new_tab(conversation_id)
        self.tabs.setCurrentWidget(tab)
        recorder = self.session.recorder(tab)
        key = None if message_id is None or recorder is None else recorder.key_of(message_id)
        # A hit on another branch makes that branch the visible one.
        row = None if key is None else tab.model.show_key(key)
        if row is not None:
            tab.view.scroll_to_row(row)
        return tab

    def _restore(self) -> None:
        """Reopen last session's tabs in order, the active one selected, and the geometry."""
        self.window_state.restore_geometry()
        opened, active = self.window_state.saved_tabs()
        for conversation_id in opened:
            self.new_tab(conversation_id)
        if not opened:
            self.new_tab()
        self.tabs.setCurrentIndex(min(max(active, 0), self.tabs.count() - 1))

    def _on_history_renamed(self, conversation_id: int, title: str) -> None:
        tab = self.session.tab_of(conversation_id)
        if tab is not None:
            self.tabs.set_title(tab, title)

    def _on_history_deleted(self, conversation_id: int) -> None:
        tab = self.session.tab_of(conversation_id)
        if tab is not None:
            self.close_tab(self.tabs.indexOf(tab))

    def _on_current_changed(self, index: int) -> None:
        self.window_state.tabs_changed()
        if index >= 0:
            self.current_tab().composer.focus_input()
            self.status_flow.show_state()

    # -- history ------------------------------------------------------------------

    def open_search(self) -> SearchDialog:
        if self.search_dialog is None:
            # Imported on first use, as before the split: start-up does not need it.
            from mixtral_desktop.core.services.search import HistorySearch
            from mixtral_desktop.ui.history.search_dialog import SearchDialog

            services = self.services
            search = HistorySearch(services.search, services.executors.search)
            self.search_dialog = SearchDialog(search, services.tasks.child("search"), self)
            self.search_dialog.hit_chosen.connect(self.open_conversation)
        self.search_dialog.open()
        return self.search_dialog

    def export_current(self, kind: str) -> None:
        tab = self.current_tab()
        conversation_id = self.session.saved_conversation(tab)
        if conversation_id is not None:
            self.transfer.ask_and_export(conversation_id, self.session.title(tab), kind)

    # -- status and key -------------------------------------------------------------

    def refresh_credits(self) -> None:
        """Ask Segmind for the credits in the background (at start-up and on F5)."""
        self.credits.refresh()

    def apply_settings(self, settings: Settings) -> None:
        self.services.settings = settings
        self.credits.warn_below = settings.low_credits_warning
        if self.clients.requests_per_minute is not None:
            self.clients.set_requests_per_minute(settings.requests_per_minute)
        follower(settings.theme)  # (live: every window, every view)

    def start(self) -> None:
        """Read the stored key in the background; ask for one when there is none."""
        self.keys.start()

    def _on_key_saved(self, credits: object) -> None:
        if isinstance(credits, Credits):
            self.credits.show(credits)
        else:
            self.refresh_credits()
        self.tabs.retry_waiting_for_key()

    def bring_to_front(self) -> None:
        """Another launch asked for the window: show it on top."""
        log.info("a second launch asked for this window")
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # -- closing ------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel every request and every task of the window (its services' threads are
        joined by their owner, :meth:`WindowServices.close`)."""
        self.status_flow.stop()
        for tab in self.chat_tabs():
            tab.shutdown()
        self.services.tasks.cancel()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._warmed_up:  # (the first show: the tabs restored from last time)
            self._warmed_up = True
            self._warm_up.request()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.window_state.geometry_changed()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self.window_state.geometry_changed()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.flush_all()
        self.window_state.flush()
        self.keys.close_dialogs()
        self.shutdown()
        super().closeEvent(event)


def _show_shortcuts(window: MainWindow) -> None:
    """Help → Keyboard shortcuts (its module is loaded when first asked for)."""
    from mixtral_desktop.ui.shell.shortcuts_window import ShortcutsWindow

    dialog = ShortcutsWindow(window)
    dialog.show()
    window.shortcuts_window = dialog
