"""The attachments' dialogs: a document's text (or a message as sent), a PDF's password,
which pages or lines to keep, and whether a long paste becomes a document."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


class TextViewer(QDialog):
    """Read-only text, selectable and searchable with the keyboard; Esc closes."""

    def __init__(self, title: str, intro: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("text_viewer")
        self.setWindowTitle(title)
        self.resize(760, 560)
        label = QLabel(intro, self)
        label.setObjectName("text_viewer_intro")
        label.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("text_viewer_text")
        self.text.setAccessibleName(title)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)


def show_text(parent: QWidget, title: str, intro: str, text: str) -> TextViewer:
    """Open a :class:`TextViewer` (not modal: the chat stays usable beside it)."""
    viewer = TextViewer(title, intro, text, parent)
    viewer.open()
    return viewer


def ask_password(
    parent: QWidget, name: str, wrong: bool, answered: Callable[[str | None], None]
) -> QInputDialog:
    """Ask for the password of the PDF ``name``; ``answered(password)`` (None: the user
    cancelled). Window-modal, opened, not exec'd: the event loop keeps running."""
    prompt = (f"The password for {name} is wrong. Try again:" if wrong
              else f"{name} is protected by a password. Enter it to read the file:")
    dialog = QInputDialog(parent)
    dialog.setObjectName("pdf_password_dialog")
    dialog.setWindowTitle("Password needed")
    dialog.setLabelText(prompt)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText("Read")
    dialog.finished.connect(
        lambda result: answered(dialog.textValue() if result == QDialog.DialogCode.Accepted.value
                                else None))
    dialog.open()
    return dialog


def offer_long_paste(parent: QWidget, chars: int, answered: Callable[[bool], None]) -> QMessageBox:
    """Ask whether a paste of ``chars`` characters becomes an attached document;
    ``answered(True)`` for a document, ``answered(False)`` to paste it as text."""
    box = QMessageBox(parent)
    box.setObjectName("long_paste_dialog")
    box.setWindowTitle("Long text")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(f"This text is {chars:,} characters long. Attach it as a document instead"
                " of putting it in the message?")
    box.setInformativeText("Attached, it is sent with your message just the same, and the"
                           " message box stays easy to read.")
    attach = box.addButton("Attach as document", QMessageBox.ButtonRole.AcceptRole)
    attach.setObjectName("long_paste_attach")
    paste = box.addButton("Paste into the message", QMessageBox.ButtonRole.RejectRole)
    paste.setObjectName("long_paste_paste")
    box.setDefaultButton(attach)
    box.setEscapeButton(paste)
    box.finished.connect(lambda _result: answered(box.clickedButton() is attach))
    box.open()
    return box


class KeepPartDialog(QDialog):
    """"Keep pages 1 to 40 of 300" (a PDF) or "lines 1 to 2,000 of 9,000"."""

    def __init__(self, name: str, unit: str, total: int, suggested: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keep_part_dialog")
        self.setWindowTitle(f"Keep part of {name}")
        intro = QLabel(f"{name} has {total:,} {unit}. Keep only these {unit} (the rest"
                       " is not sent):", self)
        intro.setWordWrap(True)
        self.first = QSpinBox(self)
        self.first.setObjectName("keep_first")
        self.first.setAccessibleName(f"First of the {unit} to keep")
        self.last = QSpinBox(self)
        self.last.setObjectName("keep_last")
        self.last.setAccessibleName(f"Last of the {unit} to keep")
        for box in (self.first, self.last):
            box.setRange(1, max(total, 1))
            box.setGroupSeparatorShown(True)
        self.first.setValue(1)
        self.last.setValue(max(1, min(suggested, total)))
        form = QFormLayout()
        form.addRow(f"From {unit[:-1]}:", self.first)
        form.addRow(f"To {unit[:-1]}:", self.last)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Keep")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.first.valueChanged.connect(lambda v: self.last.setMinimum(v))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> tuple[int, int]:
        return self.first.value(), self.last.value()
