"""The status bar: one small widget per segment (credits, tab state, token usage)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from mixtral_desktop.core.domain.conversation import Usage
from mixtral_desktop.ui.theme.current import PALETTE, styled


def format_credits(value: float) -> str:
    """Credits are small decimals (0.0184921035): keep four significant decimals."""
    if abs(value) >= 100:
        return f"{value:,.2f}"
    return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"


class _Segment(QLabel):
    """A label whose value a screen reader hears with its name: "Remaining credits:
    4.99, updated 14:02", never the name alone."""

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.label = accessible
        self.setAccessibleName(accessible)
        self.setContentsMargins(6, 0, 6, 0)

    def show_value(self, text: str, spoken: str | None = None) -> None:
        """Show ``text``; its accessible name is the segment's name and ``spoken`` (by
        default ``text``)."""
        self.setText(text)
        said = text if spoken is None else spoken
        self.setAccessibleName(f"{self.label}: {said}" if said else self.label)


class CreditsSegment(_Segment):
    """Remaining credits and when they were last updated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("credits_segment", "Remaining credits", parent)
        self.value: float | None = None
        self.updated_at: float | None = None
        self._low = False
        styled(self, lambda p: f"color: {p.credits_low}; font-weight: bold;"
               if self._low else "")
        self.show_value("Credits: –", "not known yet")
        self.setToolTip("Remaining Segmind credits, from the last reply or the credits API")

    def show_credits(
        self, total: float, *, paid: float | None = None, free: float | None = None,
        at: float | None = None,
    ) -> None:
        self.value = total
        self.updated_at = at if at is not None else time.time()
        stamp = time.strftime("%H:%M", time.localtime(self.updated_at))
        self.show_value(f"Credits: {format_credits(total)} · updated {stamp}",
                        f"{format_credits(total)}, updated {stamp}")
        detail = ""
        if paid is not None and free is not None:
            detail = f"\n{format_credits(paid)} paid + {format_credits(free)} free"
        self.setToolTip(
            "Remaining Segmind credits, last updated "
            + time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.updated_at))
            + detail
        )

    def set_low(self, low: bool) -> None:
        """Amber while the balance is below the user's warning threshold."""
        self.setProperty("low", low)
        self._low = low
        self.setStyleSheet(f"color: {PALETTE.credits_low}; font-weight: bold;" if low else "")

    def show_unknown(self, reason: str) -> None:
        suffix = "" if self.value is None else f" (last: {format_credits(self.value)})"
        self.show_value(f"Credits: {reason}{suffix}", f"{reason}{suffix}")


class TabStateSegment(_Segment):
    """The current tab's state: idle, waiting N s, streaming, error."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("state_segment", "Chat state", parent)
        self.show_value("Idle")


class UsageSegment(_Segment):
    """Token usage of the last reply."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("usage_segment", "Token usage of the last reply", parent)
        self.setText("")

    def show_usage(self, usage: Usage | None) -> None:
        if usage is None:
            self.show_value("Tokens: not reported", "not reported")
            return
        self.show_value(
            f"Tokens: {usage.prompt_tokens} in · {usage.completion_tokens} out · "
            f"{usage.total_tokens} total",
            f"{usage.prompt_tokens} in, {usage.completion_tokens} out, "
            f"{usage.total_tokens} total",
        )


class SpendSegment(_Segment):
    """What this session's replies cost, in every tab ("≈" when any figure is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("spend_segment", "Credits spent this session", parent)
        self.hide()  # until a reply was paid

    def show_spend(self, credits: float, replies: int, approximate: bool) -> None:
        if not replies:
            return
        mark = "≈ " if approximate else ""
        self.show_value(f"Spent: {mark}{format_credits(credits)}",
                        f"{mark}{format_credits(credits)}")
        why = (" Approximate: requests overlapped, or the balance moved for another"
               " reason (a top-up, another device)." if approximate else "")
        plural = "reply" if replies == 1 else "replies"
        self.setToolTip(
            f"Credits spent this session: {mark}{format_credits(credits)}, {replies}"
            f" {plural}, from the balance Segmind reports before and after each.{why}"
        )
        self.show()


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self.state = TabStateSegment(self)
        self.usage = UsageSegment(self)
        self.credits = CreditsSegment(self)
        self.spend = SpendSegment(self)
        self.set_key_button = QPushButton("Set API key…", self)
        self.set_key_button.setObjectName("set_key_button")
        self.set_key_button.setAccessibleName("Set your Segmind API key")
        self.set_key_button.setFlat(True)
        self.set_key_button.hide()
        self.addWidget(self.state)
        self.addWidget(self.usage)
        self.addPermanentWidget(self.set_key_button)
        self.addPermanentWidget(self.spend)
        self.addPermanentWidget(self.credits)
