"""History in the real window: saved as it happens, restored at the next start."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage import transfer as export
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.conversation.recorder import STREAM_SAVE_MS
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.database_moved import tell_database_moved
from mixtral_desktop.ui.shell.main_window import MainWindow
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

T = TypeVar("T")
WAIT_MS = 8000
OpenWindow = Callable[[], MainWindow]


@pytest.fixture
def open_window(qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind) -> OpenWindow:
    """Each call is a new start of the app on the same profile (same database file)."""

    def make() -> MainWindow:
        config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=30)
        keys = KeyStore({"SEGMIND_API_KEY": FAKE_KEY})
        clients = ClientProvider(keys, config, retry=FAST_RETRY)
        window = windows.open(clients, Store.open(paths.history_file()))
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    return make


def on_disk() -> Store:
    """A second connection to the database file: what a restart would read."""
    return Store.open(paths.history_file())


def send(qtbot: QtBot, tab: ChatTab, text: str, role: Role = Role.USER) -> None:
    tab.composer.set_role(role)
    if text.isascii():
        qtbot.keyClicks(tab.composer.input, text)
    else:  # QTest cannot type characters outside Latin-1 (an emoji aborts it)
        tab.composer.set_text(text)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)


def done(qtbot: QtBot, task: asyncio.Task[T]) -> T:
    """The result of a window's background task, once it has ended."""
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    return task.result()


def quit_app(window: MainWindow) -> None:
    window.close()
    window.store.close()


def test_messages_are_saved_when_added_and_restored_in_tabs(
    qtbot: QtBot, open_window: OpenWindow
) -> None:
    window = open_window()
    first = window.current_tab()
    send(qtbot, first, "Be brief.", Role.SYSTEM)
    send(qtbot, first, "first question")
    qtbot.waitUntil(lambda: not first.is_busy(), timeout=WAIT_MS)
    second = window.new_tab()
    send(qtbot, second, "second chat")
    qtbot.waitUntil(lambda: not second.is_busy(), timeout=WAIT_MS)
    window.tab_bar.setTabText(1, "Renamed")
    window.tab_bar.renamed.emit(1, "Renamed")
    window.tabs.setCurrentIndex(0)
    window.resize(700, 500)
    quit_app(window)

    again = open_window()
    assert again.tabs.count() == 2
    assert again.tabs.currentIndex() == 0
    assert [again.tabs.tabText(i) for i in range(2)] == ["first question", "Renamed"]
    restored = [(m.role, m.content, m.state) for m in again.tab(0).model.messages()]
    assert restored[:2] == [
        (Role.SYSTEM, "Be brief.", MessageState.DONE),
        (Role.USER, "first question", MessageState.DONE),
    ]
    assert restored[2][0] is Role.ASSISTANT and restored[2][2] is MessageState.DONE
    assert (again.size().width(), again.size().height()) == (700, 500)
    quit_app(again)


