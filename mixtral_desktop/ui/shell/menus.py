"""The window's menus and their shortcuts, one function per menu.

Each takes the window (the actions are its own, so their shortcuts work anywhere in it)
and the slots to call; nothing here knows what the slots do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

Slot = Callable[[], object]
Keys = QKeySequence.StandardKey | str


def add_action(window: QMainWindow, menu: QMenu, text: str, slot: Slot, *keys: Keys) -> QAction:
    action = QAction(text, window)
    shortcuts = [QKeySequence(k) for k in keys]
    if shortcuts:
        action.setShortcuts(shortcuts)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(slot)
    menu.addAction(action)
    window.addAction(action)
    return action


@dataclass(frozen=True)
class ChatSlots:
    new_chat: Slot
    fill_presets: Callable[[QMenu], object]  # lists the presets in "New chat with preset"
    presets_library: Slot
    close_chat: Slot
    next_chat: Slot
    previous_chat: Slot
    rename_chat: Slot
    quit: Slot


def add_chat_menu(window: QMainWindow, slots: ChatSlots) -> None:
    menu = window.menuBar().addMenu("&Chat")
    add_action(window, menu, "New chat", slots.new_chat, "Ctrl+T")
    presets = menu.addMenu("New chat with &preset")
    presets.setObjectName("new_chat_with_preset")
    presets.aboutToShow.connect(lambda: slots.fill_presets(presets))
    slots.fill_presets(presets)  # filled now too, so the menu is never empty when opened
    add_action(window, menu, "Presets library…", slots.presets_library)
    add_action(window, menu, "Close chat", slots.close_chat, "Ctrl+W")
    menu.addSeparator()
    add_action(
        window, menu, "Next chat", slots.next_chat, QKeySequence.StandardKey.NextChild,
        "Ctrl+PgDown",
    )
    add_action(
        window, menu, "Previous chat", slots.previous_chat,
        QKeySequence.StandardKey.PreviousChild, "Ctrl+PgUp",
    )
    add_action(window, menu, "Rename chat…", slots.rename_chat, "F2")
    menu.addSeparator()
    add_action(window, menu, "Quit", slots.quit, QKeySequence.StandardKey.Quit)


@dataclass(frozen=True)
class SettingsSlots:
    settings: Slot
    set_key: Slot
    refresh_credits: Slot


def add_settings_menu(window: QMainWindow, slots: SettingsSlots) -> None:
    menu = window.menuBar().addMenu("&Settings")
    add_action(window, menu, "Settings…", slots.settings, "Ctrl+,")
    add_action(window, menu, "Set API key…", slots.set_key)
    add_action(window, menu, "Refresh credits", slots.refresh_credits, "F5")


@dataclass(frozen=True)
class HistorySlots:
    panel: QAction  # the dock's own show/hide action
    search: Slot
    usage: Slot  # the usage window: requests, tokens, credits of the last 30 days
    export_markdown: Slot
    export_json: Slot
    import_json: Slot


def add_history_menu(window: QMainWindow, slots: HistorySlots) -> None:
    menu = window.menuBar().addMenu("&History")
    toggle = slots.panel
    toggle.setText("History panel")
    toggle.setShortcut(QKeySequence("Ctrl+B"))
    toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    menu.addAction(toggle)
    window.addAction(toggle)
    add_action(window, menu, "Search all chats…", slots.search, "Ctrl+Shift+F")
    add_action(window, menu, "Usage…", slots.usage, "Ctrl+Shift+U")
    menu.addSeparator()
    add_action(window, menu, "Export chat as Markdown…", slots.export_markdown)
    add_action(window, menu, "Export chat as JSON…", slots.export_json)
    add_action(window, menu, "Import chat from JSON…", slots.import_json)


def add_help_menu(window: QMainWindow, shortcuts: Slot) -> None:
    menu = window.menuBar().addMenu("&Help")
    add_action(window, menu, "Keyboard shortcuts", shortcuts, "Ctrl+/", "F1")
