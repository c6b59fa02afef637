"""The history dock: newest first, lazy, open, rename in place, delete with undo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow, QPushButton, QTextEdit
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.history.model import (
    ConversationIdRole,
    ConversationListModel,
    relative_time,
)
from mixtral_desktop.ui.history.panel import HistoryPanel

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "h.sqlite3")
    yield opened
    opened.close()


def fill(store: Store, count: int, *, now: float | None = None, step: float = 60.0) -> list[int]:
    """``count`` conversations "Chat 0".."Chat N-1", one message each, the last newest."""
    now = time.time() if now is None else now
    ids = []
    for i in range(count):
        when = now - (count - i) * step
        message = Message(Role.USER, f"question {i}", created=when)
        ids.append(store.insert_conversation(f"Chat {i}", [message], created=when, updated=when))
    return ids


def titles(model: ConversationListModel) -> list[str]:
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def make_panel(qtbot: QtBot, store: Store) -> HistoryPanel:
    panel = HistoryPanel(store)
    qtbot.addWidget(panel)
    panel.resize(280, 500)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    return panel


def focus_row(qtbot: QtBot, panel: HistoryPanel, row: int) -> QModelIndex:
    index = panel.model.index(row, 0)
    panel.list.setCurrentIndex(index)
    panel.list.setFocus()
    return index


def test_newest_first_and_model_is_sound(
    qtbot: QtBot, store: Store, qtmodeltester: object
) -> None:
    fill(store, 450)
    model = ConversationListModel(store)
    assert titles(model)[:3] == ["Chat 449", "Chat 448", "Chat 447"]
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert titles(model) == [f"Chat {i}" for i in reversed(range(450))]


def test_untitled_and_tooltip(qtbot: QtBot, store: Store) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation, Message(Role.USER, "hello"))
    model = ConversationListModel(store)
    index = model.index(0, 0)
    assert index.data() == "New chat"  # the tab's name for it too
    assert index.data(Qt.ItemDataRole.EditRole) == ""
    assert index.data(ConversationIdRole) == conversation
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("New chat\nLast activity: ") and "1 message" in tooltip


def test_five_thousand_conversations_load_lazily(qtbot: QtBot, store: Store) -> None:
    try:
        from tests.fakes.history_data import populate
    except ImportError:
        fill(store, 5000, step=1.0)
    else:
        populate(store, conversations=5000, messages_per=2, seed=0)
    assert store.count_conversations() == 5000
    panel = make_panel(qtbot, store)
    assert panel.model.rowCount() == 200
    assert panel.model.canFetchMore(QModelIndex())
    # The keyboard: End goes to the last loaded row; being at the end loads the next page.
    focus_row(qtbot, panel, 0)
    qtbot.keyClick(panel.list, Qt.Key.Key_End)
    assert panel.list.currentIndex().row() == 199
    qtbot.waitUntil(lambda: panel.model.rowCount() == 400)
    # The mouse: scrolling to the bottom loads more again.
    panel.list.scrollToBottom()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 600)
    expected = [c.id for c in store.list_conversations(0, 600)]
    loaded = [panel.model.index(r, 0).data(ConversationIdRole) for r in range(600)]
    assert loaded == expected  # in order, none twice


def test_enter_and_double_click_open(qtbot: QtBot, store: Store) -> None:
    ids = fill(store, 5)
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 1)
    with qtbot.waitSignal(panel.open_requested) as opened:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert opened.args == [ids[3]]
    rect = panel.list.visualRect(panel.model.index(2, 0))
    with qtbot.waitSignal(panel.open_requested) as opened:
        # A real double click: press and release, then the double-click event.
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseRelease(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [ids[2]]


def test_rename_in_place_persists(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    ids = fill(store, 3)
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 0)
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    editor = panel.list.findChild(QLineEdit, "history_rename_editor")
    assert editor is not None and editor.isVisible() and editor.text() == "Chat 2"
    editor.selectAll()
    qtbot.keyClicks(editor, "Trip to Lisbon")
    with qtbot.waitSignal(panel.renamed) as renamed:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert renamed.args == [ids[2], "Trip to Lisbon"]
    assert panel.model.index(0, 0).data() == "Trip to Lisbon"
    store.close()
    reopened = Store.open(tmp_path / "h.sqlite3")
    info = reopened.conversation(ids[2])
    assert info is not None and info.title == "Trip to Lisbon" and info.custom_title
    reopened.close()


def test_blank_rename_gives_back_the_automatic_title(qtbot: QtBot, store: Store) -> None:
    conversation = store.insert_conversation(
        "My own name", [Message(Role.USER, "How do tides work?")],
        created=1.0, updated=time.time(), custom_title=True,
    )
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 0)
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    editor = panel.list.findChild(QLineEdit, "history_rename_editor")
    assert editor is not None
    editor.clear()
    with qtbot.waitSignal(panel.renamed) as renamed:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    info = store.conversation(conversation)
    assert info is not None and not info.custom_title
    assert renamed.args == [conversation, info.title] and info.title == "How do tides work?"
    assert panel.model.index(0, 0).data() == "How do tides work?"


def test_refresh_waits_for_the_rename_editor(qtbot: QtBot, store: Store) -> None:
    """New messages elsewhere must not close the editor under the user's fingers."""
    ids = fill(store, 3)
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 2)  # Chat 0
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    editor = panel.list.findChild(QLineEdit, "history_rename_editor")
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "Half")
    store.add_message(ids[1], Message(Role.USER, "streaming elsewhere"))
    panel.refresh()
    assert editor.isVisible() and titles(panel.model)[0] == "Chat 2"  # not yet reloaded
    qtbot.keyClicks(editor, "-typed")
    with qtbot.waitSignal(panel.renamed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: titles(panel.model)[0] == "Chat 1")  # the refresh came after
    assert titles(panel.model) == ["Chat 1", "Chat 2", "Half-typed"]
    assert panel.current_conversation() == ids[0]