def test_streaming_reply_is_saved_as_it_grows_marked_incomplete(
    qtbot: QtBot, open_window: OpenWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.configure(mode="sse", reply="growing " * 80, chunk_size=8, chunk_delay=0.03)
    window = open_window()
    tab = window.current_tab()
    send(qtbot, tab, "stream it")
    reader = on_disk()

    def saved_reply() -> Message | None:
        conversations = reader.list_conversations()
        if not conversations:
            return None
        messages = reader.messages(conversations[0].id)
        return messages[-1] if messages[-1].role is Role.ASSISTANT else None

    qtbot.waitUntil(lambda: (r := saved_reply()) is not None and len(r.content) > 0,
                    timeout=WAIT_MS)
    partial = saved_reply()
    assert partial is not None and partial.state is MessageState.INCOMPLETE
    assert tab.is_busy()  # saved while the reply was still streaming
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    qtbot.waitUntil(  # within the save interval
        lambda: (r := saved_reply()) is not None and r.state is MessageState.DONE,
        timeout=WAIT_MS,
    )
    final = saved_reply()
    assert final is not None and final.content == "growing " * 80
    reader.close()
    quit_app(window)


def test_draft_and_role_are_saved_and_restored(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    tab = window.current_tab()
    tab.composer.set_role(Role.SYSTEM)
    qtbot.keyClicks(tab.composer.input, "half-written thought")
    reader = on_disk()
    qtbot.waitUntil(lambda: bool(reader.list_conversations()), timeout=WAIT_MS)
    conversation = reader.list_conversations()[0].id
    qtbot.waitUntil(
        lambda: reader.draft(conversation) == ("half-written thought", Role.SYSTEM),
        timeout=WAIT_MS,
    )
    reader.close()
    quit_app(window)
    again = open_window()
    restored = again.current_tab()
    assert restored.composer.text() == "half-written thought"
    assert restored.composer.role() is Role.SYSTEM
    quit_app(again)


def test_incomplete_reply_after_a_crash_offers_retry(
    qtbot: QtBot, open_window: OpenWindow, fake_segmind: FakeSegmind
) -> None:
    store = on_disk()
    conversation = store.create_conversation()
    store.add_message(conversation, Message(Role.USER, "tell me more"))
    store.add_message(
        conversation, Message(Role.ASSISTANT, "It was a dark and", state=MessageState.INCOMPLETE)
    )
    store.app_state.set("open_tabs", json.dumps([conversation]))
    store.close()
    window = open_window()
    tab = window.current_tab()
    assert tab.model.messages()[-1].state is MessageState.INCOMPLETE
    assert tab.banner.isVisible()
    retry = tab.banner.findChild(QPushButton, "error_retry")
    assert retry is not None and retry.isVisible()
    label = tab.banner.findChild(QLabel, "error_message")
    assert label is not None and "cut short" in label.text()
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_busy() and tab.model.rowCount() == 2, timeout=WAIT_MS)
    assert tab.model.messages()[-1].state is MessageState.DONE
    assert fake_segmind.chat_requests[-1].messages == [{"role": "user", "content": "tell me more"}]
    reader = on_disk()
    qtbot.waitUntil(  # within the save interval
        lambda: [m.state for m in reader.messages(conversation)]
        == [MessageState.DONE, MessageState.DONE],
        timeout=WAIT_MS,
    )
    reader.close()
    quit_app(window)


def test_closed_tab_stays_in_history_and_reopens(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    tab = window.current_tab()
    send(qtbot, tab, "keep me")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    window.new_tab()
    window.close_tab(0)
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_B,
                   Qt.KeyboardModifier.ControlModifier)
    assert window.history.isVisible()
    listed = [window.store.conversation(c.id) for c in window.store.list_conversations()]
    assert [c.title for c in listed if c is not None] == ["keep me"]
    reopened = window.open_conversation(listed[0].id)  # type: ignore[union-attr]
    assert reopened.model.messages()[0].content == "keep me"
    assert window.tabs.count() == 2
    # An empty new chat that is closed leaves nothing behind.
    window.close_tab(0)
    assert len(window.store.list_conversations()) == 1
    quit_app(window)


def test_search_opens_the_conversation_at_the_hit(
    qtbot: QtBot, open_window: OpenWindow
) -> None:
    store = on_disk()
    target = store.create_conversation()
    for i in range(300):
        store.add_message(target, Message(Role.USER, f"filler message {i}"))
    store.add_message(target, Message(Role.USER, "the zeppelin is here"))
    for i in range(300):
        store.add_message(target, Message(Role.ASSISTANT, f"more filler {i}"))
    store.close()
    window = open_window()
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_F,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.search_dialog
    assert dialog is not None and dialog.isVisible()
    field = dialog.findChild(QLineEdit, "search_field")
    results = dialog.findChild(QAbstractItemView, "search_results")
    assert field is not None and results is not None
    qtbot.keyClicks(field, "zeppelin")
    qtbot.waitUntil(lambda: results.model().rowCount() == 1, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.hit_chosen, timeout=WAIT_MS):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    tab = window.current_tab()
    assert tab.model.rowCount() == 601
    row = 300
    rect = tab.view.visualRect(tab.model.index(row, 0))
    assert tab.view.viewport().rect().intersects(rect)
    quit_app(window)


def test_export_and_import_round_trip(
    qtbot: QtBot, open_window: OpenWindow, tmp_path: Path
) -> None:
    window = open_window()
    tab = window.current_tab()
    send(qtbot, tab, "Réponds en français, s'il te plaît 🙂", Role.SYSTEM)
    send(qtbot, tab, "Bonjour ! ¿Qué tal?")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    json_path, md_path = tmp_path / "chat.json", tmp_path / "chat.md"
    conversation = window.session.saved_conversation(tab)
    assert conversation is not None
    done(qtbot, window.transfer.export_to(conversation, json_path, "json"))
    done(qtbot, window.transfer.export_to(conversation, md_path, "md"))
    assert "Bonjour ! ¿Qué tal?" in md_path.read_text(encoding="utf-8")
    imported = done(qtbot, window.transfer.import_from(json_path))
    copy = window.open_conversation(imported)
    assert window.current_tab() is copy and copy is not tab
    assert [(m.role, m.content) for m in copy.model.messages()] == [
        (m.role, m.content) for m in tab.model.messages()
    ]
    again = tmp_path / "again.json"
    copied = window.session.saved_conversation(copy)
    assert copied == imported
    done(qtbot, window.transfer.export_to(copied, again, "json"))
    first, second = json.loads(json_path.read_text()), json.loads(again.read_text())
    assert first["nodes"] == second["nodes"]
    assert FAKE_KEY not in json_path.read_text() + md_path.read_text()
    assert export.from_json(second)[1][1].content == "Bonjour ! ¿Qué tal?"
    quit_app(window)


def test_database_moved_aside_is_explained(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    tell_database_moved(window, Path("/tmp/history.sqlite3.corrupt-1"))
    shown = window.findChild(QMessageBox, "database_moved_dialog")
    assert shown is not None and "/tmp/history.sqlite3.corrupt-1" in shown.text()
    quit_app(window)


def test_streaming_save_is_throttled(
    qtbot: QtBot, open_window: OpenWindow, fake_segmind: FakeSegmind
) -> None:
    """Hundreds of chunks do not mean hundreds of writes: at most a few per second."""
    fake_segmind.configure(mode="sse", reply="x" * 2000, chunk_size=4, chunk_delay=0.004)
    window = open_window()
    tab = window.current_tab()
    recorder = window.session.recorder(tab)
    assert recorder is not None
    writes: list[tuple[float, int]] = []
    original = window.store.update_message

    def counting(message: Message) -> None:
        writes.append((time.monotonic(), len(message.content)))
        original(message)

    window.store.update_message = counting  # type: ignore[method-assign]
    started = time.monotonic()
    send(qtbot, tab, "many chunks")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(writes) and writes[-1][1] == 2000, timeout=WAIT_MS)
    # 500 chunks (about 2 s, longer on a busy machine): while the reply grows it is saved
    # at most once per STREAM_SAVE_MS, not once per chunk; then once or twice as it ends
    # (its text, what it counted and cost).
    growing = [at for at, length in writes if length < 2000]
    elapsed = (growing[-1] if growing else time.monotonic()) - started
    assert len(growing) <= elapsed * 1000 / STREAM_SAVE_MS + 2, writes
    assert 1 <= len(writes) - len(growing) <= 3, writes
    quit_app(window)
