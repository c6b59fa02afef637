"""The composer: a role selector, a multi-line input and a Send / Stop button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.conversation import Role

ROLE_LABELS = {Role.USER: "User", Role.ASSISTANT: "Assistant", Role.SYSTEM: "System"}
ROLE_HINTS = {
    Role.USER: "Message Mixtral…  (Enter sends, Shift+Enter for a new line)",
    Role.ASSISTANT: "Write an assistant turn as an example (added, not sent)…",
    Role.SYSTEM: "Write a system instruction (added, not sent)…",
}
MIN_LINES = 2
MAX_LINES = 10


class _Input(QPlainTextEdit):
    """Plain text only (a 10 MB paste stays fast); Enter / Ctrl+Enter submit."""

    submit = Signal()
    escape = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            allowed = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier
            if not mods & ~allowed:
                self.submit.emit()
                return
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Emits :attr:`send_requested` (role, text) and :attr:`stop_requested`."""

    send_requested = Signal(Role, str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer_area")
        self.role_selector = QComboBox(self)
        self.role_selector.setObjectName("role_selector")
        self.role_selector.setAccessibleName("Role of the next message")
        self.role_selector.setToolTip(
            "User messages are sent to Mixtral; assistant and system messages are only added "
            "to the conversation"
        )
        for role, label in ROLE_LABELS.items():
            self.role_selector.addItem(label, role.value)
        self.input = _Input(self)
        self.input.setObjectName("composer")
        self.input.setAccessibleName("Message")
        self.input.setTabChangesFocus(True)
        self.input.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("send_button")
        self.send_button.setAccessibleName("Send")
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send (Enter or Ctrl+Enter)")

        side = QVBoxLayout()
        side.addWidget(self.role_selector)
        side.addStretch(1)
        side.addWidget(self.send_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(self.input, 1)
        layout.addLayout(side)

        self._busy = False
        self.input.submit.connect(self._on_submit)
        self.input.escape.connect(self.stop_requested)
        self.send_button.clicked.connect(self._on_button)
        self.input.textChanged.connect(self._update_state)
        self.input.document().blockCountChanged.connect(self._fit_height)
        self.role_selector.currentIndexChanged.connect(self._on_role_changed)
        self._on_role_changed()
        self._fit_height()
        self._update_state()

    # -- public -----------------------------------------------------------------

    def role(self) -> Role:
        return Role(self.role_selector.currentData())

    def set_role(self, role: Role) -> None:
        self.role_selector.setCurrentIndex(self.role_selector.findData(role.value))

    def text(self) -> str:
        return self.input.toPlainText()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)

    def clear(self) -> None:
        self.input.clear()

    def set_busy(self, busy: bool) -> None:
        """While a reply is in flight the button reads Stop."""
        self._busy = busy
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setAccessibleName("Stop" if busy else "Send")
        self.send_button.setToolTip(
            "Stop the reply (Esc)" if busy else "Send (Enter or Ctrl+Enter)"
        )
        self._update_state()

    def is_busy(self) -> bool:
        return self._busy

    def focus_input(self) -> None:
        self.input.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- internals --------------------------------------------------------------

    def _has_text(self) -> bool:
        doc = self.input.document()
        # Cheap for a 10 MB paste: only look at the text when it is short.
        if doc.characterCount() > 10_000:
            return True
        return bool(self.text().strip())

    def _update_state(self) -> None:
        self.send_button.setEnabled(self._busy or self._has_text())

    def _on_button(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._on_submit()

    def _on_submit(self) -> None:
        text = self.text()
        if not text.strip():
            return
        if self._busy and self.role() is Role.USER:
            return  # one reply at a time per tab; the text stays in the box
        self.send_requested.emit(self.role(), text)

    def _on_role_changed(self) -> None:
        self.input.setPlaceholderText(ROLE_HINTS[self.role()])

    def _fit_height(self) -> None:
        lines = min(max(self.input.document().blockCount(), MIN_LINES), MAX_LINES)
        metrics = QFontMetrics(self.input.font())
        margins = self.input.contentsMargins()
        frame = int(self.input.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.input.setFixedHeight(lines * metrics.lineSpacing() + frame + 4)
