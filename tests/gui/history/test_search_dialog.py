"""Search all chats: results as you type, highlighted hits, keyboard choice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListView
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.core.services.search import HistorySearch
from mixtral_desktop.core.storage.records import HIT_END, HIT_START
from mixtral_desktop.core.storage.search import SearchIndex
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.history.search_dialog import SearchDialog
from mixtral_desktop.ui.history.search_results import (
    HitRole,
    SearchHitDelegate,
    SnippetHtmlRole,
    snippet_html,
)
from mixtral_desktop.ui.theme.palette import LIGHT
from mixtral_desktop.ui.workers.tasks import TaskGroup

MakeDialog = Callable[[QtBot, Store], SearchDialog]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
HIGHLIGHT_OPEN = f'<span style="background-color: {LIGHT.search_hit};'


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "h.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def filled(store: Store) -> dict[str, tuple[int, int]]:
    """A few chats; returns "title" -> (conversation id, id of its pineapple message)."""
    now = time.time()
    chats = {
        "Fruit salad": [
            (Role.USER, "What goes well with pineapple in a fruit salad?"),
            (Role.ASSISTANT, "Mango, kiwi and lime juice go well with pineapple."),
        ],
        "Pizza debate": [
            (Role.USER, "Is pineapple on pizza acceptable? Be honest & brief <please>."),
            (Role.ASSISTANT, "Taste is personal; many people enjoy it."),
        ],
        "Rust lifetimes": [(Role.USER, "Explain lifetimes in Rust.")],
    }
    found: dict[str, tuple[int, int]] = {}
    for age, (title, turns) in enumerate(chats.items()):
        when = now - (age + 1) * 3600
        conversation = store.insert_conversation(
            title,
            [Message(role, text, created=when) for role, text in turns],
            created=when,
            updated=when,
        )
        for message in store.messages(conversation):
            if "pineapple" in message.content and title not in found:
                assert message.id is not None
                found[title] = (conversation, message.id)
    return found


@pytest.fixture
def make_dialog(
    qtbot: QtBot, executors: Executors, tasks: TaskGroup
) -> Iterator[Callable[[QtBot, Store], SearchDialog]]:
    """Opens a search dialog on a store's history (its own read-only connection)."""
    indexes: list[SearchIndex] = []

    def make(qtbot: QtBot, store: Store) -> SearchDialog:
        indexes.append(SearchIndex(store.path))
        return open_dialog(qtbot, HistorySearch(indexes[-1], executors.search), tasks)

    yield make
    for index in indexes:
        index.close()


