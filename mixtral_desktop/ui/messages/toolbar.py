"""The small toolbar laid over the message under the pointer (or the keyboard's current
message): Copy, Edit, Regenerate, Continue, Delete. (The version switcher "‹ 2/3 ›" is
painted on the row itself, always; the context menu has its actions too.)

Its buttons take no focus (the keyboard path is the context menu, Shift+F10 or the Menu
key, and the shortcuts); each has an accessible name and a tooltip.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QMenu, QToolButton, QWidget

from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.message_actions import ACTION_LABELS, MessageActions
from mixtral_desktop.ui.messages.painter import Fonts
from mixtral_desktop.ui.messages.row_controls import row_rect, toolbar_place
from mixtral_desktop.ui.theme.current import styled

# What each button shows (a glyph; its name where the font has no such glyph) and says
# (its accessible name and tooltip).
BUTTONS: dict[str, tuple[str, str]] = {
    "copy": ("❐", "Copy"),
    "edit": ("✎", ACTION_LABELS["edit"]),
    "regenerate": ("↻", ACTION_LABELS["regenerate"]),
    "continue": ("⇥", ACTION_LABELS["continue"]),
    "delete": ("✖", ACTION_LABELS["delete"]),
}
TIPS = {
    "copy": "Copy the message as Markdown (the arrow: as plain text)",
    "edit": "Edit: a new version of this message",
    "regenerate": "Regenerate: a new version of this reply (Ctrl+Shift+R for the last one)",
    "continue": "Continue the reply from where it stopped",
    "delete": "Delete this message and the turns after it (Undo is offered)",
}


class MessageToolbar(QWidget):
    """Floats over one row of ``view``'s viewport: the row under the pointer, or the
    keyboard's current row while the view has the focus; hidden while scrolling."""

    def __init__(
        self, actions: MessageActions, view: QAbstractItemView, delegate: MessageDelegate
    ) -> None:
        super().__init__(view.viewport())
        self._view = view
        self._delegate = delegate
        self.setObjectName("message_toolbar")
        self.setAccessibleName("Message actions")
        self.setAutoFillBackground(False)
        self._actions = actions
        self._row = -1
        self.buttons: dict[str, QToolButton] = {}  # built on the first show (memory)
        self.hide()
        view.entered.connect(self._on_entered)
        view.verticalScrollBar().valueChanged.connect(self.hide)
        model = view.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self.hide)
        selection = view.selectionModel()
        if selection is not None:
            selection.currentChanged.connect(self._on_current_changed)

    def _build(self) -> None:
        """The buttons: made the first time the toolbar shows (a tab never hovered, most
        of a restored session, never pays for them)."""
        styled(self, lambda p: (
            f"#message_toolbar QToolButton {{ color: {p.muted}; border: none;"
            " padding: 0 3px; }"
            f"#message_toolbar QToolButton:hover {{ color: {p.text};"
            f" background: {p.row_hover}; border-radius: 3px; }}"
        ))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        metrics = QFontMetrics(self.font())
        for name, (glyph, label) in BUTTONS.items():
            button = QToolButton(self)
            button.setObjectName(f"message_{name}")
            button.setText(glyph if metrics.inFontUcs4(ord(glyph)) else label)
            button.setAccessibleName(label)
            button.setToolTip(TIPS[name])
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoRaise(True)
            button.clicked.connect(partial(self._clicked, name))
            layout.addWidget(button)
            self.buttons[name] = button
        copy_menu = QMenu(self.buttons["copy"])
        copy_menu.addAction("Copy as Markdown", lambda: self._clicked("copy"))
        copy_menu.addAction("Copy as plain text", lambda: self._clicked("copy_plain"))
        self.buttons["copy"].setMenu(copy_menu)
        self.buttons["copy"].setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

    def row(self) -> int:
        """The row it acts on (-1 while hidden)."""
        return self._row if self.isVisible() else -1

    def show_for(self, row: int) -> None:
        """Act on ``row`` and sit on its label line, left of its switcher and time."""
        view = self._view
        if not 0 <= row < view.model().rowCount():
            self.hide()
            return
        index = view.model().index(row, 0)
        place = toolbar_place(
            self._delegate, Fonts.from_font(view.font()), row_rect(view, index), index
        )
        if place is None:
            self.hide()
            return
        label, right = place
        if not self.buttons:
            self._build()
        self._row = row
        available = set(self._actions.available(row))
        for name, button in self.buttons.items():
            button.setVisible(name == "copy" or name in available)
        self.adjustSize()
        size = self.sizeHint()
        top = label.center().y() - size.height() // 2
        self.setGeometry(QRect(right - size.width(), top, size.width(), size.height()))
        self.show()
        self.raise_()

    def _on_entered(self, index: QModelIndex) -> None:
        if self._view.isVisible() and index.isValid():
            self.show_for(index.row())

    def _on_current_changed(
        self, current: QModelIndex | QPersistentModelIndex, _previous: object
    ) -> None:
        if self._view.hasFocus() and current.isValid():
            self.show_for(current.row())

    def _clicked(self, name: str) -> None:
        if self._row >= 0:
            self._actions.trigger(name, self._row)
