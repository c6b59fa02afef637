"""Real, selectable text laid over one painted message.

The delegate paints messages; painted text cannot be selected or clicked. The
conversation view opens one :class:`MessageBrowser` (as a persistent editor) on
the message under the mouse, exactly over the painted text and with the same
document settings, so the user can select, press Ctrl+C and click links.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QFrame, QTextBrowser, QTextEdit, QWidget

from mixtral_desktop.ui.text.document import configure_document
from mixtral_desktop.ui.text.renderer import MarkdownRenderer
from mixtral_desktop.ui.theme.current import PALETTE


class MessageBrowser(QTextBrowser):
    """A frameless, read-only browser showing one message's Markdown."""

    def __init__(
        self, parent: QWidget | None, font: QFont, background: QColor,
        renderer: MarkdownRenderer,
    ) -> None:
        super().__init__(parent)
        self._renderer = renderer
        self.setObjectName("messageText")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFont(font)
        configure_document(self.document(), font)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, background)
        palette.setColor(QPalette.ColorRole.Text, QColor(PALETTE.text))
        self.setPalette(palette)
        self.viewport().setAutoFillBackground(True)
        self._source: str | None = None

    @property
    def source_text(self) -> str | None:
        """The Markdown currently shown."""
        return self._source

    def show_markdown(self, text: str, html: str | None = None) -> None:
        """Show ``text``; does nothing if it is already shown (keeps the selection).

        ``html``: the renderer's HTML of ``text`` when the caller has it already (the pieces
        of the painted row, joined: a 100 KB reply then opens in ~70 ms, not ~110).
        """
        if text == self._source:
            return
        self._source = text
        self.setHtml(html if html is not None else self._renderer.render(text))

    def selected_text(self) -> str:
        """The selection as plain text with ordinary newlines."""
        return self.textCursor().selectedText().replace("\u2029", "\n").replace("\u2028", "\n")
