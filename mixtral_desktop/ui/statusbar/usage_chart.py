"""The usage window's bar chart: one bar per day, stacked when a day has parts (prompt
and completion tokens), painted with QPainter.

**Why our own chart.** Measured on Linux x86-64 with PySide6 6.11.3 and Python 3.11
(warm disk cache, the median of 7 fresh interpreters, QtWidgets already imported):

- *QtCharts* needs the PySide6-Addons wheel: a 175 MB download, +417 MB installed
  (PySide6 grows from 234 MB to 651 MB: Addons ships every add-on module, Charts is
  3.3 MB of it, nothing installs it alone). Importing it takes ~2 ms, and the first
  chart of 30 bars ~30 ms.
- *pyqtgraph* 0.14 is 1.9 MB (4 MB installed) but needs numpy (17 MB, 73 MB
  installed, not an app dependency); ``import pyqtgraph`` takes ~190 ms, ~45 ms of it
  numpy's, and its first plot of 30 bars ~220-280 ms.
- *This module*: no dependency, ~250 lines; the window, its tables and this module
  import in ~6 ms when the window is first opened, and 30 stacked bars paint in
  ~0.4 ms (a whole 720 x 230 grab).

Thirty bars, three value lines and a few labels are all the window needs: neither
library's zoom, pan or thousands of points is worth its size or its start.
The window sets the chart's accessible description (:func:`describe`): what the bars
say, in words, for a screen reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from mixtral_desktop.ui.theme.current import PALETTE

LABEL_EVERY = 7  # days between two dates under the bars (counted back from the last)
BAR_SHARE = 0.7  # of a day's width
PAD = 8.0


@dataclass(frozen=True)
class Series:
    """One part of every day's bar (a stack's parts, bottom first)."""

    name: str
    values: tuple[float, ...]
    colour: str


@dataclass(frozen=True)
class ChartData:
    """What the chart shows: ``name`` ("Credits") of a value per day, drawn as
    ``text`` writes it; ``approximate`` days (and total) are shown with "≈"."""

    name: str
    days: tuple[date, ...]
    series: tuple[Series, ...]
    text: Callable[[float], str]
    approximate: tuple[bool, ...] = ()
    total_approximate: bool = False
    whole: bool = False  # counts (requests, tokens): the value lines fall on whole numbers

    def day_totals(self) -> list[float]:
        return [sum(s.values[i] for s in self.series) for i in range(len(self.days))]

    def value_text(self, value: float, approximate: bool) -> str:
        return f"{'≈' if approximate else ''}{self.text(value)}"

    def day_text(self, index: int) -> str:
        """"Credits on 2026-12-01: ≈0.045" (with its parts when stacked)."""
        approximate = index < len(self.approximate) and self.approximate[index]
        total = self.value_text(self.day_totals()[index], approximate)
        return f"{self.name} on {self.days[index].isoformat()}: {total}{self.parts_text(index)}"

    def parts_text(self, index: int | None) -> str:
        """" (1,250 prompt, 510 completion)" of a day (None: of the period); "" unstacked."""
        if len(self.series) < 2:
            return ""
        values = [sum(s.values) if index is None else s.values[index] for s in self.series]
        inner = ", ".join(
            f"{self.text(v)} {s.name.lower()}" for s, v in zip(self.series, values, strict=True)
        )
        return f" ({inner})"


def describe(data: ChartData) -> str:
    """The chart in words: "Credits per day, last 30 days (2026-11-02 to 2026-12-01):
    total ≈0.123; highest 0.045 on 2026-12-01"."""
    totals = data.day_totals()
    span = f"last {len(data.days)} days"
    if data.days:
        span += f" ({data.days[0].isoformat()} to {data.days[-1].isoformat()})"
    head = f"{data.name} per day, {span}: "
    if not any(totals):
        return head + "total 0; nothing on any day"
    highest = max(range(len(totals)), key=lambda i: (totals[i], i))
    peak_approximate = highest < len(data.approximate) and data.approximate[highest]
    return (
        f"{head}total {data.value_text(sum(totals), data.total_approximate)}"
        f"{data.parts_text(None)}; highest {data.value_text(totals[highest], peak_approximate)}"
        f" on {data.days[highest].isoformat()}"
    )


def nice_ceiling(value: float, whole: bool = False) -> float:
    """The smallest of 1, 2, 2.5, 5 (times a power of ten) at or above ``value``; for
    ``whole`` numbers an even one of 1, 2, 4, 6, 8 (times a power of ten), so that half
    of it is whole too."""
    if value <= 0:
        return 2.0 if whole else 1.0
    power = 10.0 ** math.floor(math.log10(value))
    steps = (1.0, 2.0, 4.0, 6.0, 8.0) if whole else (1.0, 2.0, 2.5, 5.0)
    for scale in (power, power * 10):
        for step in steps:
            top = step * scale
            if value <= top * (1 + 1e-9) and (not whole or (top >= 2 and top % 2 == 0)):
                return top
    return 10 * power  # (not reached)


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