def test_context_menu_acts_on_its_row_after_a_reload(qtbot: QtBot, store: Store) -> None:
    ids = fill(store, 3)
    panel = make_panel(qtbot, store)
    menu = panel.context_menu(panel.model.index(2, 0))  # Chat 0
    store.add_message(ids[0], Message(Role.USER, "bump"))  # Chat 0 moves to the top
    panel.refresh()
    with qtbot.waitSignal(panel.open_requested) as opened:
        menu.actions()[0].trigger()
    assert opened.args == [ids[0]]


def test_escape_cancels_rename(qtbot: QtBot, store: Store) -> None:
    ids = fill(store, 2)
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 0)
    panel.context_menu(panel.model.index(0, 0)).actions()[2].trigger()  # "Rename"
    editor = panel.list.findChild(QLineEdit, "history_rename_editor")
    assert editor is not None
    qtbot.keyClicks(editor, "never mind")
    with qtbot.assertNotEmitted(panel.renamed):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    info = store.conversation(ids[1])
    assert info is not None and info.title == "Chat 1"


def test_panel_keys_win_over_window_shortcuts(qtbot: QtBot, store: Store) -> None:
    """The main window binds F2 to "rename tab"; in the list F2 renames the row."""
    fill(store, 2)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QTextEdit())
    panel = HistoryPanel(store, window)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, panel)
    window_f2 = QAction("Rename tab", window)
    window_f2.setShortcut(QKeySequence("F2"))
    window.addAction(window_f2)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    central = window.centralWidget()
    central.setFocus()
    with qtbot.waitSignal(window_f2.triggered):  # elsewhere, F2 is the window's
        qtbot.keyClick(central, Qt.Key.Key_F2)
    focus_row(qtbot, panel, 0)
    with qtbot.assertNotEmitted(window_f2.triggered):
        qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    assert panel.list.findChild(QLineEdit, "history_rename_editor") is not None
    assert panel.toggleViewAction().text() == "History"


def test_delete_then_undo(qtbot: QtBot, store: Store) -> None:
    ids = fill(store, 6)
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 2)
    victim = ids[3]
    with qtbot.waitSignal(panel.deleted) as deleted:
        qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert deleted.args == [victim]
    assert "Chat 3" not in titles(panel.model)
    assert victim not in [c.id for c in store.list_conversations()]
    assert panel.current_conversation() == ids[2]  # the next row is selected
    bar = panel.undo_bar
    message = bar.findChild(QLabel, "history_undo_message")
    assert bar.isVisible() and message is not None and message.text() == "Deleted “Chat 3”."
    undo = panel.findChild(QPushButton, "history_undo")
    assert undo is not None
    with qtbot.waitSignal(panel.restored) as restored:
        qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert restored.args == [victim]
    assert titles(panel.model) == [f"Chat {i}" for i in reversed(range(6))]
    assert panel.current_conversation() == victim
    assert victim in [c.id for c in store.list_conversations()]
    assert not bar.isVisible()


