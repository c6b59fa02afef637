"""What a user can do with one message: copy it (as Markdown, as plain text, a code
block), open its links, edit it, regenerate it, continue it, delete it, switch its
version. The view's context menu, the selectable text's menu and the hover toolbar all
come from here, so an action is defined in one place.

The tree actions are only asked for here (signals with the row); the conversation
controller decides (it may refuse while a reply streams).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QMenu, QWidget

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.messages.reply_details import reply_details
from mixtral_desktop.ui.text.document import configure_document
from mixtral_desktop.ui.text.markdown import COPY_SCHEME, code_blocks
from mixtral_desktop.ui.text.renderer import MarkdownRenderer

OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})


class MessageActions(QObject):
    """The actions on the messages of one :class:`ConversationModel`."""

    code_copied = Signal(str)  # the code of a block the user copied
    link_opened = Signal(QUrl)  # a web link handed to the desktop
    edit_requested = Signal(int)  # row
    regenerate_requested = Signal(int)  # row (an assistant message)
    continue_requested = Signal(int)  # row (a reply cut short)
    delete_requested = Signal(int)  # row (with the turns after it)
    version_requested = Signal(int, int)  # row, step (-1 previous, +1 next)
    send_from_requested = Signal(int)  # row: the first message requests send (0: all)
    view_as_sent_requested = Signal(int)  # row (a message with documents)

    def __init__(
        self, model: ConversationModel, renderer: MarkdownRenderer, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._renderer = renderer

    @property
    def model(self) -> ConversationModel:
        return self._model

    def activate_link(self, row: int, url: QUrl) -> None:
        """Do what clicking ``url`` in message ``row`` means (other schemes: nothing)."""
        if url.scheme() == COPY_SCHEME:
            self.copy_code(row, _block_number(url))
        elif url.scheme() in OPENABLE_SCHEMES:
            QDesktopServices.openUrl(url)
            self.link_opened.emit(url)

    def copy_code(self, row: int, block: int) -> None:
        """Put code block ``block`` of message ``row`` on the clipboard."""
        blocks = code_blocks(self._model.message(row).content)
        if 0 <= block < len(blocks):
            QGuiApplication.clipboard().setText(blocks[block])
            self.code_copied.emit(blocks[block])

    def copy_markdown(self, row: int) -> None:
        """The message's text as written (Markdown) on the clipboard."""
        _copy(self._model.message(row).content)

    def copy_plain(self, row: int) -> None:
        """The message as a reader sees it (no markup) on the clipboard."""
        _copy(plain_text(self._model.message(row).content, self._renderer))

    def available(self, row: int) -> list[str]:
        """The tree actions that apply to message ``row``, in toolbar order."""
        message = self._model.message(row)
        names = ["edit"]
        if message.role is Role.ASSISTANT:
            names.append("regenerate")
        if can_continue(message):
            names.append("continue")
        names.append("delete")
        return names

    def trigger(self, name: str, row: int) -> None:
        """Ask for action ``name`` ("edit", "regenerate", "previous"...) on ``row``."""
        if name == "copy":
            self.copy_markdown(row)
        elif name == "copy_plain":
            self.copy_plain(row)
        elif name == "edit":
            self.edit_requested.emit(row)
        elif name == "regenerate":
            self.regenerate_requested.emit(row)
        elif name == "continue":
            self.continue_requested.emit(row)
        elif name == "delete":
            self.delete_requested.emit(row)
        elif name in ("previous", "next"):
            self.version_requested.emit(row, -1 if name == "previous" else 1)

    def menu(self, row: int, parent: QWidget, selection: str = "") -> QMenu:
        """The context menu of message ``row``; ``selection`` adds a plain Copy."""
        menu = QMenu(parent)
        text = self._model.message(row).content
        if selection:
            menu.addAction("Copy", lambda: _copy(selection))
        menu.addAction("Copy message (Markdown)", partial(self.copy_markdown, row))
        menu.addAction("Copy as plain text", partial(self.copy_plain, row))
        for number in range(len(code_blocks(text))):
            menu.addAction(f"Copy code block {number + 1}", partial(self.copy_code, row, number))
        if self._model.message(row).attachments:
            menu.addAction("View as sent", partial(self.view_as_sent_requested.emit, row))
        menu.addSeparator()
        for name in self.available(row):
            menu.addAction(ACTION_LABELS[name], partial(self.trigger, name, row))
        number, count = self._model.version(row)
        if count > 1:
            menu.addSeparator()
            previous = menu.addAction("Previous version", partial(self.trigger, "previous", row))
            previous.setEnabled(number > 1)
            following = menu.addAction("Next version", partial(self.trigger, "next", row))
            following.setEnabled(number < count)
        left_out = self._model.first_sent_row
        if left_out > 0:
            menu.addSeparator()
            noun = "message" if left_out == 1 else f"{left_out} messages"
            menu.addAction(f"Send everything again (the {noun} left out)",
                           partial(self.send_from_requested.emit, 0))
        details = reply_details(self._model.message(row))
        if details:
            menu.addSection("Details")
            for line in details:
                menu.addAction(line).setEnabled(False)
        return menu


ACTION_LABELS = {
    "edit": "Edit",
    "regenerate": "Regenerate",
    "continue": "Continue",
    "delete": "Delete",
}


def can_continue(message: Message) -> bool:
    """A reply cut short (stopped, dropped, killed) that has text to carry on from."""
    return (
        message.role is Role.ASSISTANT
        and message.state is MessageState.INCOMPLETE
        and bool(message.content)
    )


def plain_text(markdown: str, renderer: MarkdownRenderer) -> str:
    """``markdown`` as the plain text a reader sees (no markup, no copy links)."""
    document = QTextDocument()
    configure_document(document, document.defaultFont())
    document.setHtml(renderer.render(markdown, copy_links=False))
    return document.toPlainText().strip()


def _block_number(url: QUrl) -> int:
    try:
        return int(url.path())
    except ValueError:
        return -1


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
