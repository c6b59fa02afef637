"""What the status bar shows for the window: the current tab's state (ticking each
second while it waits), the last reply's usage, this session's spend, and whether a key
is set."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.core.domain.usage import CreditLedger
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.tabs import ChatTabs
from mixtral_desktop.ui.statusbar.bar import StatusBar


class StatusFlow(QObject):
    """Keeps ``status`` up to date with ``tabs`` and the key in ``clients``."""

    def __init__(
        self, status: StatusBar, tabs: ChatTabs, clients: ClientProvider,
        parent: QObject | None = None, ledger: CreditLedger | None = None,
    ) -> None:
        super().__init__(parent)
        self._ledger = ledger
        self._status = status
        self._tabs = tabs
        self._clients = clients
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.show_state)
        self._timer.start()

    def watch(self, tab: ChatTab) -> None:
        """Show what ``tab`` reports while it is the current one."""
        tab.state_changed.connect(lambda t=tab: self._on_tab_state(t))
        tab.usage_seen.connect(self.show_usage)
        tab.credits_seen.connect(lambda _credits: self.show_spend())

    def show_state(self) -> None:
        """The current tab's state: "Idle", "Waiting 5 s", "Streaming"…"""
        if self._tabs.count():
            self._status.state.show_value(self._tabs.current_tab().state_text())

    def show_usage(self, usage: Usage | None) -> None:
        self._status.usage.show_usage(usage)

    def show_spend(self) -> None:
        """This session's spend, from the window's credit ledger."""
        ledger = self._ledger
        if ledger is not None:
            self._status.spend.show_spend(
                ledger.session_spent, ledger.session_replies, ledger.session_approximate
            )

    def show_key_state(self) -> None:
        """The "Set API key" button shows while there is no key."""
        self._status.set_key_button.setVisible(not self._clients.keys.get())

    def key_removed(self) -> None:
        if not self._clients.keys.get():
            self._status.credits.show_unknown("no API key")

    def stop(self) -> None:
        self._timer.stop()

    def _on_tab_state(self, tab: ChatTab) -> None:
        if self._tabs.currentWidget() is tab:
            self.show_state()
