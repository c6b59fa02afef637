"""The choice Send offers when a request is longer than the model's window: leave out the
oldest messages (they stay in the chat, they are not sent) or Cancel. Never a silent
failure: the request was not sent, the banner says so, and Retry asks again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from mixtral_desktop.ui.conversation.context_guard import Verdict, leave_out_text, over_window_text


def ask_over_window(
    parent: QWidget, verdict: Verdict, leave_out: Callable[[int], None]
) -> QMessageBox:
    """Show the choice (window-modal, not blocking the event loop); ``leave_out(row)``
    when the user takes it: send from ``row`` on."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per Send: none piles up
    box.setObjectName("over_window_dialog")
    box.setWindowTitle("The request is too long")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setText(over_window_text(verdict))
    if verdict.first_row is None or verdict.leave_out is None:
        box.setInformativeText(
            "Even without the older messages it does not fit: shorten your message or the "
            "chat's instructions and examples, or lower max_tokens."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Close)
    else:
        count, first_row = verdict.leave_out, verdict.first_row
        noun = "they stay" if count != 1 else "it stays"
        box.setInformativeText(
            f"{leave_out_text(count)} ({noun} in the chat, not sent to the model)?"
        )
        button = box.addButton(leave_out_text(count), QMessageBox.ButtonRole.AcceptRole)
        button.setObjectName("leave_out_button")
        button.setAccessibleName(leave_out_text(count))
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setObjectName("over_window_cancel")
        box.setDefaultButton(button)
        box.setEscapeButton(cancel)
        button.clicked.connect(lambda: leave_out(first_row))
    box.setAccessibleName("The request is too long")
    box.setAccessibleDescription(over_window_text(verdict))
    box.open()
    return box
