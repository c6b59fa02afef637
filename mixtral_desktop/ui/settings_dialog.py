"""Settings (Ctrl+,): the API key (replace, remove, where it is kept)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.api import ENV_API_KEY
from mixtral_desktop.core.secrets import SERVICE, USERNAME, KeyringUnavailable, KeySource, KeyStore


class SettingsDialog(QDialog):
    replace_key_requested = Signal()
    key_removed = Signal()

    def __init__(self, keys: KeyStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keys = keys
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        group = QGroupBox("Segmind API key", self)
        self.key_state = QLabel(group)
        self.key_state.setObjectName("key_state")
        self.key_state.setWordWrap(True)
        self.backend_state = QLabel(group)
        self.backend_state.setObjectName("keyring_backend")
        self.backend_state.setWordWrap(True)
        self.backend_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.replace_button = QPushButton("Replace key…", group)
        self.replace_button.setObjectName("replace_key")
        self.remove_button = QPushButton("Remove key", group)
        self.remove_button.setObjectName("remove_key")
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.replace_button)
        buttons_row.addWidget(self.remove_button)
        buttons_row.addStretch(1)
        box = QVBoxLayout(group)
        box.addWidget(self.key_state)
        box.addWidget(self.backend_state)
        box.addLayout(buttons_row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addStretch(1)
        layout.addWidget(close)
        self.replace_button.clicked.connect(self.replace_key_requested)
        self.remove_button.clicked.connect(self._confirm_remove)
        self.refresh()

    def refresh(self) -> None:
        source = self.keys.source()
        status = self.keys.status()
        text = self.keys.describe()
        if source is KeySource.ENVIRONMENT:
            text += f" It takes precedence over a stored key; unset {ENV_API_KEY} to use that."
        self.key_state.setText(text)
        if status.usable:
            self.backend_state.setText(
                f"Keyring: {status.backend} (service “{SERVICE}”, username “{USERNAME}”)."
            )
        else:
            self.backend_state.setText(f"Keyring: not available. {status.message}")
        self.remove_button.setEnabled(source in (KeySource.KEYRING, KeySource.SESSION))

    def _confirm_remove(self) -> None:
        answer = QMessageBox.question(
            self, "Remove the API key",
            "Remove the key from this app and delete it from your keyring? You will need to "
            "paste it again to send messages.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_key()

    def remove_key(self) -> None:
        try:
            self.keys.remove()
        except KeyringUnavailable as error:
            QMessageBox.warning(self, "Remove the API key", error.status.message)
        self.refresh()
        self.key_removed.emit()
