"""The API key dialog: masked field, show toggle, checked with Segmind, saved to the keyring.

The check and the save block (HTTP, the keyring's D-Bus), so each is a coroutine of the
dialog's task group awaiting an ``io`` thread; closing the dialog cancels them.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.config.secrets import KeyringUnavailable
from mixtral_desktop.core.segmind.errors import KEYS_URL, AuthError, SegmindError
from mixtral_desktop.core.segmind.protocol import Credits
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.credits import check_key
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)


class KeyDialog(QDialog):
    """Checks a key with ``GET /get-user-credits`` and then saves it.

    401 keeps the dialog open; a network failure offers to save anyway; when no secure
    keyring exists it offers to keep the key for this session only.
    """

    key_saved = Signal(object)  # Credits | None (None: not checked, or no credits left)

    def __init__(
        self, clients: ClientProvider, executors: Executors, tasks: TaskGroup,
        parent: QWidget | None = None, *, reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.clients = clients
        self.keys = clients.keys
        self._executors = executors
        self._tasks = tasks
        self.finished.connect(lambda _result: tasks.cancel())
        self.setObjectName("key_dialog")
        self.setWindowTitle("Segmind API key")
        self.setMinimumWidth(520)
        intro = QLabel(
            (f"<p>{reason}</p>" if reason else "")
            + "<p>Paste your Segmind API key. It is checked with Segmind, then kept in "
            "your system's keyring and nowhere else.</p>"
            f'<p><a href="{KEYS_URL}">Get a key from the Segmind console</a></p>',
            self,
        )
        intro.setObjectName("key_intro")
        intro.setWordWrap(True)
        intro.setOpenExternalLinks(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.field = QLineEdit(self)
        self.field.setObjectName("key_field")
        self.field.setAccessibleName("Segmind API key")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Segmind API key")
        self.field.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.show_action = QAction("Show", self.field)
        self.show_action.setObjectName("key_show_toggle")
        self.show_action.setCheckable(True)
        self.show_action.setToolTip("Show the key")
        self.show_action.toggled.connect(self._toggle_visible)
        self.field.addAction(self.show_action, QLineEdit.ActionPosition.TrailingPosition)
        self.message = QLabel(self)
        self.message.setObjectName("key_message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("key_save")
        self.save_button.setDefault(True)
        self.save_anyway_button = QPushButton("Save anyway", self)
        self.save_anyway_button.setObjectName("key_save_anyway")
        self.buttons.addButton(self.save_anyway_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.session_button = QPushButton("Use for this session only", self)
        self.session_button.setObjectName("key_session_only")
        self.buttons.addButton(self.session_button, QDialogButtonBox.ButtonRole.ActionRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("key_cancel")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.field)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.save_button.clicked.connect(self._check)
        self.save_anyway_button.clicked.connect(self._save)
        self.session_button.clicked.connect(self._keep_for_session)
        cancel.clicked.connect(self.reject)
        self._busy = False
        self._checked: Credits | None = None
        self.save_anyway_button.hide()
        status = self.keys.status()
        self.session_button.setVisible(not status.usable)
        if not status.usable:
            self._say(status.message + " You can still use a key for this session only.")
            self.save_button.setText("Check and use for this session")
        self.field.setFocus()

    # -- steps ----------------------------------------------------------------------

    def key(self) -> str:
        return self.field.text().strip()

    def accept(self) -> None:  # Enter in the field
        self._check()

    def _check(self) -> None:
        key = self.key()
        if not key:
            self._say("Paste your key first.")
            return
        if self._busy:
            return
        self._set_busy(True, "Checking the key with Segmind…")
        self._tasks.start(self._check_key(key), "check the key")

    async def _check_key(self, key: str) -> None:
        try:
            credits = await check_key(self.clients, self._executors.io, key)
        except Exception as error:  # (shown in the dialog, whatever it is)
            self._on_failed(error)
        else:
            self._on_checked(credits)

    def _on_checked(self, credits: Credits | None) -> None:
        self._set_busy(False)
        self._checked = credits
        if self.keys.status().usable:
            self._save()
        else:
            self._keep_for_session()

    def _on_failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, AuthError):
            self._say(
                "Segmind rejected this key (401). Check that you copied all of it, or "
                "create a new key in the Segmind console."
            )
            self.field.setFocus()
            self.field.selectAll()
            return
        text = error.user_message if isinstance(error, SegmindError) else "The check failed."
        if not isinstance(error, SegmindError):
            log.error("key check crashed", exc_info=error)
        self._say(f"The key could not be checked: {text} You can save it anyway.")
        self.save_anyway_button.show()

    def _save(self) -> None:
        key = self.key()
        if not key:
            self._say("Paste your key first.")
            return
        self._set_busy(True, "Saving the key in your keyring…")
        self._tasks.start(self._save_key(key), "save the key")

    async def _save_key(self, key: str) -> None:
        try:
            await self._executors.run(self.keys.save, key)
        except Exception as error:  # (shown in the dialog, whatever it is)
            self._on_save_failed(error)
        else:
            self._on_saved()

    def _on_saved(self) -> None:
        self._set_busy(False)
        self.key_saved.emit(self._checked)
        super().accept()

    def _on_save_failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, KeyringUnavailable):
            self._say(error.status.message + " You can use the key for this session only.")
        else:
            log.error("saving the key crashed", exc_info=error)
            self._say("The key could not be saved. You can use it for this session only.")
        self.session_button.show()

    def _keep_for_session(self) -> None:
        key = self.key()
        if not key:
            self._say("Paste your key first.")
            return
        self.keys.keep_for_session(key)
        self.key_saved.emit(self._checked)
        super().accept()

    # -- helpers --------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for widget in (self.field, self.save_button, self.save_anyway_button, self.session_button):
            widget.setEnabled(not busy)
        if text:
            self._say(text)

    def _toggle_visible(self, visible: bool) -> None:
        self.field.setEchoMode(
            QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        )
        self.show_action.setText("Hide" if visible else "Show")
