"""The notice shown when the history file could not be opened and was set aside."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def tell_database_moved(parent: QWidget, moved_to: Path) -> QMessageBox:
    """Say (window-modal, not blocking) where the unreadable history file was kept."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, "History could not be read",
        "The history database could not be opened, so a fresh one was started. The "
        f"old file was kept, not deleted:\n\n{moved_to}",
        QMessageBox.StandardButton.Ok, parent,
    )
    box.setObjectName("database_moved_dialog")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
