"""What a tab says while its reply waits: queued by the rate limit, retrying after a
failed try, or (with no byte after a while) that Segmind may be starting the model.

The notice bar shows it and the status bar reads :meth:`WaitNotices.state_text`; a
one-second tick counts down and asks the tab to repaint its waiting row.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.conversation.notice_bar import NoticeBar

COLD_START_AFTER_S = 30
"""With no byte after this long, say that Segmind may be starting the model."""


class WaitNotices(QObject):
    """The countdowns of one conversation's waiting reply, told on ``notice``."""

    ticked = Signal()  # a second went by while waiting: the numbers shown changed

    def __init__(
        self, notice: NoticeBar, clients: ClientProvider, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._notice = notice
        self._clients = clients
        self._waiting_since = 0.0
        self._until = 0.0
        self._retry_reason = ""
        self._next_try = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """A request goes out: count the seconds without an answer."""
        self._waiting_since = time.monotonic()
        self._timer.start()

    def sent(self) -> None:
        """A try is sent (again): the wait for its answer starts now."""
        self._waiting_since = time.monotonic()
        self._notice.clear()

    def queued(self, seconds: float) -> None:
        self._until = time.monotonic() + seconds
        self._notice.say("queued", self._queued_text())

    def retrying(self, seconds: float, next_try: int, reason: str) -> None:
        self._until = time.monotonic() + seconds
        self._retry_reason, self._next_try = reason, next_try
        self._notice.say("retrying", self._retrying_text())

    def stop(self) -> None:
        """The answer is coming in, or the request ended: nothing more to say."""
        self._timer.stop()
        self._notice.clear()

    def state_text(self) -> str:
        """For the status bar: "Queued 12 s", "Retrying in 3 s" or "Waiting 5 s"."""
        if self._notice.kind == "queued":
            return f"Queued {self._seconds_left()} s"
        if self._notice.kind == "retrying":
            return f"Retrying in {self._seconds_left()} s"
        return f"Waiting {int(time.monotonic() - self._waiting_since)} s"

    def _seconds_left(self) -> int:
        return max(0, round(self._until - time.monotonic()))

    def _queued_text(self) -> str:
        rpm = self._clients.requests_per_minute
        return (
            f"Your Segmind plan allows {rpm} requests a minute, so this one waits its turn: "
            f"it goes out in {self._seconds_left()} s."
        )

    def _retrying_text(self) -> str:
        tries = self._clients.retry.max_retries + 1
        return (
            f"{self._retry_reason} Trying again in {self._seconds_left()} s "
            f"(try {self._next_try} of {tries})."
        )

    def _tick(self) -> None:
        if self._notice.kind == "queued":
            self._notice.say("queued", self._queued_text())
        elif self._notice.kind == "retrying":
            self._notice.say("retrying", self._retrying_text())
        else:
            waited = int(time.monotonic() - self._waiting_since)
            if waited >= COLD_START_AFTER_S:
                self._notice.say(
                    "cold_start",
                    f"No answer yet after {waited} s. Segmind may be starting the model, "
                    "which can take a few minutes after a quiet spell; keep waiting, or Stop.",
                )
        self.ticked.emit()
