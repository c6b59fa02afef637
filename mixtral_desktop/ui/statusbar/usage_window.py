"""History → Usage: what the last 30 days of replies cost, per day and per chat, as a
bar chart (credits, tokens or requests) and two sortable tables, with the totals, and
exported as a CSV file (its format: :mod:`mixtral_desktop.core.storage.usage_rows`).

A window of its own, not modal: the user can chat with it open (Refresh reads again).
It is given how to read the usage and how to write a file, both coroutines that run on
a worker (the shell's :mod:`~mixtral_desktop.ui.shell.usage_flow` reads on a read-only
connection of its own), so a large history never stalls the window. This module, and
its chart's, is imported when the window is first opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.storage.usage_rows import UsageReport, UsageUnreadable, usage_csv
from mixtral_desktop.ui.statusbar.usage_chart import ChartData, Series, UsageChart
from mixtral_desktop.ui.statusbar.usage_tables import (
    CREDITS_COLUMN,
    Row,
    UsageTable,
    count_text,
    credits_number,
    credits_text,
)
from mixtral_desktop.ui.theme.current import PALETTE
from mixtral_desktop.ui.theme.names import UNTITLED
from mixtral_desktop.ui.workers.tasks import TaskGroup

Load = Callable[[], Awaitable[UsageReport]]
Save = Callable[[Path, str], Awaitable[None]]

METRICS = (  # key, the radio button's text, its accessible name
    ("credits", "&Credits", "Chart credits per day"),
    ("tokens", "&Tokens", "Chart tokens per day"),
    ("requests", "Re&quests", "Chart requests per day"),
)
COUNTED = (
    "Replies the server answered, fully or in part (stopped ones too); failed replies and "
    "chats in the bin are not counted. Days are local days."
)


def chart_data(report: UsageReport, metric: str) -> ChartData:
    """The chart of ``metric`` ("credits", "tokens" or "requests") for the report."""
    days = tuple(d.day for d in report.days)
    sums = [d.sums for d in report.days]
    colours = PALETTE.chart
    if metric == "tokens":
        return ChartData("Tokens", days, (
            Series("Prompt", tuple(float(s.prompt_tokens) for s in sums), colours.bar),
            Series("Completion", tuple(float(s.completion_tokens) for s in sums),
                   colours.second),
        ), count_text, whole=True)
    if metric == "requests":
        values = tuple(float(s.requests) for s in sums)
        return ChartData("Requests", days, (Series("Requests", values, colours.bar),),
                         count_text, whole=True)
    return ChartData(
        "Credits", days, (Series("Credits", tuple(s.credits for s in sums), colours.bar),),
        credits_number,
        approximate=tuple(s.credits_approximate or not s.credits_known for s in sums),
        total_approximate=report.total.credits_approximate or not report.total.credits_known,
    )


def totals_text(report: UsageReport) -> str:
    """"Total: 42 requests · 12,345 prompt + 6,789 completion tokens · ≈0.1234 credits"."""
    total = report.total
    credits = credits_text(total)
    spent = "credits not known" if credits == "–" else f"{credits} credits"
    text = (
        f"Total: {count_text(total.requests)} requests · {count_text(total.prompt_tokens)} "
        f"prompt + {count_text(total.completion_tokens)} completion tokens · {spent}"
    )
    if total.credits_approximate:
        text += "\n≈ approximate: some costs were estimated or not recorded"
    return text


class UsageWindow(QDialog):
    """``open_requested(conversation_id)``: the user chose a chat in the per-chat table
    (Enter or a double click); the shell shows it."""

    open_requested = Signal(int)

    def __init__(
        self, load: Load, save: Save, tasks: TaskGroup, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("usage_window")
        self.setWindowTitle("Usage")
        self.setAccessibleName("Usage")
        self.setModal(False)
        self.resize(860, 680)
        self._load, self._save, self._tasks = load, save, tasks
        self.report: UsageReport | None = None
        self.period = QLabel("Last 30 days", self)
        self.period.setObjectName("usage_period")
        self.period.setAccessibleName("Period")
        self.period.setToolTip(COUNTED)
        self.metrics = QButtonGroup(self)
        self.metric_buttons: dict[str, QRadioButton] = {}
        for key, text, accessible in METRICS:
            button = QRadioButton(text, self)
            button.setObjectName(f"usage_chart_{key}")
            button.setAccessibleName(accessible)
            self.metrics.addButton(button)
            self.metric_buttons[key] = button
        self.metric_buttons["credits"].setChecked(True)
        self.chart = UsageChart(self)
        self.per_day = UsageTable("Date", "usage_per_day", "Usage per day", self)
        self.per_chat = UsageTable("Chat", "usage_per_chat", "Usage per chat", self)
        self.per_day.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.per_chat.sortByColumn(CREDITS_COLUMN, Qt.SortOrder.DescendingOrder)
        self.tables = QTabWidget(self)
        self.tables.setObjectName("usage_tables")
        self.tables.setAccessibleName("Usage tables")
        self.tables.tabBar().setAccessibleName("Table: per day or per chat")
        self.tables.addTab(self.per_day, "Per &day")
        self.tables.addTab(self.per_chat, "Per c&hat")
        self.totals = QLabel("", self)
        self.totals.setObjectName("usage_totals")
        self.totals.setAccessibleName("Totals")
        self.totals.setToolTip(COUNTED)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setWordWrap(True)
        self.status = QLabel("", self)
        self.status.setObjectName("usage_status")
        self.status.setAccessibleName("Usage status")
        self.status.setWordWrap(True)
        self.status.hide()
        self.refresh_button = self._button("usage_refresh", "&Refresh", "Refresh")
        self.export_button = self._button("usage_export", "&Export CSV…", "Export CSV")
        self.close_button = self._button("usage_close", "Close", "Close")
        self.export_button.setEnabled(False)
        self._lay_out()
        self.metrics.buttonToggled.connect(self._metric_toggled)
        self.per_chat.activated.connect(self._open_chat)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_csv)
        self.close_button.clicked.connect(self.close)

    def _button(self, name: str, text: str, accessible: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.period)
        top.addStretch(1)
        shows = QLabel("Chart:", self)
        shows.setAccessibleName("Chart")
        top.addWidget(shows)
        for button in self.metric_buttons.values():
            top.addWidget(button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.chart, 2)
        layout.addWidget(self.tables, 3)
        layout.addWidget(self.totals)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # -- what the shell calls -------------------------------------------------------

    def refresh(self) -> asyncio.Task[None]:
        """Read the usage again (on a worker); the window shows it when it arrives."""
        self._say("Reading the history…")
        self.refresh_button.setEnabled(False)
        return self._tasks.start(self._read(), "usage: read")

    def show_report(self, report: UsageReport) -> None:
        self.report = report
        first, last = report.period.first, report.period.last
        self.period.setText(
            f"Last {len(report.days)} days: {first.isoformat()} to {last.isoformat()}"
        )
        self.per_day.set_rows([
            Row(d.day.isoformat(), d.day.isoformat(), d.sums) for d in report.days
        ])
        self.per_chat.set_rows([
            Row(c.title or UNTITLED, (c.title or UNTITLED).casefold(), c.sums,
                c.conversation_id)
            for c in report.chats
        ])
        self.totals.setText(totals_text(report))
        if not report.total.credits_known and self.chart_metric() == "credits":
            self.metric_buttons["tokens"].setChecked(True)  # (redraws the chart)
        self._show_chart()
        self.export_button.setEnabled(True)

    def chart_metric(self) -> str:
        """What the chart shows: "credits", "tokens" or "requests"."""
        return next(k for k, b in self.metric_buttons.items() if b.isChecked())

    # -- export ---------------------------------------------------------------------

    def export_csv(self) -> asyncio.Task[None] | None:
        """Ask where, then write the report's CSV there (on a worker, atomically)."""
        report = self.report
        if report is None:
            return None
        path = self.ask_save_path(f"mixtral-usage-{report.period.last.isoformat()}.csv")
        if path is None:
            return None
        return self._tasks.start(self._export(path, usage_csv(report)), "usage: export")

    def ask_save_path(self, suggested: str) -> Path | None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export usage", str(Path.home() / suggested), "CSV files (*.csv)"
        )
        if not path:
            return None
        return Path(path) if Path(path).suffix else Path(f"{path}.csv")

    def warn(self, text: str) -> None:
        QMessageBox.warning(self, "Usage", text)

    # -- helpers --------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            report = await self._load()
        except (UsageUnreadable, OSError) as error:
            self._say(f"The usage could not be read: {error}", failure=True)
            return
        finally:
            self.refresh_button.setEnabled(True)
        self._say("")
        self.show_report(report)

    async def _export(self, path: Path, text: str) -> None:
        try:
            await self._save(path, text)
        except OSError as error:
            where = error.filename or path
            reason = error.strerror or str(error)
            self._say(f"Not exported: {reason} ({where}).", failure=True)
            self.warn(f"The usage could not be exported: {reason} ({where}).")
            return
        self._say(f"Exported to {path}.")

    def _say(self, text: str, failure: bool = False) -> None:
        """A line under the totals: reading, a failure (in the failure colour), where the
        file went ("" hides it)."""
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {PALETTE.note_failed if failure else PALETTE.muted};")
        self.status.setVisible(bool(text))

    def _show_chart(self) -> None:
        if self.report is not None:
            self.chart.set_data(chart_data(self.report, self.chart_metric()))

    def _metric_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self._show_chart()

    def _open_chat(self, index: QModelIndex) -> None:
        conversation_id = self.per_chat.conversation_id(index)
        if conversation_id is not None:
            self.open_requested.emit(conversation_id)
