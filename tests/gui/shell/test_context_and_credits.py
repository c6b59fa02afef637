"""The context meter, the over-window choice and the credits each reply cost, in the real
window against the fake Segmind (which counts tokens with mistral-common, as a real
server would): the meter shows the exact count while typing, a request over the window
is never sent silently, the oldest messages can be left out (marked, kept with the chat),
and each reply records what it cost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.domain.tokens import TokenCounter
from mixtral_desktop.core.domain.usage import OVERLAPPED
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.composer.context_meter import ContextMeter
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.main_window import MainWindow
from mixtral_desktop.ui.theme.palette import LIGHT
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

WAIT_MS = 15_000
COUNTER = TokenCounter()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


def open_window(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, tmp_path: Path
) -> MainWindow:
    config = ClientConfig(base_url=server.base_url, connect_timeout=5, read_timeout=5)
    clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, retry=FAST_RETRY)
    win = windows.open(clients, store, presets_dir=tmp_path / "presets")
    win.resize(1000, 700)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    # The balance the credits API gives, before any reply: what the first one costs from.
    win.refresh_credits()
    qtbot.waitUntil(lambda: win.services.metering.ledger.balance is not None, timeout=WAIT_MS)
    return win


@pytest.fixture
def server(fake_segmind: FakeSegmind) -> FakeSegmind:
    # The credits API and the replies' header agree (paid credits only), as on Segmind.
    return fake_segmind.configure(
        reply="Voilà.", credits=10.0, free_credits=0.0, remaining_credits=10.0,
        credit_cost=0.25, header_after_charge=True,
    )


@pytest.fixture
def window(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, tmp_path: Path
) -> Iterator[MainWindow]:
    win = open_window(qtbot, windows, server, store, tmp_path)
    yield win
    win.close()


def meter(tab: ChatTab) -> ContextMeter:
    return tab.composer.meter


def shown(tab: ChatTab, tokens: int) -> bool:
    return meter(tab).label.text() == f"{tokens:,} / 65,536"


def send(qtbot: QtBot, tab: ChatTab, server: FakeSegmind, text: str) -> None:
    before = len(server.chat_requests)
    tab.composer.input.setFocus()
    qtbot.keyClicks(tab.composer.input, text)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(server.chat_requests) > before, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def last_reply(tab: ChatTab) -> Message:
    return tab.model.message(tab.model.rowCount() - 1)


def test_the_meter_counts_the_request_exactly_while_typing(
    qtbot: QtBot, window: MainWindow, server: FakeSegmind
) -> None:
    tab = window.current_tab()
    assert meter(tab).label.text() == "– / 65,536"  # nothing counted (or loaded) yet
    tab.composer.input.insertPlainText("Bonjour, ça va ?")  # (QTest types ASCII only)
    draft = [{"role": "user", "content": "Bonjour, ça va ?"}]
    qtbot.waitUntil(lambda: shown(tab, COUNTER.count(draft)), timeout=WAIT_MS)
    n = COUNTER.count(draft)
    assert meter(tab).label.accessibleName().startswith(f"Context: {n} of 65,536 tokens")
    # After a reply the meter counts the conversation plus the new draft, and our count
    # of the prompt is exactly the server's.
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy() and tab.model.rowCount() == 2, timeout=WAIT_MS)
    reply = last_reply(tab)
    assert reply.usage is not None
    assert reply.counted_tokens == reply.usage.prompt_tokens == n
    details = tab.model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    assert f"Prompt as the app counted it: {n} tokens (the same as Segmind's)" in details
    # The reply that ended is counted by itself (a moment after its last paint).
    turns = [*draft, {"role": "assistant", "content": "Voilà."}]
    qtbot.waitUntil(lambda: shown(tab, COUNTER.count(turns)), timeout=WAIT_MS)
    qtbot.keyClicks(tab.composer.input, "Et toi")
    turns = [*turns, {"role": "user", "content": "Et toi"}]
    qtbot.waitUntil(lambda: shown(tab, COUNTER.count(turns)), timeout=WAIT_MS)


def test_a_restored_chat_counts_nothing_until_the_user_does_something(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, tmp_path: Path
) -> None:
    cid = store.create_conversation("Saved")
    for role, text in ((Role.USER, "Question ?"), (Role.ASSISTANT, "Réponse.")):
        store.add_message(cid, Message(role=role, content=text))
    store.save_draft(cid, "Un brouillon", Role.USER)
    window = open_window(qtbot, windows, server, store, tmp_path)
    tab = window.open_conversation(cid)
    assert tab.composer.text() == "Un brouillon"
    # Loading the chat and its draft is not the user typing: no count ran (so start-up
    # loads no tokenizer for the tabs it restores).
    qtbot.waitUntil(lambda: not window.services.tasks.pending(), timeout=WAIT_MS)
    assert meter(tab).label.text() == "– / 65,536"
    tab.composer.input.setFocus()
    qtbot.keyClicks(tab.composer.input, "!")
    turns = [{"role": "user", "content": "Question ?"},
             {"role": "assistant", "content": "Réponse."},
             {"role": "user", "content": "Un brouillon!"}]
    qtbot.waitUntil(lambda: shown(tab, COUNTER.count(turns)), timeout=WAIT_MS)
    window.close()


def test_a_count_for_a_draft_that_changed_since_is_never_shown(
    qtbot: QtBot, window: MainWindow
) -> None:
    tab = window.current_tab()
    seen: list[int] = []
    tab.context.counted.connect(seen.append)
    text = "The quick brown fox jumps over the lazy dog. " * 20
    qtbot.keyClicks(tab.composer.input, text)  # one keystroke after another
    final = COUNTER.count([{"role": "user", "content": text}])
    qtbot.waitUntil(lambda: shown(tab, final), timeout=WAIT_MS)
    # Far fewer counts than keystrokes were shown, each for the draft as it stood then.
    assert 1 <= len(seen) < len(text) / 4
    assert seen[-1] == final


def test_the_room_kept_for_the_reply_and_the_window_colour_the_bar(
    qtbot: QtBot, window: MainWindow
) -> None:
    tab = window.current_tab()
    bar = meter(tab).bar
    meter(tab).show_count(1_000, 65_536)
    assert bar.colour() == LIGHT.meter.fill
    meter(tab).show_count(52_000, 65_536, reserve=1_000)  # 81 % with the reply's room
    assert bar.colour() == LIGHT.meter.warn
    meter(tab).show_count(65_000, 65_536, reserve=1_000)
    assert bar.colour() == LIGHT.meter.over
    assert "over the model's window by 464" in meter(tab).label.accessibleName()
    assert "1,000 kept for the reply" in meter(tab).label.accessibleName()


def long_chat(store: Store, messages: int = 16) -> int:
    """A saved chat of about 160,000 tokens: too long to send whole."""
    cid = store.create_conversation("Long chat")
    for i in range(messages):
        role = Role.USER if i % 2 == 0 else Role.ASSISTANT
        words = " ".join(f"mot{i}x{j}" for j in range(1_500))
        store.add_message(cid, Message(role, f"Message {i}: {words}"))
    return cid


def over_window_dialog(qtbot: QtBot, window: MainWindow) -> QMessageBox:
    def found() -> QMessageBox | None:
        box = window.findChild(QMessageBox, "over_window_dialog")
        return box if box is not None and box.isVisible() else None

    qtbot.waitUntil(lambda: found() is not None, timeout=WAIT_MS)
    box = found()
    assert box is not None
    return box


def test_a_request_over_the_window_is_not_sent_and_the_oldest_can_be_left_out(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, tmp_path: Path
) -> None:
    cid = long_chat(store)
    window = open_window(qtbot, windows, server, store, tmp_path)
    tab = window.open_conversation(cid)
    rows = [m.to_api() for m in store.messages(cid)]
    question = [{"role": "user", "content": "Summarise"}]
    total = COUNTER.count([*rows, *question])
    assert total > 65_536
    send_attempt = len(server.chat_requests)
    qtbot.keyClicks(tab.composer.input, "Summarise")
    qtbot.waitUntil(lambda: shown(tab, total), timeout=WAIT_MS)
    assert meter(tab).bar.colour() == LIGHT.meter.over
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    box = over_window_dialog(qtbot, window)
    assert box.text() == f"This request is {total:,} tokens; the model takes 65,536."
    fits_from = next(k for k in range(len(rows)) if COUNTER.count([*rows[k:], *question]) <= 65_536)
    button = box.findChild(QPushButton, "leave_out_button")
    assert button.text() == f"Leave out the {fits_from} oldest messages"
    assert "stay in the chat, not sent to the model" in box.informativeText()
    # Cancel: nothing went out, the message stays, the banner says why.
    box.findChild(QPushButton, "over_window_cancel").click()
    assert len(server.chat_requests) == send_attempt
    assert tab.model.message(tab.model.rowCount() - 1).content == "Summarise"
    assert "Nothing was sent" in tab.banner.message.text()
    # Retry asks again; this time the oldest are left out and the request goes.
    tab.retry()
    over_window_dialog(qtbot, window).findChild(QPushButton, "leave_out_button").click()
    qtbot.waitUntil(lambda: len(server.chat_requests) > send_attempt, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    sent = server.chat_requests[-1].json["messages"]
    assert sent == [*rows[fits_from:], *question]
    assert last_reply(tab).counted_tokens == COUNTER.count(sent)
    # Marked in the view: faded rows above the line, and a screen reader hears it.
    assert tab.model.first_sent_row == fits_from
    first = tab.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert first.startswith("user, not sent to the model: Message 0")
    kept = tab.model.index(fits_from).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "not sent" not in kept
    # Kept with the chat: a new window sends from the same message.
    first_id = store.messages(cid)[fits_from].id
    assert store.chat_settings.context_from(cid) == first_id
    window.close()
    again = open_window(qtbot, windows, server, store, tmp_path)
    tab = again.open_conversation(cid)
    assert tab.model.first_sent_row == fits_from
    # Any message's context menu undoes it; the chat remembers that too.
    menu = tab.view.message_actions.menu(fits_from + 1, tab.view)
    everything = [a for a in menu.actions() if a.text().startswith("Send everything again")]
    assert [a.text() for a in everything] == [
        f"Send everything again (the {fits_from} messages left out)"
    ]
    everything[0].trigger()
    assert tab.model.first_sent_row == 0
    qtbot.waitUntil(lambda: store.chat_settings.context_from(cid) is None, timeout=WAIT_MS)
    assert "not sent" not in tab.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    menu = tab.view.message_actions.menu(0, tab.view)
    assert not [a for a in menu.actions() if a.text().startswith("Send everything")]
    again.close()


def test_each_reply_records_what_it_cost_and_the_totals_show(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, tmp_path: Path
) -> None:
    window = open_window(qtbot, windows, server, store, tmp_path)
    tab = window.current_tab()
    send(qtbot, tab, server, "One")
    reply = last_reply(tab)
    assert (reply.credits_spent, reply.credits_note) == (pytest.approx(0.25), None)
    assert "Cost: 0.25 credits" in tab.model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: window.status.spend.text() == "Spent: 0.25")
    assert window.status.spend.accessibleName() == "Credits spent this session: 0.25"
    send(qtbot, tab, server, "Two")
    index = window.tabs.indexOf(tab)
    qtbot.waitUntil(
        lambda: "Credits spent in this chat: 0.5" in window.tabs.tabToolTip(index)
    )
    # The estimate appears once a few replies were paid, labelled as one.
    send(qtbot, tab, server, "Three")
    qtbot.keyClicks(tab.composer.input, "Four")
    estimate = meter(tab).estimate
    qtbot.waitUntil(estimate.isVisible, timeout=WAIT_MS)
    assert estimate.text().startswith("≈ ") and estimate.text().endswith(" credits")
    assert "estimate" in estimate.toolTip().lower()
    window.close()
    # Kept in the history.
    replies = [m for m in store.messages(store.list_conversations()[0].id)
               if m.role is Role.ASSISTANT]
    assert [m.credits_spent for m in replies] == [pytest.approx(0.25)] * 3
    assert all(m.counted_tokens and m.usage and m.counted_tokens == m.usage.prompt_tokens
               for m in replies)
    # Opened again (the chat's total is added up from its history).
    again = open_window(qtbot, windows, server, store, tmp_path)
    tab = again.open_conversation(store.list_conversations()[0].id)
    assert "Credits spent in this chat: 0.75" in again.tabs.tabToolTip(again.tabs.indexOf(tab))
    again.close()


def test_replies_of_two_tabs_at_once_are_marked_approximate(
    qtbot: QtBot, window: MainWindow, server: FakeSegmind
) -> None:
    hold = threading.Event()
    server.configure(hold=hold)
    first = window.current_tab()
    second = window.new_tab()
    for tab, text in ((first, "Left"), (second, "Right")):
        window.tabs.setCurrentWidget(tab)
        tab.composer.input.setFocus()
        qtbot.keyClicks(tab.composer.input, text)
        qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(server.chat_requests) == 2, timeout=WAIT_MS)
    hold.set()
    qtbot.waitUntil(lambda: not first.is_busy() and not second.is_busy(), timeout=WAIT_MS)
    for tab in (first, second):
        reply = last_reply(tab)
        assert reply.credits_note == OVERLAPPED
        details = tab.model.index(1).data(Qt.ItemDataRole.ToolTipRole)
        assert "(approximate: other requests were on their way at the same time)" in details
        assert "Cost: ≈ " in details
    # Each figure is a guess, the two together are what the balance fell by.
    spent = [last_reply(tab).credits_spent or 0.0 for tab in (first, second)]
    assert sum(spent) == pytest.approx(0.5)
    qtbot.waitUntil(lambda: window.status.spend.text() == "Spent: ≈ 0.5")


def test_closing_the_window_just_after_a_reply_counts_nothing_more(
    qtbot: QtBot, windows: Windows, server: FakeSegmind, store: Store, tmp_path: Path
) -> None:
    window = open_window(qtbot, windows, server, store, tmp_path)
    tab = window.current_tab()
    send(qtbot, tab, server, "Hello")
    assert tab.context.count_due()  # the reply is counted a moment after it ends
    window.close()  # before that moment: the count is called off, not started late
    assert not tab.context.count_due()
