"""The main window against the fake Segmind: tabs, roles, send / stop, streaming, errors."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import MessageState, Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.segmind.errors import BILLING_URL
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.shell.chat_tab import ChatTab, TabState
from mixtral_desktop.ui.shell.main_window import MainWindow
from mixtral_desktop.ui.text.markdown import MAX_RENDERED_CHARS
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind, fake_usage
from tests.gui.app_parts import Windows, our_threads

WAIT_MS = 5000
CTRL = Qt.KeyboardModifier.ControlModifier


def make_window(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, key: str | None = FAKE_KEY
) -> MainWindow:
    environ = {"SEGMIND_API_KEY": key} if key else {}
    config = ClientConfig(base_url=server.base_url, connect_timeout=5, read_timeout=30)
    window = windows.open(ClientProvider(KeyStore(environ), config, retry=FAST_RETRY))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


@pytest.fixture
def window(qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind) -> Iterator[MainWindow]:
    win = make_window(qtbot, windows, fake_segmind)
    yield win
    win.close()


def type_and_send(qtbot: QtBot, tab: ChatTab, text: str, role: Role = Role.USER) -> None:
    tab.composer.set_role(role)
    qtbot.keyClicks(tab.composer.input, text)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)


def wait_idle(qtbot: QtBot, tab: ChatTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def contents(tab: ChatTab) -> list[tuple[Role, str, MessageState]]:
    return [(m.role, m.content, m.state) for m in tab.model.messages()]


# -- window and tabs ------------------------------------------------------------------


def test_window_opens_with_one_chat_and_focus_in_composer(window: MainWindow) -> None:
    assert "Mixtral Desktop" in window.windowTitle()
    assert window.tabs.count() == 1
    tab = window.current_tab()
    assert QGuiApplication.focusObject() is tab.composer.input


def test_accessible_names_and_object_names(window: MainWindow) -> None:
    for name in ("composer", "role_selector", "send_button", "tab_bar", "new_tab_button",
                 "credits_segment", "state_segment", "usage_segment", "conversation"):
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name


def test_new_tab_by_shortcut_and_plus_button(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_T, CTRL)
    assert window.tabs.count() == 2
    assert window.tabs.currentIndex() == 1
    qtbot.mouseClick(window.new_tab_button, Qt.MouseButton.LeftButton)
    assert window.tabs.count() == 3
    assert QGuiApplication.focusObject() is window.current_tab().composer.input


def test_close_tab_by_shortcut_and_middle_click(qtbot: QtBot, window: MainWindow) -> None:
    window.new_tab()
    window.new_tab()
    first = window.tab(0)
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_W, CTRL)
    assert window.tabs.count() == 2
    bar = window.tab_bar
    qtbot.mouseClick(bar, Qt.MouseButton.MiddleButton, pos=bar.tabRect(1).center())
    assert window.tabs.count() == 1
    assert window.tab(0) is first
    # Closing the last chat leaves a fresh empty one, never an empty window.
    qtbot.keyClick(first.composer.input, Qt.Key.Key_W, CTRL)
    assert window.tabs.count() == 1
    assert window.current_tab() is not first


def test_next_and_previous_tab_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    window.new_tab()
    window.new_tab()
    window.tabs.setCurrentIndex(0)
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_Tab, ctrl)
    assert window.tabs.currentIndex() == 1
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_Backtab,
                   ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentIndex() == 0
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_Backtab,
                   ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentIndex() == 2  # wraps around


def test_rename_tab_by_double_click(qtbot: QtBot, window: MainWindow) -> None:
    bar: QTabBar = window.tab_bar
    qtbot.mouseDClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    editor = bar.findChild(QWidget, "tab_rename_editor")
    assert editor is not None and editor.isVisible()
    editor.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(editor, "Recipes")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert bar.tabText(0) == "Recipes"
    # A renamed chat keeps its name when the first message arrives.
    type_and_send(qtbot, window.current_tab(), "soup ideas", Role.SYSTEM)
    assert bar.tabText(0) == "Recipes"


def test_rename_escape_keeps_old_name(qtbot: QtBot, window: MainWindow) -> None:
    bar = window.tab_bar
    old = bar.tabText(0)
    bar.start_rename(0)
    editor = bar.findChild(QWidget, "tab_rename_editor")
    qtbot.keyClicks(editor, "Nope")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert bar.tabText(0) == old


# -- composer and roles ------------------------------------------------------------


def test_user_message_calls_api_with_whole_conversation(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    type_and_send(qtbot, tab, "You are terse.", Role.SYSTEM)
    type_and_send(qtbot, tab, "tell me a joke on cats", Role.USER)
    wait_idle(qtbot, tab)
    type_and_send(qtbot, tab, "here is a joke about cats...", Role.ASSISTANT)
    type_and_send(qtbot, tab, "now a joke on dogs", Role.USER)
    wait_idle(qtbot, tab)
    chats = fake_segmind.chat_requests
    assert len(chats) == 2
    assert chats[0].api_key == FAKE_KEY
    first_reply = tab.model.messages()[2].content
    assert chats[1].messages == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "tell me a joke on cats"},
        {"role": "assistant", "content": first_reply},
        {"role": "assistant", "content": "here is a joke about cats..."},
        {"role": "user", "content": "now a joke on dogs"},
    ]
    assert tab.model.messages()[-1].content.startswith("You said: now a joke on dogs")
    assert window.tabs.tabText(0) == "tell me a joke on cats"


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.SYSTEM])
def test_assistant_and_system_messages_are_only_added(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind, role: Role
) -> None:
    tab = window.current_tab()
    type_and_send(qtbot, tab, "an example turn", role)
    assert contents(tab) == [(role, "an example turn", MessageState.DONE)]
    assert tab.composer.text() == ""
    assert not tab.is_busy()
    assert fake_segmind.log == []


def test_empty_input_cannot_be_sent(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    tab = window.current_tab()
    assert not tab.composer.send_button.isEnabled()
    qtbot.keyClicks(tab.composer.input, "   ")
    assert not tab.composer.send_button.isEnabled()
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    assert tab.model.rowCount() == 0
    assert fake_segmind.log == []


def test_shift_enter_inserts_newline_and_ctrl_enter_sends(qtbot: QtBot, window: MainWindow) -> None:
    tab = window.current_tab()
    tab.composer.set_role(Role.SYSTEM)
    qtbot.keyClicks(tab.composer.input, "line one")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(tab.composer.input, "line two")
    assert tab.composer.text() == "line one\nline two"
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert contents(tab) == [(Role.SYSTEM, "line one\nline two", MessageState.DONE)]


def test_ten_megabyte_paste_arrives_whole(qtbot: QtBot, window: MainWindow) -> None:
    tab = window.current_tab()
    big = ("0123456789abcdef" * 64 + "\n") * 10_000  # about 10 MB
    QGuiApplication.clipboard().setText(big)
    tab.composer.input.paste()
    # Offered as a document first; the user wants it in the message.
    offer = tab.findChild(QMessageBox, "long_paste_dialog")
    assert offer is not None and offer.isVisible()
    assert "10,250,000 characters" in offer.text()
    offer.findChild(QPushButton, "long_paste_paste").click()
    assert len(tab.composer.text()) == len(big)
    assert tab.composer.send_button.isEnabled()
    # The composer grows to a few lines only, however long the text.
    assert tab.composer.input.height() < window.height() / 2
    # Added to the conversation, all of it is kept; the pane shows its start as plain
    # text with a note instead of laying out megabytes of rich text.
    tab.composer.set_role(Role.SYSTEM)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    assert tab.model.messages()[0].content == big
    shown = window.services.rendering.renderer.render(big)
    assert "more characters not shown" in shown and len(shown) < 2 * MAX_RENDERED_CHARS
    tab.view.show_text_at(0)
    browser = tab.view.text_browser()
    assert browser is not None and "more characters not shown" in browser.toPlainText()


# -- replies -----------------------------------------------------------------------


def test_streamed_reply_appears_as_it_arrives(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.configure(mode="sse", reply="word " * 60, chunk_size=5, chunk_delay=0.02)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "stream please")
    assert tab.composer.send_button.text() == "Stop"
    qtbot.waitUntil(lambda: tab.state is TabState.STREAMING, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: 0 < len(tab.model.messages()[-1].content) < 300, timeout=WAIT_MS)
    assert tab.model.messages()[-1].state is MessageState.STREAMING
    assert window.status.state.text() == "Streaming"
    wait_idle(qtbot, tab)
    assert contents(tab)[-1] == (Role.ASSISTANT, "word " * 60, MessageState.DONE)
    assert tab.composer.send_button.text() == "Send"
    assert QGuiApplication.focusObject() is tab.composer.input


def test_json_reply_shows_waiting_indicator_with_seconds(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    release = threading.Event()
    fake_segmind.configure(mode="json", hold=release)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "slow one")
    qtbot.waitUntil(lambda: window.status.state.text().startswith("Waiting"), timeout=WAIT_MS)
    placeholder = tab.model.messages()[-1]
    assert placeholder.state is MessageState.WAITING and placeholder.content == ""
    qtbot.waitUntil(lambda: window.status.state.text() == "Waiting 1 s", timeout=WAIT_MS)
    release.set()
    wait_idle(qtbot, tab)
    assert contents(tab)[-1][0:3:2] == (Role.ASSISTANT, MessageState.DONE)
    assert window.status.state.text() == "Idle"


def test_event_loop_keeps_ticking_while_reply_pending(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    release = threading.Event()
    fake_segmind.configure(hold=release)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "are you there?")
    qtbot.waitUntil(lambda: len(fake_segmind.log) >= 1, timeout=WAIT_MS)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    qtbot.waitUntil(lambda: len(ticks) >= 40, timeout=WAIT_MS)
    timer.stop()
    assert tab.is_busy()  # still waiting: the loop ran while the worker blocked
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.25
    release.set()
    wait_idle(qtbot, tab)


def test_stop_button_and_escape_cancel(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    release = threading.Event()
    fake_segmind.configure(hold=release)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "never mind")
    qtbot.waitUntil(lambda: len(fake_segmind.log) >= 1, timeout=WAIT_MS)
    qtbot.mouseClick(tab.composer.send_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    # The user's message stays; the empty reply placeholder goes away.
    assert contents(tab) == [(Role.USER, "never mind", MessageState.DONE)]
    assert tab.composer.send_button.text() == "Send"
    tab.retry()
    qtbot.waitUntil(lambda: len(fake_segmind.log) >= 2, timeout=WAIT_MS)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Escape)
    wait_idle(qtbot, tab)
    assert contents(tab) == [(Role.USER, "never mind", MessageState.DONE)]
    release.set()


def test_stop_mid_stream_keeps_partial_reply_marked_incomplete(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.configure(mode="sse", reply="abc " * 500, chunk_size=4, chunk_delay=0.02)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "long please")
    qtbot.waitUntil(lambda: len(tab.model.messages()[-1].content) >= 8, timeout=WAIT_MS)
    tab.stop()
    wait_idle(qtbot, tab)
    role, text, state = contents(tab)[-1]
    assert role is Role.ASSISTANT and state is MessageState.INCOMPLETE
    assert 8 <= len(text) < 2000 and ("abc " * 500).startswith(text)


def test_two_tabs_wait_at_once_and_each_reply_lands_in_its_tab(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    release = threading.Event()
    fake_segmind.configure(hold=release)
    first = window.current_tab()
    type_and_send(qtbot, first, "question from tab one")
    second = window.new_tab()
    type_and_send(qtbot, second, "question from tab two")
    qtbot.waitUntil(lambda: len(fake_segmind.log) >= 2, timeout=WAIT_MS)
    assert first.is_busy() and second.is_busy()  # both in flight at the same time
    release.set()
    wait_idle(qtbot, first)
    wait_idle(qtbot, second)
    assert first.model.messages()[-1].content.startswith("You said: question from tab one")
    assert second.model.messages()[-1].content.startswith("You said: question from tab two")


# -- errors ---------------------------------------------------------------------


def banner_text(tab: ChatTab) -> str:
    label = tab.banner.findChild(QLabel, "error_message")
    assert label is not None
    return label.text()


def test_server_error_keeps_message_and_retry_sends_again(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.fail_next(status=500, body="html", times=3)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "hello?")
    wait_idle(qtbot, tab)
    assert len(fake_segmind.chat_requests) == 3  # two automatic retries, then the user decides
    assert tab.banner.isVisible()
    assert "server error" in banner_text(tab)
    assert "<html" not in banner_text(tab).lower()
    assert window.status.state.text() == "Error"
    assert contents(tab) == [(Role.USER, "hello?", MessageState.DONE)]
    retry = tab.banner.findChild(QPushButton, "error_retry")
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    assert not tab.banner.isVisible()
    assert [r.messages for r in fake_segmind.chat_requests][-1] == [
        {"role": "user", "content": "hello?"}
    ]
    assert contents(tab)[-1][0] is Role.ASSISTANT
    assert tab.model.rowCount() == 2


def test_stream_cut_keeps_partial_reply_and_offers_retry(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.configure(mode="sse", reply="piece " * 40, chunk_size=6)
    fake_segmind.fail_next(cut_after=3)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "go")
    wait_idle(qtbot, tab)
    _role, text, state = contents(tab)[-1]
    assert state is MessageState.INCOMPLETE and text.startswith("piece")
    assert tab.banner.isVisible()
    tab.retry()
    wait_idle(qtbot, tab)
    assert contents(tab) == [
        (Role.USER, "go", MessageState.DONE),
        (Role.ASSISTANT, "piece " * 40, MessageState.DONE),
    ]


def test_unauthorized_offers_to_set_the_key(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.fail_next(status=401)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "hi")
    wait_idle(qtbot, tab)
    assert "401" in banner_text(tab)
    action = tab.banner.findChild(QPushButton, "error_action")
    assert action is not None and action.isVisible() and "key" in action.text().lower()
    # The key dialog is offered at once, saying why.
    qtbot.waitUntil(lambda: window.keys.key_dialog is not None
                    and window.keys.key_dialog.isVisible(), timeout=WAIT_MS)
    dialog = window.keys.key_dialog
    assert dialog is not None
    intro = dialog.findChild(QLabel, "key_intro")
    assert intro is not None and "rejected the key (401)" in intro.text()
    assert contents(tab) == [(Role.USER, "hi", MessageState.DONE)]


def test_out_of_credits_links_to_billing(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.fail_next(status=406)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "hi")
    wait_idle(qtbot, tab)
    assert "credits" in banner_text(tab) and BILLING_URL in banner_text(tab)
    action = tab.banner.findChild(QPushButton, "error_action")
    assert action is not None and action.text() == "Open billing page"


def test_rate_limit_says_when_to_retry(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.fail_next(status=429, retry_after="7")
    tab = window.current_tab()
    type_and_send(qtbot, tab, "hi")
    wait_idle(qtbot, tab)
    assert "429" in banner_text(tab) and "7 s" in banner_text(tab)
    retry = tab.banner.findChild(QPushButton, "error_retry")
    assert retry is not None and retry.isVisible()


def test_network_error_when_server_is_gone(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind
) -> None:
    window = make_window(qtbot, windows, fake_segmind)
    fake_segmind.stop()
    tab = window.current_tab()
    type_and_send(qtbot, tab, "anyone?")
    wait_idle(qtbot, tab)
    assert "network" in banner_text(tab)
    assert contents(tab) == [(Role.USER, "anyone?", MessageState.DONE)]
    window.close()


def test_missing_key_asks_for_one(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind
) -> None:
    window = make_window(qtbot, windows, fake_segmind, key=None)
    window.refresh_credits()
    tab = window.current_tab()
    tab.set_key_requested.disconnect()
    type_and_send(qtbot, tab, "hi")
    wait_idle(qtbot, tab)
    assert "No Segmind API key" in banner_text(tab)
    assert fake_segmind.log == []
    assert "no API key" in window.status.credits.text()
    window.close()


# -- status bar -----------------------------------------------------------------


def test_credits_and_usage_in_status_bar(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    window.refresh_credits()
    qtbot.waitUntil(lambda: "1.5185" in window.status.credits.text(), timeout=WAIT_MS)
    assert "updated" in window.status.credits.text()
    fake_segmind.configure(remaining_credits=42.125, reply="one two three")
    tab = window.current_tab()
    type_and_send(qtbot, tab, "count")
    wait_idle(qtbot, tab)
    assert window.status.credits.text().startswith("Credits: 42.125")
    usage = window.status.usage.text()
    # Token counts as a real server gives them: <s>[INST] count [/INST] is 4 tokens;
    # "one two three" is 3, and its </s> makes 4.
    assert fake_usage(fake_segmind.chat_requests[-1].messages, "one two three") == {
        "prompt_tokens": 4, "completion_tokens": 4, "total_tokens": 8,
    }
    assert "4 in" in usage and "4 out" in usage and "8 total" in usage


def test_credits_header_on_error_updates_status(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind
) -> None:
    fake_segmind.configure(remaining_credits=0.0)
    fake_segmind.fail_next(status=406)
    tab = window.current_tab()
    type_and_send(qtbot, tab, "hi")
    wait_idle(qtbot, tab)
    assert window.status.credits.text().startswith("Credits: 0 ")


def test_closing_the_window_joins_every_worker(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind
) -> None:
    """No task and no thread outlives the window, even with replies held by the server."""
    release = threading.Event()
    fake_segmind.configure(hold=release)
    window = make_window(qtbot, windows, fake_segmind)
    type_and_send(qtbot, window.current_tab(), "one")
    type_and_send(qtbot, window.new_tab(), "two")
    qtbot.waitUntil(lambda: len(fake_segmind.log) >= 2, timeout=WAIT_MS)
    assert our_threads()  # (the replies wait on reply threads)
    services = window.services
    started = time.monotonic()
    window.close()
    qtbot.waitUntil(lambda: not services.tasks.pending(), timeout=2000)
    services.finish()
    assert time.monotonic() - started < 2
    assert our_threads() == []
    assert asyncio.all_tasks(services.tasks.loop) == set()
    release.set()
