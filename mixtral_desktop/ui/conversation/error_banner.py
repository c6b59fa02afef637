"""An error inside a tab: one clear sentence and the button that fixes it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from mixtral_desktop.core.segmind.errors import BILLING_URL, Action, SegmindError
from mixtral_desktop.core.services.rejections import field_list
from mixtral_desktop.ui.theme.current import styled
from mixtral_desktop.ui.theme.palette import banner_style

ACTION_LABELS = {
    Action.RETRY: "Retry",
    Action.SET_KEY: "Set API key…",
    Action.BILLING: "Open billing page",
}


class ErrorBanner(QFrame):
    """Hidden until :meth:`show_error`; emits the action the user picked."""

    retry_requested = Signal()
    continue_requested = Signal()
    set_key_requested = Signal()
    send_without_requested = Signal(list)  # the request fields to leave out from now on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error_banner")
        self.setAccessibleName("Error")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        styled(self, lambda p: banner_style("error_banner", p.error))
        self.message = QLabel(self)
        self.message.setObjectName("error_message")
        self.message.setWordWrap(True)
        flags = Qt.TextInteractionFlag
        self.message.setTextInteractionFlags(
            flags.TextSelectableByMouse | flags.LinksAccessibleByMouse
        )
        self.message.setOpenExternalLinks(True)
        self.action_button = QPushButton(self)
        self.action_button.setObjectName("error_action")
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName("error_retry")
        self.continue_button = QPushButton("Continue", self)
        self.continue_button.setObjectName("error_continue")
        self.continue_button.setToolTip("Ask Mixtral to carry on from where the reply stopped")
        self.without_button = QPushButton(self)
        self.without_button.setObjectName("error_send_without")
        self.without_button.hide()
        self._without: list[str] = []
        self.without_button.clicked.connect(
            lambda: self.send_without_requested.emit(list(self._without))
        )
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setObjectName("error_dismiss")
        self.close_button.setAccessibleName("Dismiss error")
        self.close_button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.without_button)
        layout.addWidget(self.action_button)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.continue_button)
        layout.addWidget(self.close_button)
        self._action = Action.NONE
        self.action_button.clicked.connect(self._on_action)
        self.retry_button.clicked.connect(self.retry_requested)
        self.continue_button.clicked.connect(self.continue_requested)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    @property
    def action(self) -> Action:
        return self._action

    def show_error(
        self,
        error: SegmindError,
        *,
        can_retry: bool = True,
        can_continue: bool = False,
        without: Sequence[str] = (),
    ) -> None:
        """Say what went wrong; ``without`` names the request fields Segmind refused
        (the banner then offers "Send without <fields>")."""
        self._action = error.action
        text = error.user_message
        if error.action is Action.BILLING:
            text += f' <a href="{BILLING_URL}">Segmind billing</a>'
        self.message.setText(text)
        self.message.setAccessibleDescription(error.user_message)
        label = ACTION_LABELS.get(error.action)
        self.action_button.setVisible(label is not None and error.action is not Action.RETRY)
        if label is not None:
            self.action_button.setText(label)
            self.action_button.setAccessibleName(label)
        # Retry stays available whatever the cause: the user's message is still there.
        self.retry_button.setVisible(can_retry)
        self.continue_button.setVisible(can_continue)
        self._without = list(without)
        if without:
            label = f"Send without {field_list(without)}"
            self.without_button.setText(label)
            self.without_button.setAccessibleName(label)
        self.without_button.setVisible(bool(without))
        self.show()

    def _on_action(self) -> None:
        if self._action is Action.SET_KEY:
            self.set_key_requested.emit()
        elif self._action is Action.BILLING:
            QDesktopServices.openUrl(QUrl(BILLING_URL))
