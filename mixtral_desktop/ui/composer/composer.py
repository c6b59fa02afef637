"""The composer: a role selector, a multi-line input, a Send / Stop button and the
context meter under them.

It also edits a message already sent: :meth:`Composer.begin_edit` puts the message's text
in the box (the draft is kept aside) under an "Editing…" bar; Enter gives the new text
(:attr:`Composer.edit_submitted`), Escape or Cancel restores the draft. Up in an empty
box asks to edit the last user message (:attr:`Composer.edit_last_requested`).
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.ui.composer.context_meter import ContextMeter
from mixtral_desktop.ui.theme.current import styled

ROLE_LABELS = {Role.USER: "User", Role.ASSISTANT: "Assistant", Role.SYSTEM: "System"}
ROLE_HINTS = {
    Role.USER: "Message Mixtral…  (Enter sends, Shift+Enter for a new line)",
    Role.ASSISTANT: "Write an assistant turn as an example (added, not sent)…",
    Role.SYSTEM: "Write a system instruction (added, not sent)…",
}
LONG_PASTE_CHARS = 5_000
"""A paste longer than this is offered as an attached document."""
MIN_LINES = 2
MAX_LINES = 10


class _Input(QPlainTextEdit):
    """Plain text only (a 10 MB paste stays fast); Enter / Ctrl+Enter submit. Pasted
    files, and a text over :data:`LONG_PASTE_CHARS`, are handed on, not inserted."""

    submit = Signal()
    escape = Signal()
    up_when_empty = Signal()
    files_pasted = Signal(list)  # list[str]: local paths
    long_text_pasted = Signal(str)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return _files(source) != [] or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = _files(source)
        if files:
            self.files_pasted.emit(files)
            return
        if source.hasText() and len(source.text()) > LONG_PASTE_CHARS:
            self.long_text_pasted.emit(source.text())
            return
        super().insertFromMimeData(source)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key == Qt.Key.Key_Up and not mods and self.document().isEmpty():
            self.up_when_empty.emit()
            return
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


def _files(source: QMimeData) -> list[str]:
    if not source.hasUrls():
        return []
    return [url.toLocalFile() for url in source.urls() if url.isLocalFile()]


class EditBar(QFrame):
    """"Editing the user message: Enter sends it as a new version" and Cancel."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("edit_bar")
        self.setAccessibleName("Editing a message")
        styled(self, lambda p: (
            f"#edit_bar {{ background: {p.notice.background}; border: 1px solid"
            f" {p.notice.border}; border-radius: 4px; }}"
            f" #edit_bar QLabel {{ color: {p.notice.text}; }}"
        ))
        self.label = QLabel(self)
        self.label.setObjectName("edit_message")
        self.label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("edit_cancel")
        self.cancel_button.setAccessibleName("Cancel edit")
        self.cancel_button.setToolTip("Stop editing; the draft comes back (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.hide()


EDIT_TEXTS = {
    Role.USER: "Editing your message: Enter sends it as a new version, Esc cancels.",
    Role.SYSTEM: "Editing the system message: Enter sends the chat with it as a new"
    " version, Esc cancels.",
    Role.ASSISTANT: "Editing the reply: Enter saves it as a new version (not sent),"
    " Esc cancels.",
}


class Composer(QWidget):
    """Emits :attr:`send_requested` (role, text) and :attr:`stop_requested`."""

    send_requested = Signal(Role, str)
    stop_requested = Signal()
    edit_submitted = Signal(str)  # the new text of the message being edited
    edit_last_requested = Signal()  # Up in the empty box
    attach_requested = Signal()  # the Attach button

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

        self.attach_button = QPushButton("Attach…", self)
        self.attach_button.setObjectName("attach_button")
        self.attach_button.setAccessibleName("Attach files")
        self.attach_button.setToolTip("Attach files: text, code, PDF, Word (Ctrl+U)")
        self.attach_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogStart))
        self._documents = 0  # documents attached to the draft: sendable without text

        self._edit_bar: EditBar | None = None  # made on the first edit

        side = QVBoxLayout()
        side.addWidget(self.role_selector)
        side.addStretch(1)
        side.addWidget(self.send_button)
        row = QHBoxLayout()
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.input, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(row)
        self.meter = ContextMeter(self)
        """How full the model's window would be if the draft were sent now."""
        layout.addWidget(self.meter)
        self._layout = layout
        # Tab goes as the eye does: Attach, the message, its role, Send, the count.
        chain = (self.attach_button, self.input, self.role_selector, self.send_button,
                 self.meter.label)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        self._busy = False
        self._kept_draft: tuple[str, Role] | None = None  # while editing a message
        self.input.submit.connect(self._on_submit)
        self.input.escape.connect(self._on_escape)
        self.input.up_when_empty.connect(self.edit_last_requested)
        self.send_button.clicked.connect(self._on_button)
        self.attach_button.clicked.connect(self.attach_requested)
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

    def set_documents(self, count: int) -> None:
        """How many documents the draft has: with one, Send needs no text."""
        self._documents = count
        self._update_state()

    def set_busy(self, busy: bool) -> None:
        """While a reply is in flight the button reads Stop."""
        self._busy = busy
        self._set_button()

    def _set_button(self) -> None:
        busy = self._busy
        label = "Stop" if busy else ("Save" if self.is_editing() and self.role() is
                                     Role.ASSISTANT else "Send")
        self.send_button.setText(label)
        self.send_button.setAccessibleName(label)
        self.send_button.setToolTip(
            "Stop the reply (Esc)" if busy else f"{label} (Enter or Ctrl+Enter)"
        )
        self._update_state()

    def is_busy(self) -> bool:
        return self._busy

    def focus_input(self) -> None:
        self.input.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- editing a message --------------------------------------------------------

    @property
    def edit_bar(self) -> EditBar:
        """The "Editing…" bar above the box, made on the first edit."""
        if self._edit_bar is None:
            self._edit_bar = EditBar(self)
            self._edit_bar.cancel_button.clicked.connect(self.cancel_edit)
            self._layout.insertWidget(0, self._edit_bar)
        return self._edit_bar

    def is_editing(self) -> bool:
        return self._kept_draft is not None

    def draft(self) -> tuple[str, Role]:
        """The draft to keep: while editing, the one put aside (the edit is not a draft)."""
        if self._kept_draft is not None:
            return self._kept_draft
        return self.text(), self.role()

    def begin_edit(self, text: str, role: Role) -> None:
        """Edit a message of ``role`` whose text is ``text``; the draft is kept aside."""
        if self._kept_draft is None:
            self._kept_draft = (self.text(), self.role())
        self.set_role(role)
        self.role_selector.setEnabled(False)
        self.edit_bar.label.setText(EDIT_TEXTS[role])
        self.edit_bar.show()
        self.set_text(text)
        cursor = self.input.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.input.setTextCursor(cursor)
        self._set_button()
        self.focus_input()

    def end_edit(self) -> None:
        """Stop editing: the draft put aside comes back."""
        kept, self._kept_draft = self._kept_draft, None
        if self._edit_bar is not None:
            self._edit_bar.hide()
        self.role_selector.setEnabled(True)
        if kept is not None:
            self.set_text(kept[0])
            self.set_role(kept[1])
        self._set_button()
        self.focus_input()

    def cancel_edit(self) -> None:
        self.end_edit()

    # -- internals --------------------------------------------------------------

    def _has_text(self) -> bool:
        if self._documents and self.role() is Role.USER and not self.is_editing():
            return True  # (the documents alone are a message)
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
        if not self._has_text():
            return
        if self.is_editing():
            self.edit_submitted.emit(text)
            return
        if self._busy and self.role() is Role.USER:
            return  # one reply at a time per tab; the text stays in the box
        self.send_requested.emit(self.role(), text)

    def _on_escape(self) -> None:
        if self.is_editing():
            self.cancel_edit()
        else:
            self.stop_requested.emit()

    def _on_role_changed(self) -> None:
        self.input.setPlaceholderText(ROLE_HINTS[self.role()])

    def _fit_height(self) -> None:
        lines = min(max(self.input.document().blockCount(), MIN_LINES), MAX_LINES)
        metrics = QFontMetrics(self.input.font())
        margins = self.input.contentsMargins()
        frame = int(self.input.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.input.setFixedHeight(lines * metrics.lineSpacing() + frame + 4)
