"""Restored tabs the window does not show: laid out when shown, prepared while idle.

A start restores last session's tabs; only the chosen one is on screen. The others are
not laid out at a width they will not have, the lexers of their newest code are built
once the app is idle, and their newest rows are laid out ahead at the size of the tab
shown, so a switch to one lays out no text and paints it coloured at once.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.style import body_width
from mixtral_desktop.ui.messages.view import ConversationView
from mixtral_desktop.ui.shell.main_window import MainWindow
from mixtral_desktop.ui.text.markdown import fence_languages
from mixtral_desktop.ui.workers.idle import FirstFrame, WhenIdle
from tests.fakes import history_data
from tests.fakes.segmind_server import FAKE_KEY
from tests.gui.app_parts import Windows

WAIT_MS = 10_000
# Languages no other test shows, so their lexers are not loaded before these tests.
FORTRAN = "```fortran\nprogram hello\n  print *, \"hi\"\nend program hello\n```"
HASKELL = "```haskell\nmain :: IO ()\nmain = putStrLn \"hello\"\n```"
FORTRAN_COLOURED = '<span style="color: #008000; font-weight: bold">print</span>'


def long_chat(count: int, code: str) -> list[Message]:
    """``count`` messages; every tenth answer ends with ``code``."""
    messages = history_data.conversation_messages(random.Random(7), history_data.START, count)
    return [
        Message(Role.ASSISTANT, f"{m.content}\n\n{code}\n") if row % 10 == 9 else m
        for row, m in enumerate(messages)
    ]


def restored_window(
    qtbot: QtBot, windows: Windows, folder: Path, chats: list[list[Message]]
) -> MainWindow:
    """The window as a start finds it: ``chats`` open in tabs, the last one chosen."""
    store = Store.open(folder / "history.sqlite3")
    ids = [
        store.insert_conversation(f"chat {n}", messages, created=1.0, updated=2.0)
        for n, messages in enumerate(chats)
    ]
    store.app_state.set("open_tabs", json.dumps(ids))
    store.app_state.set("active_tab", str(len(ids) - 1))
    clients = ClientProvider(
        KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), ClientConfig(base_url="http://127.0.0.1:9/v1")
    )
    window = windows.open(clients, store)
    window.resize(900, 640)
    window.show()
    qtbot.waitExposed(window)
    return window


def settled(window: MainWindow, view: ConversationView) -> bool:
    lexers = window.services.rendering.lexers
    return not view.layout_pending() and not lexers.is_loading()


def newest_rows_on_screen(view: ConversationView) -> bool:
    model = view.conversation_model()
    last = view.visualRect(model.index(model.rowCount() - 1, 0))
    bar = view.verticalScrollBar()
    return bar.value() == bar.maximum() and view.viewport().rect().contains(last.bottomLeft())


def test_a_background_tab_is_laid_out_when_shown_and_opens_at_its_newest_message(
    qtbot: QtBot, windows: Windows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[tuple[int, int]] = []  # (view width, rows) of each full layout
    begin_layout = MessageDelegate.begin_layout

    def noted(delegate: MessageDelegate, width: int = 0, messages: list[Message] | None = None,
              ) -> None:
        layouts.append((width, len(messages or [])))
        begin_layout(delegate, width, messages)

    monkeypatch.setattr(MessageDelegate, "begin_layout", noted)
    window = restored_window(qtbot, windows, tmp_path, [long_chat(400, FORTRAN), long_chat(6, "")])
    hidden = window.tab(0).view
    qtbot.waitUntil(
        lambda: settled(window, window.current_tab().view) and settled(window, hidden),
        timeout=WAIT_MS,
    )
    assert [rows for _width, rows in layouts if rows == 400] == []  # not while hidden
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(
        lambda: settled(window, hidden) and newest_rows_on_screen(hidden), timeout=WAIT_MS
    )
    assert (hidden.viewport().width(), 400) in layouts  # shown: at its real width
    assert hidden.is_following()


def test_a_message_added_to_a_background_tab_shows_when_the_tab_does(
    qtbot: QtBot, windows: Windows, tmp_path: Path
) -> None:
    window = restored_window(qtbot, windows, tmp_path, [long_chat(50, ""), long_chat(6, "")])
    hidden = window.tab(0)
    qtbot.waitUntil(lambda: settled(window, hidden.view), timeout=WAIT_MS)
    hidden.model.append(Message(Role.USER, "written while the tab was not shown"))
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(
        lambda: settled(window, hidden.view) and newest_rows_on_screen(hidden.view),
        timeout=WAIT_MS,
    )
    assert hidden.model.message(hidden.model.rowCount() - 1).content.startswith("written")


def test_switching_to_a_restored_tab_lays_out_no_text_and_shows_its_code_coloured(
    qtbot: QtBot, windows: Windows, tmp_path: Path
) -> None:
    window = restored_window(qtbot, windows, tmp_path, [long_chat(400, FORTRAN), long_chat(6, "")])
    hidden = window.tab(0).view
    delegate = hidden.message_delegate()
    # Prepared once the app is idle: the lexer built, the newest rows laid out.
    lexers = window.services.rendering.lexers
    qtbot.waitUntil(lambda: lexers.lookup("fortran")[0], timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: settled(window, hidden) and delegate.documents_built > 0, timeout=WAIT_MS
    )
    built = delegate.documents_built
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(
        lambda: settled(window, hidden) and newest_rows_on_screen(hidden), timeout=WAIT_MS
    )
    assert delegate.documents_built == built  # the switch laid out no text
    model = hidden.conversation_model()
    newest_code = model.message(
        max(r for r in range(model.rowCount()) if "fortran" in model.message(r).content)
    )
    width = body_width(hidden.viewport().width(), newest_code.role)
    shown = delegate.document_for(newest_code.content, width)  # (cached: what was painted)
    assert delegate.documents_built == built
    assert FORTRAN_COLOURED in "".join(piece.segment.html for piece in shown.pieces)


def test_the_code_languages_of_restored_chats_are_built_without_being_shown(
    qtbot: QtBot, windows: Windows, tmp_path: Path
) -> None:
    window = restored_window(qtbot, windows, tmp_path, [long_chat(30, HASKELL), long_chat(6, "")])
    lexers = window.services.rendering.lexers
    assert not lexers.has("haskell")  # (not before the first frame and the first idle)
    qtbot.waitUntil(lambda: lexers.has("haskell"), timeout=WAIT_MS)


def test_fence_languages_are_found_without_parsing() -> None:
    text = "Two:\n\n```Python\nx = 1\n```\n\n  ~~~ bash extra\nls\n~~~\n\n```\nplain\n```\n"
    assert fence_languages([text, "no code", "`inline`"]) == {"python", "bash"}


def test_idle_work_runs_once_the_loop_is_idle_not_at_once(qtbot: QtBot) -> None:
    calls: list[int] = []
    when_idle = WhenIdle(lambda: calls.append(1), latest_ms=5_000)
    when_idle.request()
    when_idle.request()  # already due: still one call
    assert calls == [] and when_idle.pending()
    qtbot.waitUntil(lambda: calls == [1], timeout=2_000)  # long before the deadline
    assert not when_idle.pending()


def test_idle_work_runs_by_its_deadline_while_the_loop_stays_busy(qapp: QApplication) -> None:
    calls: list[float] = []
    when_idle = WhenIdle(lambda: calls.append(time.monotonic()), latest_ms=50)
    asked = time.monotonic()
    when_idle.request()
    while not calls and time.monotonic() - asked < 2:
        qapp.processEvents()  # events and timers, but the loop never waits for more
    assert calls and calls[0] - asked >= 0.045


def test_idle_work_waits_for_the_first_frame_of_the_window(qtbot: QtBot) -> None:
    """At start-up the loop idles before the window's first frame; nothing starts then."""
    window = QWidget()
    qtbot.addWidget(window)
    painted: list[float] = []
    calls: list[float] = []
    first_frame = FirstFrame()
    when_idle = WhenIdle(
        lambda: calls.append(time.monotonic()), latest_ms=50, first_frame=first_frame
    )
    first_frame.watch(window)
    when_idle.request()
    qtbot.wait(300)  # idle, and long past the deadline: still held
    assert calls == [] and when_idle.pending()
    window.paintEvent = lambda _event: painted.append(time.monotonic())  # type: ignore[method-assign]
    window.show()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=2_000)
    assert painted and painted[0] <= calls[0]


def test_a_window_closed_before_it_painted_holds_nothing_back(qtbot: QtBot) -> None:
    window = QWidget()
    calls: list[int] = []
    first_frame = FirstFrame()
    when_idle = WhenIdle(lambda: calls.append(1), latest_ms=50, first_frame=first_frame)
    first_frame.watch(window)
    when_idle.request()
    window.deleteLater()
    qtbot.waitUntil(lambda: calls == [1], timeout=2_000)
