"""The strip above a chat's conversation: its instructions ("Instructions: …", one line
until expanded, so the user always sees what steers the chat), the preset it follows
(a badge, while its settings still match), and the button that opens its settings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.ui.theme.current import styled

SETTINGS_KEYS = "Ctrl+Shift+,"


class _Instructions(QLabel):
    """One elided line, or the whole text when expanded."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("instructions_text")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full = ""
        self.expanded = False

    def show_text(self, text: str, expanded: bool) -> None:
        self.full, self.expanded = text, expanded
        self.setWordWrap(expanded)
        self.setAccessibleName(text)
        self.setToolTip(text if not expanded else "")
        self._refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refresh()

    def _refresh(self) -> None:
        if self.expanded:
            self.setText(self.full)
            return
        line = " ".join(self.full.split())
        shown = self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, self.width())
        if shown != self.text():
            self.setText(shown)


class ChatHeader(QFrame):
    """Instructions, preset badge and the Chat settings button of one chat."""

    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_header")
        styled(self, lambda p: (
            f"#instructions_toggle, #instructions_text {{ color: {p.instructions.text}; }}"
            f"#chat_header[instructions=\"true\"] {{ background: {p.instructions.background};"
            f" border-bottom: 1px solid {p.instructions.border}; }}"
            f"#preset_badge {{ background: {p.badge.background}; color: {p.badge.text};"
            f" border: 1px solid {p.badge.border}; border-radius: 8px; padding: 0 6px; }}"
        ))
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("instructions_toggle")
        self.toggle.setAutoRaise(True)
        self.toggle.setCheckable(True)
        self.instructions = _Instructions(self)
        self.badge = QLabel(self)
        self.badge.setObjectName("preset_badge")
        self.settings_button = QToolButton(self)
        self.settings_button.setObjectName("chat_settings_button")
        self.settings_button.setText("⚙ Chat settings")
        self.settings_button.setAccessibleName("Chat settings")
        self.settings_button.setToolTip(
            f"This chat's instructions and parameters ({SETTINGS_KEYS})"
        )
        self.settings_button.setAutoRaise(True)
        self.settings_button.setCheckable(True)
        self.settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(4)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.instructions, 1)
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        self.toggle.toggled.connect(self._on_toggled)
        self.settings_button.clicked.connect(self.settings_requested)
        self._system = ""
        self.show_settings(ChatSettings(), None)

    def show_settings(self, settings: ChatSettings, preset_name: str | None) -> None:
        """What steers the chat now; ``preset_name`` when it still matches its preset."""
        self._system = settings.system.strip()
        has = bool(self._system)
        self.setProperty("instructions", has)
        self.style().unpolish(self)
        self.style().polish(self)
        self.toggle.setVisible(has)
        self.instructions.setVisible(has)
        if not has:
            self.toggle.setChecked(False)
        self._on_toggled(self.toggle.isChecked())
        self.badge.setText(preset_name or "")
        self.badge.setVisible(bool(preset_name))
        self.badge.setAccessibleName(f"Preset: {preset_name}" if preset_name else "")
        self.badge.setToolTip(
            f"This chat follows the preset “{preset_name}”" if preset_name else ""
        )

    def _on_toggled(self, expanded: bool) -> None:
        self.toggle.setText("▾" if expanded else "▸")
        self.toggle.setAccessibleName("Hide instructions" if expanded else "Show instructions")
        self.instructions.show_text(f"Instructions: {self._system}", expanded)
