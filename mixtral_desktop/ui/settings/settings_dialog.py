"""Settings (Ctrl+,): the API key (replace, remove, where it is kept)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.config import settings as settings_store
from mixtral_desktop.core.config.secrets import (
    SERVICE,
    USERNAME,
    KeySource,
    KeyStore,
)
from mixtral_desktop.core.config.settings import Settings
from mixtral_desktop.core.segmind.config import ENV_API_KEY
from mixtral_desktop.ui.theme.follow import MODE_LABELS


class SettingsDialog(QDialog):
    """The key's state and buttons, and the app's settings; removing the key is asked of
    the window (``remove_requested``), which then calls :meth:`refresh`."""

    replace_key_requested = Signal()
    remove_requested = Signal()  # the user confirmed: forget the key and delete it
    settings_changed = Signal(object)  # Settings, already saved

    def __init__(
        self, keys: KeyStore, settings: Settings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.keys = keys
        self.settings = settings or Settings()
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
        plan = QGroupBox("Segmind plan", self)
        self.rpm = QSpinBox(plan)
        self.rpm.setObjectName("rpm_setting")
        self.rpm.setAccessibleName("Requests per minute")
        self.rpm.setRange(1, 10_000)
        self.rpm.setValue(self.settings.requests_per_minute)
        self.rpm.setToolTip(
            "Your plan's limit (Free: 5, Pro: 50). Sends beyond it wait in a queue instead "
            "of being refused by Segmind."
        )
        self.low_credits = QDoubleSpinBox(plan)
        self.low_credits.setObjectName("low_credits_setting")
        self.low_credits.setAccessibleName("Warn when credits fall below")
        self.low_credits.setRange(0.0, 1_000_000.0)
        self.low_credits.setDecimals(2)
        self.low_credits.setValue(self.settings.low_credits_warning)
        form = QFormLayout(plan)
        form.addRow("Requests per minute:", self.rpm)
        form.addRow("Warn when credits fall below:", self.low_credits)
        looks = QGroupBox("Appearance", self)
        self.theme = QComboBox(looks)
        self.theme.setObjectName("theme_setting")
        self.theme.setAccessibleName("Theme")
        for mode, label in MODE_LABELS.items():
            self.theme.addItem(label, mode)
        self.theme.setCurrentIndex(max(self.theme.findData(self.settings.theme), 0))
        self.theme.setToolTip("System follows your desktop's light or dark setting, live")
        looks_form = QFormLayout(looks)
        looks_form.addRow("Theme:", self.theme)
        self.theme.currentIndexChanged.connect(self._save_settings)
        self.rpm.valueChanged.connect(self._save_settings)
        self.low_credits.valueChanged.connect(self._save_settings)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addWidget(plan)
        layout.addWidget(looks)
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

    def _save_settings(self) -> None:
        self.settings = self.settings.with_changes(
            requests_per_minute=self.rpm.value(), low_credits_warning=self.low_credits.value(),
            theme=str(self.theme.currentData()),
        )
        settings_store.save(self.settings)
        self.settings_changed.emit(self.settings)

    def _confirm_remove(self) -> None:
        answer = QMessageBox.question(
            self, "Remove the API key",
            "Remove the key from this app and delete it from your keyring? You will need to "
            "paste it again to send messages.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_key()

    def remove_key(self) -> None:
        """Ask for the key's removal (the button stays off until :meth:`refresh`)."""
        self.remove_button.setEnabled(False)
        self.remove_requested.emit()
