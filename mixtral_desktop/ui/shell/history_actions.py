"""The History menu: the panel (Ctrl+B), search (Ctrl+Shift+F), export and import."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

if TYPE_CHECKING:
    from mixtral_desktop.ui.history.search_dialog import SearchDialog
    from mixtral_desktop.ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)


class HistoryActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.search_dialog: SearchDialog | None = None
        menu = window.menuBar().addMenu("&History")
        toggle = window.history.toggleViewAction()
        toggle.setText("History panel")
        toggle.setShortcut(QKeySequence("Ctrl+B"))
        toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        menu.addAction(toggle)
        window.addAction(toggle)
        self.toggle_panel = toggle
        self.search_action = self._add(menu, "Search all chats…", self.open_search, "Ctrl+Shift+F")
        menu.addSeparator()
        self._add(menu, "Export chat as Markdown…", lambda: self.export("md"))
        self._add(menu, "Export chat as JSON…", lambda: self.export("json"))
        self._add(menu, "Import chat from JSON…", self.import_json)

    def _add(self, menu: object, text: str, slot: object, shortcut: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        self.window.addAction(action)
        return action

    def open_search(self) -> SearchDialog:
        if self.search_dialog is None:
            # Imported on first use: the window's first frame does not need it.
            from mixtral_desktop.core.storage.search import SearchIndex
            from mixtral_desktop.ui.history.search_dialog import SearchDialog

            self.search_dialog = SearchDialog(SearchIndex(self.window.store.path), self.window)
            self.search_dialog.hit_chosen.connect(self.window.open_conversation)
        self.search_dialog.open()
        return self.search_dialog

    def export(self, kind: str) -> None:
        window = self.window
        tab = window.current_tab()
        suffix, label = (".json", "JSON (*.json)") if kind == "json" else (".md", "Markdown (*.md)")
        name = window.session.title(tab).replace("/", "-") + suffix
        path, _ = QFileDialog.getSaveFileName(window, "Export chat", name, label)
        if not path:
            return
        try:
            window.session.export(tab, Path(path), kind)
        except OSError as error:
            QMessageBox.warning(window, "Export chat", f"Could not write the file: {error}")

    def import_json(self) -> None:
        window = self.window
        path, _ = QFileDialog.getOpenFileName(window, "Import chat", "", "JSON (*.json)")
        if not path:
            return
        try:
            conversation_id = window.session.import_json(Path(path))
        except (OSError, ValueError) as error:
            QMessageBox.warning(window, "Import chat", f"This file cannot be imported: {error}")
            return
        window.open_conversation(conversation_id)
