"""The API key from start-up on: read from the keyring in the background, asked for when
missing or rejected, replaced or removed in Settings. The dialogs are opened here; what
follows (credits, sending again) is the window's, told by signals."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from mixtral_desktop.core.config.secrets import KeyringUnavailable, StoreStatus
from mixtral_desktop.ui.shell.services import WindowServices

if TYPE_CHECKING:  # (annotations: the dialogs are imported when first opened, below)
    from mixtral_desktop.ui.settings.key_dialog import KeyDialog
    from mixtral_desktop.ui.settings.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)


class KeyFlow(QObject):
    key_changed = Signal()  # there is a key now, or none: the "Set API key…" button follows
    key_ready = Signal()  # start-up found a key
    no_key = Signal()  # start-up found none (the key dialog is open)
    key_saved = Signal(object)  # Credits | None: a key was saved (checked, if Credits)
    key_removed = Signal()  # Settings removed the key
    settings_changed = Signal(object)  # Settings, already saved

    def __init__(self, services: WindowServices, window: QWidget) -> None:
        super().__init__(window)
        self._services = services
        self._window = window
        self._tasks = services.tasks.child("key")
        self.key_dialog: KeyDialog | None = None
        self.settings_dialog: SettingsDialog | None = None

    def start(self) -> None:
        """Read the stored key in the background; ask for one when there is none."""
        self._tasks.start(self._load(), "read the key")

    async def _load(self) -> None:
        keys = self._services.clients.keys
        try:
            status: StoreStatus = await self._services.executors.run(keys.load)
        except Exception as error:  # the keyring failed in a way it does not report
            log.error("reading the key failed", exc_info=error)
            self.key_changed.emit()
            self.ask_for_key("Your keyring could not be read.")
            return
        self.key_changed.emit()
        if keys.get():
            self.key_ready.emit()
            return
        self.no_key.emit()
        reason = "" if status.usable else status.message
        self.ask_for_key(reason or "Welcome to Mixtral Desktop.")

    def ask_for_key(self, reason: str = "") -> KeyDialog:
        """Open the key dialog (once); a saved key is announced by :attr:`key_saved`."""
        dialog = self.key_dialog
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        # Imported on first use: with a key saved, most starts never open it.
        from mixtral_desktop.ui.settings.key_dialog import KeyDialog

        services = self._services
        dialog = KeyDialog(
            services.clients, services.executors, self._tasks.child("dialog"), self._window,
            reason=reason,
        )
        dialog.key_saved.connect(self._on_key_saved)
        dialog.finished.connect(self._on_key_dialog_finished)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.key_dialog = dialog
        dialog.open()
        dialog.field.setFocus()
        return dialog

    def ask_again(self) -> None:
        """A request needed a (valid) key: ask for one, saying why."""
        if self._services.clients.keys.get():
            self.ask_for_key("Segmind rejected the key (401). Paste a new one; the message is "
                             "sent again once it is saved.")
        else:
            self.ask_for_key("A key is needed to send messages.")

    def open_settings(self) -> SettingsDialog:
        from mixtral_desktop.ui.settings.settings_dialog import SettingsDialog

        services = self._services
        dialog = SettingsDialog(services.clients.keys, services.settings, self._window)
        dialog.settings_changed.connect(self._on_settings_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.replace_key_requested.connect(lambda: self.ask_for_key())
        dialog.remove_requested.connect(self.remove_key)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def remove_key(self) -> asyncio.Task[None]:
        """Forget the key and delete it from the keyring (on an ``io`` thread: a keyring
        may take its time, or ask the user to unlock it)."""
        return self._tasks.start(self._remove_key(), "remove the key")

    async def _remove_key(self) -> None:
        try:
            await self._services.executors.run(self._services.clients.keys.remove)
        except KeyringUnavailable as error:
            QMessageBox.warning(self._window, "Remove the API key", error.status.message)
        dialog = self.settings_dialog
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.refresh()
        self.key_changed.emit()
        self.key_removed.emit()

    def close_dialogs(self) -> None:
        for dialog in (self.key_dialog, self.settings_dialog):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.close()

    def _on_key_saved(self, credits: object) -> None:
        self.key_changed.emit()
        self.key_saved.emit(credits)

    def _on_key_dialog_finished(self, _result: int) -> None:
        self.key_dialog = None
        self.key_changed.emit()

    def _on_settings_changed(self, settings: object) -> None:
        self.settings_changed.emit(settings)
