"""The context meter under the composer: how much of Mixtral's 65,536-token window the
request would fill if sent now ("12,345 / 65,536" and a bar), the room kept for the
reply when the chat sets max_tokens, and what the request may cost ("≈ 0.012 credits",
once a few replies were paid).

The meter only shows what it is told: the counts come from a worker (the shell's
context flow), so typing never waits for them.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from mixtral_desktop.ui.theme.current import PALETTE, styled

WARN_AT = 0.8
"""From this share of the window the bar turns amber."""


def tokens_text(n: int) -> str:
    return f"{n:,}"


def credits_text(value: float) -> str:
    """Credits with three significant digits at least ("0.0123", "1.25")."""
    if value >= 1:
        return f"{value:,.2f}"
    if value == 0:
        return "0"
    digits = 3
    text = f"{value:.{digits}g}"
    return text if "e" not in text else f"{value:.6f}".rstrip("0")


class MeterBar(QWidget):
    """The bar: the request, then the reply's room, over the window's track."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("context_bar")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.used = 0
        self.reserve = 0
        self.capacity = 1

    def sizeHint(self) -> QSize:
        return QSize(160, 6)

    def show_fill(self, used: int, reserve: int, window: int) -> None:
        self.used, self.reserve, self.capacity = used, reserve, max(window, 1)
        self.update()

    def colour(self) -> str:
        colours = PALETTE.meter
        if self.used + self.reserve > self.capacity:
            return colours.over
        if self.used + self.reserve >= WARN_AT * self.capacity:
            return colours.warn
        return colours.fill

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        rect = QRectF(self.rect())
        radius = rect.height() / 2
        painter.setBrush(QColor(PALETTE.meter.track))
        painter.drawRoundedRect(rect, radius, radius)
        width = rect.width()
        used = min(self.used / self.capacity, 1.0) * width
        reserve = min(self.reserve / self.capacity, 1.0 - used / width) * width if width else 0
        if reserve > 0:
            painter.setBrush(QColor(PALETTE.meter.reserve))
            painter.drawRoundedRect(QRectF(used, 0, reserve, rect.height()), radius, radius)
        if used > 0:
            painter.setBrush(QColor(self.colour()))
            painter.drawRoundedRect(QRectF(0, 0, max(used, rect.height()), rect.height()),
                                    radius, radius)
        painter.end()


class ContextMeter(QWidget):
    """"12,345 / 65,536", the bar and the estimate; its accessible texts say the same."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("context_meter")
        self.setAccessibleName("Context")
        self.label = QLabel(self)
        self.label.setObjectName("context_count")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                           | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a screen reader can reach it
        self.bar = MeterBar(self)
        self.estimate = QLabel(self)
        self.estimate.setObjectName("credits_estimate")
        self.estimate.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.estimate)
        self.used: int | None = None
        self.capacity = 0
        self.reserve = 0
        self._over = False
        styled(self.label, lambda p: (
            f"color: {p.meter.over}; font-weight: bold;" if self._over
            else f"color: {p.meter.text};"))
        self.show_not_counted(65_536)

    def show_not_counted(self, window: int) -> None:
        """Nothing counted yet: the tokenizer loads on the first count, not at start-up."""
        self.capacity = window
        self.label.setText(f"– / {tokens_text(window)}")
        self._describe(f"Context: not counted yet; the count starts when you type or send "
                       f"(the model takes {tokens_text(window)} tokens)")

    def show_counting(self, window: int) -> None:
        """Before the first count (the tokenizer loads on it)."""
        self.capacity = window
        self.label.setText(f"… / {tokens_text(window)}")
        self._describe(f"Context: counting the tokens of the request (the model takes "
                       f"{tokens_text(window)})")

    def show_count(self, used: int, window: int, reserve: int = 0) -> None:
        """The request is ``used`` tokens of ``window``; ``reserve`` kept for the reply."""
        self.used, self.capacity, self.reserve = used, window, reserve
        self.bar.show_fill(used, reserve, window)
        over = used + reserve > window
        if over != self._over:
            self._over = over
            colour = PALETTE.meter.over if over else PALETTE.meter.text
            self.label.setStyleSheet(f"color: {colour};" + (" font-weight: bold;" if over else ""))
        self.label.setText(f"{tokens_text(used)} / {tokens_text(window)}")
        percent = round(100 * used / window) if window else 0
        parts = [f"Context: {tokens_text(used)} of {tokens_text(window)} tokens ({percent} %)"]
        if reserve:
            parts.append(f"{tokens_text(reserve)} kept for the reply (max_tokens)")
        if over:
            excess = used + reserve - window
            parts.append(f"over the model's window by {tokens_text(excess)}")
        self._describe("; ".join(parts))

    def show_estimate(self, credits: float | None, replies: int = 0) -> None:
        """What the request may cost (None: not enough replies were paid yet)."""
        if credits is None:
            self.estimate.hide()
            return
        text = f"≈ {credits_text(credits)} credits"
        self.estimate.setText(text)
        styled(self.estimate, lambda p: f"color: {p.meter.text};")
        why = (f"An estimate, from what your last {replies} replies cost per token"
               " (the reply's length is guessed from theirs)")
        self.estimate.setToolTip(why)
        self.estimate.setAccessibleName(f"Estimated cost: {text}")
        self.estimate.setAccessibleDescription(why)
        self.estimate.show()

    def _describe(self, text: str) -> None:
        self.label.setAccessibleName(text)
        self.bar.setAccessibleName(text)
        self.setAccessibleDescription(text)
        self.setToolTip(text)