def open_dialog(qtbot: QtBot, search: HistorySearch, tasks: TaskGroup) -> SearchDialog:
    dialog = SearchDialog(search, tasks.child("search"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def parts(dialog: SearchDialog) -> tuple[QLineEdit, QListView, QLabel]:
    field = dialog.findChild(QLineEdit, "search_field")
    results = dialog.findChild(QListView, "search_results")
    status = dialog.findChild(QLabel, "search_status")
    assert field is not None and results is not None and status is not None
    return field, results, status


def type_query(qtbot: QtBot, dialog: SearchDialog, text: str) -> None:
    field, _, _ = parts(dialog)
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.waitUntil(lambda: not dialog.searching())


def test_looks(make_dialog: MakeDialog, qtbot: QtBot, store: Store) -> None:
    dialog = make_dialog(qtbot, store)
    field, _, status = parts(dialog)
    assert dialog.objectName() == "search_dialog"
    assert dialog.windowTitle() == "Search all chats"
    assert field.placeholderText() == "Search every conversation…"
    assert dialog.focusWidget() is field
    assert not status.isVisible()


def test_results_as_you_type_with_highlight(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    field, results, status = parts(dialog)
    qtbot.keyClicks(field, "pineap")  # a prefix is enough
    qtbot.waitUntil(lambda: results.model().rowCount() == 3)
    assert status.text() == "3 results"
    model = results.model()
    for row in range(3):
        index = model.index(row, 0)
        html = index.data(SnippetHtmlRole)
        assert f"{HIGHLIGHT_OPEN} color: #1f2328;\">pineapple</span>" in html.lower()
        assert HIT_START not in html and HIT_END not in html
        assert index.data(HitRole).title in filled
    # What the row paints: the snippet's text, the markup escaped, not interpreted.
    delegate = results.itemDelegate()
    assert isinstance(delegate, SearchHitDelegate)
    rows = [model.index(r, 0) for r in range(3)]
    pizza = next(i for i in rows if i.data(HitRole).title == "Pizza debate")
    document = delegate.document(pizza, results.font(), 400)
    assert "honest & brief <please>" in document.toPlainText()
    markup = pizza.data(SnippetHtmlRole)
    assert "&amp;" in markup and "&lt;please&gt;" in markup


def test_enter_chooses_the_selected_hit_and_closes(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    field, results, _ = parts(dialog)
    type_query(qtbot, dialog, "pineapple")
    assert results.currentIndex().row() == 0
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert results.currentIndex().row() == 1
    assert dialog.focusWidget() is field  # typing can go on
    second = results.currentIndex().data(HitRole)
    with qtbot.waitSignal(dialog.hit_chosen) as chosen:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert chosen.args == [second.conversation_id, second.message_id]
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    messages = {m.id: m for m in store.messages(second.conversation_id)}
    assert "pineapple" in messages[second.message_id].content


def test_up_down_stay_in_range(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    field, results, _ = parts(dialog)
    type_query(qtbot, dialog, "pineapple")
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert results.currentIndex().row() == 0
    for _ in range(5):
        qtbot.keyClick(field, Qt.Key.Key_Down)
    assert results.currentIndex().row() == 2


def test_double_click_chooses(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    _, results, _ = parts(dialog)
    type_query(qtbot, dialog, "pizza")
    assert results.model().rowCount() == 1
    rect = results.visualRect(results.model().index(0, 0))
    with qtbot.waitSignal(dialog.hit_chosen) as chosen:
        qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseRelease(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == list(filled["Pizza debate"])
    assert not dialog.isVisible()


def test_enter_right_after_typing_takes_the_first_hit(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    field, _, _ = parts(dialog)
    qtbot.keyClicks(field, "pizza")
    with qtbot.waitSignal(dialog.hit_chosen) as chosen:
        qtbot.keyClick(field, Qt.Key.Key_Return)  # before the typing pause ran the search
    assert chosen.args == list(filled["Pizza debate"])


@pytest.mark.parametrize("query", ['"', "*", "(", 'pine"apple', "NEAR(", "a OR", "-x", "'); --"])
def test_hostile_input_shows_no_error(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]],
    query: str,
) -> None:
    dialog = make_dialog(qtbot, store)
    _, _, status = parts(dialog)
    type_query(qtbot, dialog, query)
    assert status.text() != "Search failed"
    assert status.text() == "No matches" or status.text().endswith(("result", "results"))


def test_no_matches_and_empty_query(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    field, results, status = parts(dialog)
    type_query(qtbot, dialog, "xylophonequark")
    assert results.model().rowCount() == 0
    assert status.isVisible() and status.text() == "No matches"
    with qtbot.assertNotEmitted(dialog.hit_chosen):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert dialog.isVisible()
    type_query(qtbot, dialog, "")
    assert not status.isVisible() and results.model().rowCount() == 0


def test_escape_closes_and_reopening_keeps_the_query_selected(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    dialog = make_dialog(qtbot, store)
    field, results, _ = parts(dialog)
    type_query(qtbot, dialog, "pineapple")
    with qtbot.assertNotEmitted(dialog.hit_chosen):
        qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    assert field.text() == "pineapple" and field.selectedText() == "pineapple"
    assert results.model().rowCount() == 3
    qtbot.keyClicks(field, "lifetimes")  # typing replaces the selected query
    qtbot.waitUntil(lambda: results.model().rowCount() == 1)
    assert field.text() == "lifetimes"


def test_deleted_conversations_are_not_found(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    store.delete_conversation(filled["Pizza debate"][0])
    dialog = make_dialog(qtbot, store)
    type_query(qtbot, dialog, "pineapple")
    _, results, _ = parts(dialog)
    found = {results.model().index(r, 0).data(HitRole).title for r in range(2)}
    assert results.model().rowCount() == 2 and found == {"Fruit salad"}


def test_snippet_html() -> None:
    snippet = f"a <b>&\n {HIT_START}word{HIT_END} end {HIT_START}cut"
    html = snippet_html(snippet)
    assert html.startswith("a &lt;b&gt;&amp; <span")
    assert html.count("<span") == html.count("</span>") == 2


def test_screenshot(
    make_dialog: MakeDialog, qtbot: QtBot, store: Store, filled: dict[str, tuple[int, int]]
) -> None:
    long = (
        "Here is a longer answer. A pineapple upside-down cake needs butter, brown sugar, "
        "pineapple rings and cherries; bake it at 180 °C for about 45 minutes, then let it "
        "rest before turning it out."
    )
    for title, age, message in [
        ("Baking with kids", 86400 * 20, Message(Role.ASSISTANT, long)),
        ("", 120, Message(Role.SYSTEM, "Always answer with pineapple facts.")),
    ]:
        when = time.time() - age
        message = Message(message.role, message.content, created=when)
        store.insert_conversation(title, [message], created=when, updated=when)
    dialog = make_dialog(qtbot, store)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    type_query(qtbot, dialog, "pineapple")
    field, results, _ = parts(dialog)
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert results.currentIndex().row() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "search_dialog.png"))
