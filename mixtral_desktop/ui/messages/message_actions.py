"""What a user can do with one message: copy it (as Markdown, as plain text, a code
block), open its links. The view's context menu and the selectable text's menu are
both built here, so a new action (edit, regenerate, delete…) is added in one place.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QMenu, QWidget

from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.text.document import configure_document
from mixtral_desktop.ui.text.markdown import COPY_SCHEME, code_blocks
from mixtral_desktop.ui.text.renderer import MarkdownRenderer

OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})


class MessageActions(QObject):
    """The actions on the messages of one :class:`ConversationModel`."""

    code_copied = Signal(str)  # the code of a block the user copied
    link_opened = Signal(QUrl)  # a web link handed to the desktop

    def __init__(
        self, model: ConversationModel, renderer: MarkdownRenderer, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._renderer = renderer

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

    def menu(self, row: int, parent: QWidget, selection: str = "") -> QMenu:
        """The context menu of message ``row``; ``selection`` adds a plain Copy."""
        menu = QMenu(parent)
        text = self._model.message(row).content
        if selection:
            menu.addAction("Copy", lambda: _copy(selection))
        menu.addAction("Copy message", lambda: _copy(text))
        renderer = self._renderer
        menu.addAction("Copy as plain text", lambda: _copy(plain_text(text, renderer)))
        for number in range(len(code_blocks(text))):
            menu.addAction(f"Copy code block {number + 1}", partial(self.copy_code, row, number))
        return menu


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