def test_delete_from_context_menu_and_undo_bar_times_out(qtbot: QtBot, store: Store) -> None:
    ids = fill(store, 3)
    panel = make_panel(qtbot, store)
    focus_row(qtbot, panel, 0)
    menu = panel.context_menu(panel.model.index(0, 0))
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Open\tEnter", "Rename\tF2", "Delete\tDel",
    ]
    with qtbot.waitSignal(panel.deleted):
        menu.actions()[-1].trigger()
    assert panel.undo_pending == ids[2]
    panel.undo_bar.timer.setInterval(10)
    panel.undo_bar.timer.start()
    qtbot.waitUntil(lambda: not panel.undo_bar.isVisible())
    assert panel.undo_pending is None
    assert [c.id for c in store.list_conversations()] == [ids[1], ids[0]]


def test_refresh_keeps_selection_and_select_conversation(qtbot: QtBot, store: Store) -> None:
    ids = fill(store, 4)
    panel = make_panel(qtbot, store)
    assert panel.select_conversation(ids[1])
    assert panel.list.currentIndex().row() == 2
    store.add_message(ids[0], Message(Role.USER, "bump"))  # Chat 0 becomes the newest
    panel.refresh()
    assert titles(panel.model)[0] == "Chat 0"
    assert panel.current_conversation() == ids[1]
    assert not panel.select_conversation(999_999)
    assert panel.current_conversation() is None
    assert not panel.list.selectionModel().hasSelection()


def test_refresh_keeps_the_scroll_position(qtbot: QtBot, store: Store) -> None:
    fill(store, 300)
    panel = make_panel(qtbot, store)
    bar = panel.list.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 2000)
    bar.setValue(1500)
    top = panel.list.indexAt(panel.list.viewport().rect().topLeft()).row()
    panel.refresh()
    QApplication.processEvents()
    assert bar.value() == 1500
    assert panel.list.indexAt(panel.list.viewport().rect().topLeft()).row() == top


def test_relative_time() -> None:
    now = datetime(2026, 3, 20, 15, 30).timestamp()
    assert relative_time(now - 20, now) == "just now"
    assert relative_time(now + 5, now) == "just now"
    assert relative_time(now - 5 * 60, now) == "5 min ago"
    assert relative_time(now - 3 * 3600, now) == "3 h ago"
    yesterday = datetime(2026, 3, 19, 23, 50).timestamp()
    assert relative_time(yesterday, now) == "yesterday"
    assert relative_time(datetime(2026, 3, 17, 9, 0).timestamp(), now) == "Tuesday"
    assert relative_time(datetime(2026, 3, 3, 9, 0).timestamp(), now) == "3 Mar 2026"


def test_screenshot(qtbot: QtBot, store: Store) -> None:
    now = time.time()
    samples = [
        ("Quarterly report outline", timedelta(days=40)),
        ("", timedelta(days=9)),
        ("Rust lifetimes, explained slowly with many examples of borrowing", timedelta(days=3)),
        ("Birthday poem for Ana", timedelta(days=1, hours=2)),
        ("SQL window functions", timedelta(hours=5)),
        ("Translate the menu to French", timedelta(minutes=5)),
        ("Mixtral vs. Llama for code review", timedelta(seconds=10)),
    ]
    for title, age in samples:
        when = now - age.total_seconds()
        store.insert_conversation(
            title, [Message(Role.USER, "hi", created=when)], created=when, updated=when
        )
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QTextEdit()
    central.setPlaceholderText("(the chat tabs)")
    window.setCentralWidget(central)
    panel = HistoryPanel(store, window)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, panel)
    window.resize(760, 520)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    focus_row(qtbot, panel, 3)
    panel.delete_conversation(store.list_conversations()[5].id)
    hover = panel.list.visualRect(panel.model.index(1, 0)).center()
    qtbot.mouseMove(panel.list.viewport(), hover)
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "history_panel.png"))
