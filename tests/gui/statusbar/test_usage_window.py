"""The usage window on a real history file: the sums in its tables and totals, the chart
and its description for a screen reader, the chart's toggle, Export CSV (the file, and a
failure said), Esc, a chat opened from it; and in the real window: Ctrl+Shift+U opens
it, and its module is not imported until then."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, Usage
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.core.storage.usage_rows import (
    UsageReport,
    UsageUnreadable,
    read_usage,
    usage_csv,
    write_csv,
)
from mixtral_desktop.ui.shell.main_window import MainWindow
from mixtral_desktop.ui.statusbar.usage_chart import describe
from mixtral_desktop.ui.statusbar.usage_window import UsageWindow
from mixtral_desktop.ui.theme.names import UNTITLED
from mixtral_desktop.ui.workers.tasks import TaskGroup
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

ROOT = Path(__file__).resolve().parents[3]
WAIT_MS = 8000
TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)
WEEK_AGO = TODAY - timedelta(days=7)


def at(day: date, hour: int = 12) -> float:
    return datetime(day.year, day.month, day.day, hour).timestamp()


def reply(
    day: date, prompt: int, completion: int, credits: float | None = None,
    note: str | None = None, hour: int = 12,
) -> Message:
    return Message(
        Role.ASSISTANT, "Answer.", MessageState.DONE, created=at(day, hour),
        usage=Usage(prompt, completion, prompt + completion), credits_spent=credits,
        credits_note=note,
    )


def chat(store: Store, title: str, *replies: Message) -> int:
    conversation_id = store.create_conversation(title)
    for message in replies:
        store.add_message(conversation_id, Message(Role.USER, "Q?", created=message.created))
        store.add_message(conversation_id, message)
    return conversation_id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


@pytest.fixture
def chats(store: Store) -> dict[str, int]:
    """Two chats with credits (one figure approximate), one untitled without any, one
    in the bin."""
    made = {
        "lyon": chat(store, "Trip to Lyon",
                     reply(TODAY, 1000, 200, 0.04, hour=9), reply(TODAY, 500, 100, 0.01),
                     reply(WEEK_AGO, 300, 50, 0.005)),
        "code": chat(store, "Code review", reply(YESTERDAY, 2000, 600, 0.08,
                                                 note="another reply overlapped")),
        "untitled": chat(store, "", reply(YESTERDAY, 40, 10)),
        "binned": chat(store, "Binned", reply(TODAY, 9999, 9999, 9.0)),
    }
    store.delete_conversation(made["binned"])
    return made


def open_usage(
    qtbot: QtBot, store: Store, executors: Executors, tasks: TaskGroup
) -> UsageWindow:
    async def load() -> UsageReport:
        return await executors.run(read_usage, store.path)

    async def save(path: Path, text: str) -> None:
        await executors.run(write_csv, path, text)

    made = UsageWindow(load, save, tasks.child("usage window"))
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    task = made.refresh()
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    return made


@pytest.fixture
def window(
    qtbot: QtBot, store: Store, chats: dict[str, int], executors: Executors, tasks: TaskGroup
) -> UsageWindow:
    return open_usage(qtbot, store, executors, tasks)


def test_the_window_and_its_controls_are_named(window: UsageWindow) -> None:
    assert window.objectName() == "usage_window"
    assert window.windowTitle() == window.accessibleName() == "Usage"
    assert not window.isModal()
    for widget in window.findChildren(QWidget):
        if widget.isVisibleTo(window) and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
            assert widget.accessibleName(), widget
    for name in ("usage_chart", "usage_per_day", "usage_per_chat", "usage_totals",
                 "usage_period", "usage_export", "usage_close", "usage_refresh",
                 "usage_chart_credits", "usage_chart_tokens", "usage_chart_requests"):
        found = window.findChild(QWidget, name)
        assert found is not None and found.accessibleName(), name
    assert window.period.text() == (
        f"Last 30 days: {(TODAY - timedelta(days=29)).isoformat()} to {TODAY.isoformat()}"
    )


def test_the_tables_and_totals_show_the_sums(window: UsageWindow) -> None:
    days = window.per_day.rows()
    assert len(days) == 30
    assert days[0] == [TODAY.isoformat(), "2", "1,500", "300", "0.05"]  # newest first
    assert days[1] == [YESTERDAY.isoformat(), "2", "2,040", "610", "≈0.08"]
    assert days[7] == [WEEK_AGO.isoformat(), "1", "300", "50", "0.005"]
    assert days[2] == [(TODAY - timedelta(days=2)).isoformat(), "0", "0", "0", "0"]
    assert window.per_chat.rows() == [  # most credits first; the binned chat left out
        ["Code review", "1", "2,000", "600", "≈0.08"],
        ["Trip to Lyon", "3", "1,800", "350", "0.055"],
        [UNTITLED, "1", "40", "10", "–"],
    ]
    assert window.totals.text() == (
        "Total: 5 requests · 3,840 prompt + 960 completion tokens · ≈0.135 credits"
        "\n≈ approximate: some costs were estimated or not recorded"
    )
    window.per_chat.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by prompt tokens
    assert [r[0] for r in window.per_chat.rows()] == [UNTITLED, "Trip to Lyon", "Code review"]


def test_the_chart_describes_its_numbers_and_the_toggle_changes_it(
    qtbot: QtBot, window: UsageWindow
) -> None:
    first = (TODAY - timedelta(days=29)).isoformat()
    span = f"last 30 days ({first} to {TODAY.isoformat()})"
    assert window.chart_metric() == "credits"
    assert window.chart.accessibleDescription() == (
        f"Credits per day, {span}: total ≈0.135; highest ≈0.08 on {YESTERDAY.isoformat()}"
    )
    qtbot.mouseClick(window.metric_buttons["tokens"], Qt.MouseButton.LeftButton)
    data = window.chart.data()
    assert data is not None and data.name == "Tokens"
    assert [s.name for s in data.series] == ["Prompt", "Completion"]
    assert window.chart.accessibleDescription() == (
        f"Tokens per day, {span}: total 4,800 (3,840 prompt, 960 completion); "
        f"highest 2,650 on {YESTERDAY.isoformat()}"
    )
    window.metric_buttons["requests"].setFocus()
    qtbot.keyClick(window.metric_buttons["requests"], Qt.Key.Key_Space)
    assert window.chart_metric() == "requests"
    assert window.chart.accessibleDescription() == (  # a tie: the latest day
        f"Requests per day, {span}: total 5; highest 2 on {TODAY.isoformat()}"
    )
    today_bar = window.chart.plot_rect().right() - 1
    assert window.chart.bar_at(today_bar) == 29
    assert data.day_text(29).startswith(f"Tokens on {TODAY.isoformat()}: 1,800 (1,500 prompt")


def test_without_credits_the_chart_starts_with_tokens(
    qtbot: QtBot, store: Store, executors: Executors, tasks: TaskGroup
) -> None:
    chat(store, "No costs", reply(TODAY, 100, 20))
    window = open_usage(qtbot, store, executors, tasks)
    assert window.chart_metric() == "tokens"
    assert window.totals.text().endswith("· credits not known")
    assert not window.status.isVisibleTo(window)  # nothing to say once read
    assert window.per_day.rows()[0][-1] == "–"


def test_an_empty_history_has_a_full_axis(
    qtbot: QtBot, store: Store, executors: Executors, tasks: TaskGroup
) -> None:
    window = open_usage(qtbot, store, executors, tasks)
    assert len(window.per_day.rows()) == 30
    assert window.per_chat.rows() == []
    data = window.chart.data()
    assert data is not None and describe(data).endswith("total 0; nothing on any day")


def test_export_csv_writes_the_file(
    qtbot: QtBot, window: UsageWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[Any, ...]] = []

    def answer(*args: Any) -> tuple[str, str]:
        asked.append(args)
        return str(tmp_path / "usage"), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "usage.csv"  # the suffix added
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    assert Path(asked[0][2]).name == f"mixtral-usage-{TODAY.isoformat()}.csv"
    assert window.report is not None
    text = target.read_bytes().decode("utf-8")
    assert text == usage_csv(window.report)
    assert text.count("\r\n") == 1 + 30 + 3 + 1  # header, days, chats, total
    qtbot.waitUntil(lambda: window.status.text() == f"Exported to {target}.")
    assert window.status.isVisibleTo(window)


def test_an_export_that_fails_says_why(
    qtbot: QtBot, window: UsageWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    setattr(window, "warn", warnings.append)  # noqa: B010 (a method replaced on the instance)
    missing = tmp_path / "no such folder" / "usage.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(missing), ""))
    task = window.export_csv()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    assert len(warnings) == 1
    assert warnings[0].startswith("The usage could not be exported: No such file or directory")
    assert window.status.text().startswith("Not exported: No such file or directory")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    assert window.export_csv() is None  # cancelled: nothing written, nothing said


def test_a_history_that_cannot_be_read_is_said(
    qtbot: QtBot, executors: Executors, tasks: TaskGroup, tmp_path: Path
) -> None:
    async def load() -> UsageReport:
        return await executors.run(read_usage, tmp_path / "gone.sqlite3")

    async def save(path: Path, text: str) -> None:
        raise AssertionError("nothing to save")

    window = UsageWindow(load, save, tasks.child("usage window"))
    qtbot.addWidget(window)
    task = window.refresh()
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    assert window.status.text().startswith("The usage could not be read:")
    assert window.status.isVisibleTo(window)
    assert not window.export_button.isEnabled()
    assert window.refresh_button.isEnabled()
    assert issubclass(UsageUnreadable, Exception)


def test_escape_closes_and_enter_opens_a_chat(
    qtbot: QtBot, window: UsageWindow, chats: dict[str, int]
) -> None:
    table = window.per_chat
    window.tables.setCurrentWidget(table)
    table.setFocus()
    table.setCurrentIndex(table.proxy.index(1, 0))
    with qtbot.waitSignal(window.open_requested) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [chats["lyon"]]
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert not window.isVisible()


# -- in the real window -------------------------------------------------------------


def test_ctrl_shift_u_opens_it_from_the_main_window(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind, store: Store,
    chats: dict[str, int],
) -> None:
    config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=5)
    clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, retry=FAST_RETRY)
    main: MainWindow = windows.open(clients, store)
    main.show()
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)
    assert main.usage_flow.usage_window is None  # made when first asked for
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(main.current_tab().composer.input, Qt.Key.Key_U, keys)
    usage = main.usage_flow.usage_window
    assert usage is not None
    qtbot.waitUntil(lambda: usage.isVisible() and usage.report is not None, timeout=WAIT_MS)
    assert usage.parent() is main
    assert usage.per_chat.rows()[0][0] == "Code review"
    actions = {a.text(): a for a in main.actions()}
    assert actions["Usage…"].shortcut().toString() == "Ctrl+Shift+U"
    usage.per_chat.setCurrentIndex(usage.per_chat.proxy.index(0, 0))
    qtbot.keyClick(usage.per_chat, Qt.Key.Key_Return)  # the chat opens in the window
    assert main.session.tab_of(chats["code"]) is main.current_tab()
    qtbot.keyClick(usage.per_chat, Qt.Key.Key_Escape)
    assert not usage.isVisible()
    chat(store, "Later", reply(TODAY, 5, 5, 1.5))
    actions["Usage…"].trigger()  # opened again: the same window, read again
    assert main.usage_flow.usage_window is usage
    qtbot.waitUntil(lambda: usage.per_chat.rows()[0][0] == "Later", timeout=WAIT_MS)


def test_the_main_window_does_not_import_the_usage_window() -> None:
    code = (
        "import sys\n"
        "import mixtral_desktop.ui.shell.main_window\n"
        "print(sorted(m for m in sys.modules if m.startswith('mixtral_desktop.ui.statusbar.')"
        " or m in ('mixtral_desktop.core.storage.usage_rows', 'csv')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=True,
    )
    loaded = result.stdout.strip()
    assert "usage_window" not in loaded and "usage_chart" not in loaded, loaded
    assert "usage_tables" not in loaded, loaded
    assert "usage_rows" not in loaded and "'csv'" not in loaded, loaded  # (its queries)
    assert "mixtral_desktop.ui.statusbar.bar" in loaded  # (the check sees the package)