class UsageChart(QWidget):
    """Bars of :class:`ChartData`; a bar's tooltip says its day and value. Not focusable:
    the window's per-day table holds the same numbers for the keyboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usage_chart")
        self.setAccessibleName("Usage chart")
        self.setMinimumSize(360, 170)
        self._data: ChartData | None = None

    def set_data(self, data: ChartData) -> None:
        self._data = data
        self.setAccessibleDescription(describe(data))
        self.update()

    def data(self) -> ChartData | None:
        return self._data

    def sizeHint(self) -> QSize:
        return QSize(720, 230)

    def plot_rect(self) -> QRectF:
        """Where the bars go: left of it the values, below it the dates, above it the
        legend of a stack."""
        metrics = QFontMetricsF(self.font())
        data = self._data
        labels = [data.text(v) for v in self._grid_values()] if data is not None else ["0"]
        left = PAD + max(metrics.horizontalAdvance(t) for t in labels) + PAD
        top = PAD + (metrics.height() + 4 if data is not None and len(data.series) > 1 else 0)
        bottom = metrics.height() + PAD
        return QRectF(left, top, self.width() - left - PAD, self.height() - top - bottom)

    def bar_at(self, x: float) -> int | None:
        """The day whose column holds ``x`` (None outside the bars)."""
        if self._data is None or not self._data.days:
            return None
        plot = self.plot_rect()
        if not plot.left() <= x < plot.right():
            return None
        return min(int((x - plot.left()) / (plot.width() / len(self._data.days))),
                   len(self._data.days) - 1)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.bar_at(event.pos().x())
            if index is None or self._data is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self._data.day_text(index), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(PALETTE.chart.background))
        painter.setPen(QColor(PALETTE.code_border))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        data = self._data
        if data is None or not data.days:
            painter.end()
            return
        plot = self.plot_rect()
        top_value = self._grid_values()[-1]
        metrics = QFontMetricsF(self.font())
        for value in self._grid_values():  # the value lines and their labels
            y = plot.bottom() - plot.height() * value / top_value
            painter.setPen(QPen(QColor(PALETTE.chart.grid), 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor(PALETTE.muted))
            text = data.text(value)
            painter.drawText(QPointF(plot.left() - PAD - metrics.horizontalAdvance(text),
                                     y + metrics.ascent() / 2 - 1), text)
        slot = plot.width() / len(data.days)
        width = max(1.0, slot * BAR_SHARE)
        painter.setPen(Qt.PenStyle.NoPen)
        for index in range(len(data.days)):  # the bars, each stack bottom first
            x = plot.left() + slot * index + (slot - width) / 2
            base = plot.bottom()
            for series in data.series:
                height = plot.height() * series.values[index] / top_value
                painter.setBrush(QColor(series.colour))
                painter.drawRect(QRectF(x, base - height, width, height))
                base -= height
        painter.setPen(QColor(PALETTE.muted))
        last = len(data.days) - 1
        for index in range(last, -1, -LABEL_EVERY):  # a date every week, back from today
            text = day_label(data.days[index])
            centre = plot.left() + slot * (index + 0.5)
            x = min(max(centre - metrics.horizontalAdvance(text) / 2, plot.left()),
                    self.width() - PAD - metrics.horizontalAdvance(text))
            painter.drawText(QPointF(x, plot.bottom() + 4 + metrics.ascent()), text)
        if not any(data.day_totals()):
            empty = "Nothing in this period"
            box = metrics.boundingRect(empty).adjusted(-6, -2, 6, 2)
            box.moveCenter(plot.center())
            painter.fillRect(box, QColor(PALETTE.chart.background))  # over the value line
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, empty)
        if len(data.series) > 1:
            self._paint_legend(painter, data, metrics)
        painter.end()

    def _paint_legend(self, painter: QPainter, data: ChartData, metrics: QFontMetricsF) -> None:
        """Each part's colour and name, right-aligned above the bars."""
        box = metrics.ascent() * 0.8
        x = self.width() - PAD
        for series in reversed(data.series):
            x -= metrics.horizontalAdvance(series.name)
            painter.setPen(QColor(PALETTE.text))
            painter.drawText(QPointF(x, PAD + metrics.ascent()), series.name)
            x -= box + 4
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(series.colour))
            painter.drawRect(QRectF(x, PAD + (metrics.ascent() - box) / 2 + 1, box, box))
            x -= 12

    def _grid_values(self) -> list[float]:
        """0, half the scale and the scale (a round number above the highest bar)."""
        totals = self._data.day_totals() if self._data is not None else []
        whole = self._data is not None and self._data.whole
        top = nice_ceiling(max(totals, default=0.0), whole)
        return [0.0, top / 2, top]
