"""One tab's settings, wired: the header above its conversation, the side panel (made
the first time it opens: most chats never open it), and the steering of its requests.
The chat settings feature and the conversation feature meet here only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSplitter

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.ui.chat_settings.header import ChatHeader
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.chat_settings.panel import PANEL_WIDTH, ChatSettingsPanel
from mixtral_desktop.ui.conversation.chat_steering import ChatSteering
from mixtral_desktop.ui.workers.tasks import TaskGroup


class TabSettings(QObject):
    """The chat's settings as its header, panel and requests see them."""

    changed = Signal()  # the user (or a refusal) changed the settings: keep them
    badge_changed = Signal()  # the preset the chat follows (or none) is another now
    library_requested = Signal()

    def __init__(
        self,
        steering: ChatSteering,
        header: ChatHeader,
        splitter: QSplitter,
        library: PresetLibrary,
        tasks: TaskGroup,
    ) -> None:
        super().__init__(splitter)
        self._steering = steering
        self.header = header
        self._splitter = splitter
        self._library = library
        self._tasks = tasks
        self.panel: ChatSettingsPanel | None = None
        self._badge: str | None = None
        header.settings_requested.connect(self.toggle_panel)
        steering.changed.connect(self._on_steering_changed)
        library.changed.connect(self._show)

    def settings(self) -> ChatSettings:
        return self._steering.settings

    def load(self, settings: ChatSettings) -> None:
        """The chat's kept settings (nothing is saved back)."""
        self._steering.set_settings(settings)
        if self.panel is not None:
            self.panel.set_settings(settings)
        self._show()

    def apply(self, settings: ChatSettings) -> None:
        """New settings for the chat (a preset chosen for a new chat): kept, shown, used."""
        self.load(settings)
        self.changed.emit()

    def badge(self) -> str | None:
        """The name of the preset the chat follows, while its settings still match it."""
        return self._badge

    # -- the panel ------------------------------------------------------------------

    def toggle_panel(self) -> None:
        panel = self.panel
        if panel is not None and panel.isVisible():
            panel.close_panel()
        else:
            self.open_panel()

    def open_panel(self) -> ChatSettingsPanel:
        panel = self.panel
        if panel is None:
            panel = self.panel = ChatSettingsPanel(self._library, self._tasks.child("panel"))
            panel.set_settings(self._steering.settings)
            panel.settings_edited.connect(self._on_edited)
            panel.problems_changed.connect(self._steering.set_problems)
            panel.library_requested.connect(self.library_requested)
            panel.closed.connect(self._on_closed)
            self._splitter.addWidget(panel)
            self._splitter.setCollapsible(1, False)
            width = self._splitter.width()
            self._splitter.setSizes([max(width - PANEL_WIDTH, 200), PANEL_WIDTH])
        self.header.settings_button.setChecked(True)
        panel.open_panel()
        return panel

    def _on_closed(self) -> None:
        self.header.settings_button.setChecked(False)
        self.header.settings_button.setFocus()

    # -- changes ----------------------------------------------------------------------

    def _on_edited(self, settings: ChatSettings) -> None:
        self._steering.set_settings(settings)
        self._show()
        self.changed.emit()

    def _on_steering_changed(self) -> None:
        """A refused field was left out: the panel shows it, the history keeps it."""
        if self.panel is not None:
            self.panel.set_settings(self._steering.settings)
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        settings = self._steering.settings
        preset = self._library.find(settings.preset)
        badge = preset.name if preset is not None and preset.matches(settings) else None
        self.header.show_settings(settings, badge)
        if badge != self._badge:
            self._badge = badge
            self.badge_changed.emit()
