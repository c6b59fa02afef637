"""Conversations as trees in the real window, against the fake Segmind: regenerate,
edit, switch, delete with Undo; every request carries exactly the path on screen, and
the versions and the active path survive reopening."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible, QGuiApplication
from PySide6.QtWidgets import QLabel, QToolButton
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import MessageState, Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.messages.painter import Fonts, aside_text, switcher_parts
from mixtral_desktop.ui.messages.row_controls import row_rect
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.main_window import MainWindow
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

WAIT_MS = 15_000


@pytest.fixture
def window(qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind) -> Iterator[MainWindow]:
    counter = itertools.count(1)
    fake_segmind.configure(reply=lambda _messages: f"Reply number {next(counter)}.")
    config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=5)
    clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, retry=FAST_RETRY)
    win = windows.open(clients)
    win.resize(900, 700)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win.close()


def send(qtbot: QtBot, tab: ChatTab, text: str, role: Role = Role.USER) -> None:
    tab.composer.set_role(role)
    qtbot.keyClicks(tab.composer.input, text)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def shown(model: ConversationModel) -> list[tuple[str, str]]:
    return [(m.role.value, m.content) for m in model.messages()]


def last_request(server: FakeSegmind) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in server.chat_requests[-1].messages]


def sent_path(model: ConversationModel) -> list[tuple[str, str]]:
    """What the model must have been sent: the visible path without the last reply."""
    return shown(model)[:-1]


def accessible(model: ConversationModel, row: int) -> str:
    return str(model.data(model.index(row, 0), Qt.ItemDataRole.AccessibleTextRole))


def wait_requests(qtbot: QtBot, server: FakeSegmind, count: int) -> None:
    qtbot.waitUntil(lambda: len(server.chat_requests) == count, timeout=WAIT_MS)


def test_regenerate_switch_edit_and_what_is_sent(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    model = tab.model
    send(qtbot, tab, "First question")
    send(qtbot, tab, "Second question")
    assert [c for _r, c in shown(model)] == [
        "First question", "Reply number 1.", "Second question", "Reply number 2."
    ]
    # Regenerate the first reply: a sibling from the same parent; the later turns stay
    # with the first version.
    tab.view.message_actions.trigger("regenerate", 1)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert shown(model) == [("user", "First question"), ("assistant", "Reply number 3.")]
    assert last_request(fake_segmind) == [("user", "First question")]
    assert model.version(1) == (2, 2)
    assert accessible(model, 1) == "assistant, version 2 of 2: Reply number 3."
    assert accessible(model, 0) == "user: First question"
    # Back to version 1: its own later turns come back with it.
    tab.view.message_actions.trigger("previous", 1)
    assert [c for _r, c in shown(model)] == [
        "First question", "Reply number 1.", "Second question", "Reply number 2."
    ]
    assert accessible(model, 1) == "assistant, version 1 of 2: Reply number 1."
    # A new question on this branch carries exactly this path, nothing of version 2.
    send(qtbot, tab, "Third question")
    assert last_request(fake_segmind) == sent_path(model)
    assert ("assistant", "Reply number 3.") not in last_request(fake_segmind)
    # Edit the first question: a new version of the first turn, sent on its own.
    tab.begin_edit(0)
    assert tab.composer.is_editing() and tab.composer.text() == "First question"
    tab.composer.set_text("First question, fixed")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert not tab.composer.is_editing()
    assert shown(model) == [("user", "First question, fixed"), ("assistant", "Reply number 5.")]
    assert last_request(fake_segmind) == [("user", "First question, fixed")]
    assert model.version(0) == (2, 2)
    # Everything is kept: back to the original question and its whole branch.
    tab.view.message_actions.trigger("previous", 0)
    assert len(model.messages()) == 6 and model.message(5).content == "Reply number 4."
    assert len(model.tree) == 9


def test_versions_and_active_path_survive_reopening(
    qtbot: QtBot, window: MainWindow, windows: Windows, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Tell me a joke")
    tab.view.message_actions.trigger("regenerate", 1)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    tab.view.message_actions.trigger("previous", 1)
    send(qtbot, tab, "Another one")
    expected = shown(tab.model)
    conversation = window.session.conversation_id(tab)
    assert conversation is not None
    window.session.recorder(tab).flush()  # type: ignore[union-attr]
    tab_index = window.tabs.indexOf(tab)
    window.close_tab(tab_index)
    reopened = window.open_conversation(conversation)
    assert shown(reopened.model) == expected
    assert reopened.model.version(1) == (1, 2)
    # The next request carries the reopened path.
    send(qtbot, reopened, "And a third")
    assert last_request(fake_segmind) == sent_path(reopened.model)
    reopened.view.message_actions.trigger("next", 1)
    assert shown(reopened.model) == [("user", "Tell me a joke"), ("assistant", "Reply number 2.")]


def test_editing_an_assistant_reply_saves_a_version_without_sending(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Say hi")
    requests = len(fake_segmind.chat_requests)
    tab.view.message_actions.trigger("edit", 1)
    assert tab.composer.send_button.text() == "Save"
    tab.composer.set_text("Hi, corrected by hand")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    assert shown(tab.model)[-1] == ("assistant", "Hi, corrected by hand")
    assert tab.model.version(1) == (2, 2)
    assert len(fake_segmind.chat_requests) == requests  # nothing was sent
    assert not tab.is_busy()


def test_a_system_message_edited_mid_chat_is_sent_in_its_place(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Answer in French.", Role.SYSTEM)
    send(qtbot, tab, "Hello")
    tab.begin_edit(0)
    tab.composer.set_text("Answer in German.")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert last_request(fake_segmind) == [("system", "Answer in German.")]
    send(qtbot, tab, "Hello again")
    assert last_request(fake_segmind) == [
        ("system", "Answer in German."), ("assistant", "Reply number 2."),
        ("user", "Hello again"),
    ]


def test_up_in_the_empty_composer_edits_and_escape_restores_the_draft(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Wrong questoin")
    composer = tab.composer
    qtbot.keyClick(composer.input, Qt.Key.Key_Up)
    assert composer.is_editing() and composer.text() == "Wrong questoin"
    assert composer.edit_bar.isVisible()
    qtbot.keyClick(composer.input, Qt.Key.Key_Escape)
    assert not composer.is_editing() and composer.text() == ""
    qtbot.keyClicks(composer.input, "half a draft")
    tab.begin_edit(0)
    assert composer.draft() == ("half a draft", Role.USER)  # what is saved as the draft
    composer.set_text("Right question")
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert last_request(fake_segmind) == [("user", "Right question")]
    assert composer.text() == "half a draft"  # the draft came back after the edit


def test_delete_takes_the_later_turns_and_undo_puts_them_back(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Keep me")
    send(qtbot, tab, "Delete me")
    before = shown(tab.model)
    tab.view.message_actions.trigger("delete", 2)
    assert shown(tab.model) == before[:2]
    bar = tab.undo_bar
    assert bar.isVisible() and "Delete me" in bar.message.text()
    assert bar.timer.interval() >= 10_000
    qtbot.mouseClick(bar.undo_button, Qt.MouseButton.LeftButton)
    assert shown(tab.model) == before
    tab.view.message_actions.trigger("delete", 2)
    bar.dismiss()  # Undo is over: the branch leaves the history
    window.session.recorder(tab).flush()  # type: ignore[union-attr]
    conversation = window.session.conversation_id(tab)
    assert conversation is not None
    assert [m.content for m in window.store.messages(conversation)] == [c for _r, c in before[:2]]
    assert len(window.store.tree(conversation)) == 2
    send(qtbot, tab, "After the delete")
    assert last_request(fake_segmind) == sent_path(tab.model)
    assert ("user", "Delete me") not in last_request(fake_segmind)


def test_changes_are_refused_while_a_reply_streams_and_stop_keeps_a_version(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Warm up")
    fake_segmind.configure(
        chunk_delay=0.02, chunk_size=4, reply=lambda _m: "A long reply that streams slowly " * 20
    )
    tab.view.message_actions.trigger("regenerate", 1)
    qtbot.waitUntil(
        lambda: tab.model.message(1).state is MessageState.STREAMING, timeout=WAIT_MS
    )
    tab.view.message_actions.trigger("regenerate", 1)
    tab.view.message_actions.trigger("delete", 0)
    notice = tab.notice.findChild(QLabel, "notice_message")
    assert notice is not None and tab.notice.isVisible()
    assert "Stop it" in notice.text()
    assert len(tab.model.messages()) == 2 and tab.model.version(1) == (2, 2)
    tab.stop()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    partial = tab.model.message(1)
    assert partial.state is MessageState.INCOMPLETE and partial.content
    # Regenerate after Stop: the partial reply stays as version 2 of 3.
    fake_segmind.configure(chunk_delay=0.0, reply=lambda _m: "Short and whole.")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert tab.model.message(1).content == "Short and whole."
    assert tab.model.version(1) == (3, 3)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert tab.model.message(1).content == partial.content
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert tab.model.version(1) == (1, 3)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert tab.model.version(1) == (2, 3)


def test_the_switcher_toolbar_and_menu_are_there_for_mouse_and_keyboard(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Question")
    tab.view.message_actions.trigger("regenerate", 1)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    view = tab.view
    qtbot.waitUntil(lambda: not view.layout_pending(), timeout=WAIT_MS)
    index = tab.model.index(1, 0)
    # Clicking the painted "‹" shows version 1.
    rect = row_rect(view, index)
    label = view.message_delegate().row_layout(rect, tab.model.message(1), index).label
    parts = switcher_parts(label, aside_text(tab.model.message(1)), Fonts.from_font(view.font()),
                           (2, 2))
    assert parts is not None
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=parts[0].center())
    assert tab.model.version(1) == (1, 2)
    # The hover toolbar: named buttons that act on the row under the pointer.
    qtbot.mouseMove(view.viewport(), row_rect(view, tab.model.index(0, 0)).center())
    qtbot.mouseMove(view.viewport(), rect.center())
    qtbot.waitUntil(view.toolbar.isVisible)
    assert view.toolbar.row() == 1
    names = {b.accessibleName() for b in view.toolbar.findChildren(QToolButton)
             if b.isVisibleTo(view.toolbar)}
    assert names == {"Copy", "Edit", "Regenerate", "Delete"}
    copy = view.toolbar.buttons["copy"]
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton, pos=QPoint(4, copy.height() // 2))
    assert QGuiApplication.clipboard().text() == tab.model.message(view.toolbar.row()).content
    # The context menu lists the same actions and the versions.
    menu = view.message_actions.menu(1, view)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert {"Edit", "Regenerate", "Delete", "Previous version", "Next version"} <= set(texts)
    menu.deleteLater()


def test_a_search_hit_on_another_branch_opens_that_branch(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Question")
    send(qtbot, tab, "zanzibar follow-up")
    tab.view.message_actions.trigger("regenerate", 1)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert "zanzibar follow-up" not in [m.content for m in tab.model.messages()]
    conversation = window.session.conversation_id(tab)
    assert conversation is not None
    tree = window.store.tree(conversation)
    target = next(
        tree.message(k) for k in tree.walk() if tree.message(k).content == "zanzibar follow-up"
    )
    assert target.id is not None
    window.open_conversation(conversation, target.id)
    assert "zanzibar follow-up" in [m.content for m in tab.model.messages()]
    assert tab.model.version(1) == (1, 2)


def test_help_lists_the_keyboard_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"
    )
    action = next(a for a in help_menu.actions() if a.text() == "Keyboard shortcuts")
    action.trigger()
    dialog = window.shortcuts_window
    assert dialog is not None and dialog.isVisible()
    table = dialog.table
    keys = {table.item(row, 0).text() for row in range(table.rowCount())}
    assert {"Ctrl+Shift+R", "Alt+Left", "Alt+Right", "Up (in an empty message box)"} <= keys
    assert any("Ctrl+T" in k for k in keys)  # the menus' own keys are there too
    dialog.close()


def test_what_qt_hands_a_screen_reader_names_the_version(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    send(qtbot, tab, "Question")
    tab.view.message_actions.trigger("regenerate", 1)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    # The accessible interface Qt gives the accessibility bridge (AT-SPI on Linux).
    table = QAccessible.queryAccessibleInterface(tab.view)
    assert table is not None
    names = [table.child(i).text(QAccessible.Text.Name) for i in range(table.childCount())]
    assert "assistant, version 2 of 2: Reply number 2." in names
    assert "user: Question" in names


def test_a_failed_reply_can_be_regenerated(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    fake_segmind.fail_next(times=3, status=500)
    send(qtbot, tab, "Will this fail?")
    assert tab.banner.isVisible()
    assert shown(tab.model) == [("user", "Will this fail?")]  # the question is kept
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert shown(tab.model) == [("user", "Will this fail?"), ("assistant", "Reply number 1.")]
    assert last_request(fake_segmind) == [("user", "Will this fail?")]
