"""A bar offering Undo for a few seconds after something was deleted."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from mixtral_desktop.ui.theme.current import styled

UNDO_SECONDS = 10
"""How long Undo is offered."""


class UndoBar(QFrame):
    """"Deleted …" with an Undo button and a dismiss cross; ``name`` prefixes the object
    names of its parts (``<name>_bar``, ``<name>``, ``<name>_message``, ``<name>_dismiss``)."""

    undo_clicked = Signal()
    closed = Signal()  # timed out or dismissed: the chance to undo is gone

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_bar")
        self.setAccessibleName("Undo delete")
        styled(self, lambda p: (
            f"#{name}_bar {{ background: {p.caution.background}; border: 1px solid"
            f" {p.caution.border}; border-radius: 6px; margin: 6px; }}"
            f"#{name}_bar QLabel {{ color: {p.caution.text}; }}"
            f"#{name} {{ padding: 2px 10px; }}"
        ))
        self.message = QLabel(self)
        self.message.setObjectName(f"{name}_message")
        self.message.setWordWrap(True)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName(name)
        self.undo_button.setAccessibleName("Undo delete")
        self.dismiss_button = QToolButton(self)
        self.dismiss_button.setObjectName(f"{name}_dismiss")
        self.dismiss_button.setText("✕")
        self.dismiss_button.setAccessibleName("Dismiss")
        self.dismiss_button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.setSpacing(6)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.dismiss_button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(UNDO_SECONDS * 1000)
        self.timer.timeout.connect(self.dismiss)
        self.undo_button.clicked.connect(self.undo_clicked)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.hide()

    def offer(self, text: str) -> None:
        """Show ``text`` with Undo, for :data:`UNDO_SECONDS`."""
        self.message.setText(text)
        self.show()
        self.timer.start()

    def dismiss(self) -> None:
        self.timer.stop()
        self.hide()
        self.closed.emit()
