"""Presets in the window: Chat → "New chat with preset" (one item per preset, named as
the preset), the presets library window (made when first opened), and the preset a new
chat starts with (a setting, "Use as default for new chats")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from mixtral_desktop.core.config import settings as settings_store
from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import Preset
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.services import WindowServices

if TYPE_CHECKING:  # the window is imported when it is first opened
    from mixtral_desktop.ui.chat_settings.library_window import PresetsWindow

log = logging.getLogger(__name__)


class PresetFlow(QObject):
    """What the window does with presets; ``new_tab`` opens a fresh chat tab."""

    def __init__(
        self,
        services: WindowServices,
        window: QWidget,
        new_tab: Callable[[], ChatTab],
        current_tab: Callable[[], ChatTab | None],
    ) -> None:
        super().__init__(window)
        self._services = services
        self.library = services.presets
        self._window = window
        self._new_tab = new_tab
        self._current_tab = current_tab
        self._tasks = services.tasks.child("presets window")
        self.library_window: PresetsWindow | None = None

    def start(self) -> None:
        """Read the presets folder and watch it (the built-in presets need nothing)."""
        self.library.start()

    def fill_menu(self, menu: QMenu) -> None:
        """The user's presets by name, then the built-in ones."""
        menu.clear()
        user = self.library.user_presets()
        for preset in user:
            self._add(menu, preset)
        if user:
            menu.addSeparator()
        for preset in self.library.presets():
            if preset.builtin:
                self._add(menu, preset)

    def _add(self, menu: QMenu, preset: Preset) -> None:
        action = QAction(preset.name.replace("&", "&&"), menu)
        action.setData(preset.id)
        action.triggered.connect(lambda: self.new_chat(preset.id))
        menu.addAction(action)

    def new_chat(self, preset_id: str) -> ChatTab | None:
        """A new chat steered by the preset (None if the preset is gone)."""
        preset = self.library.find(preset_id)
        if preset is None:
            return None
        tab = self._new_tab()
        tab.chat_settings.apply(preset.apply())
        return tab

    def fresh_tab(self, tab: ChatTab) -> None:
        """A new empty chat starts with the default preset, if one is chosen (a user
        preset at start-up: once the folder has been read)."""
        default = self._services.settings.default_preset
        if not default:
            return
        preset = self.library.find(default)
        if preset is not None:
            tab.chat_settings.apply(preset.apply())
        elif not self.library.loaded:
            def when_read() -> None:
                self.library.changed.disconnect(when_read)
                later = self.library.find(default)
                untouched = tab.chat_settings.settings().is_default() and not tab.model.rowCount()
                if later is not None and untouched:
                    tab.chat_settings.apply(later.apply())

            self.library.changed.connect(when_read)

    def open_library(self) -> PresetsWindow:
        window = self.library_window
        if window is None:
            from mixtral_desktop.ui.chat_settings.library_window import PresetsWindow

            window = self.library_window = PresetsWindow(
                self.library, self._tasks, self._current_settings, self._window
            )
            window.default_chosen.connect(self.set_default)
            window.new_chat_requested.connect(self.new_chat)
        window.set_default(self._services.settings.default_preset or None)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _current_settings(self) -> ChatSettings | None:
        tab = self._current_tab()
        return None if tab is None else tab.chat_settings.settings()

    def set_default(self, preset_id: str) -> None:
        """New chats start with ``preset_id`` from now on ("" for none); kept in the
        settings file."""
        settings = self._services.settings.with_changes(default_preset=preset_id)
        self._services.settings = settings
        if self.library_window is not None:
            self.library_window.set_default(preset_id or None)
        self._tasks.start(self._save(settings), "presets: save the default")

    async def _save(self, settings: settings_store.Settings) -> None:
        try:
            await self._services.executors.run(settings_store.save, settings)
        except OSError as error:
            log.warning("the default preset was not saved: %s", error)
