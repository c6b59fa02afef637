"""Remaining credits: fetched at start-up, updated from every reply, watched for a
low balance, and checked again by itself while the network is down.

Each check is a coroutine of the watch's task group awaiting the credits service on an
``io`` thread; while offline it waits (``asyncio.sleep``) and checks again. Cancelling
the group (the window closes) ends the wait and the request in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QObject, Signal

from mixtral_desktop.core.domain.usage import CreditLedger
from mixtral_desktop.core.segmind.errors import AuthError, NetworkError, SegmindError, Timeout
from mixtral_desktop.core.segmind.protocol import Credits
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.credits import fetch_credits
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.statusbar.bar import StatusBar, format_credits
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)

OFFLINE_RECHECK_MS = (5_000, 10_000, 20_000, 30_000, 60_000)
"""While offline, check again after these delays (the last one repeats)."""


class CreditsWatch(QObject):
    back_online = Signal()  # the network came back after a failed check
    low = Signal(float)  # the balance fell below the warning threshold

    def __init__(
        self, clients: ClientProvider, executors: Executors, tasks: TaskGroup,
        status: StatusBar, warn_below: float, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clients = clients
        self.status = status
        self.warn_below = warn_below
        self.offline = False
        self._executors = executors
        self._tasks = tasks
        self._warned = False
        self._failures = 0
        self._check: asyncio.Task[None] | None = None
        self.ledger: CreditLedger | None = None
        """Told every balance the credits API reports (to tell what replies cost)."""

    def refresh(self) -> None:
        """Ask Segmind for the credits in the background (start-up, F5, offline re-checks)."""
        if not self.clients.keys.get():
            self.status.credits.show_unknown("no API key")
            return
        if not self.offline:
            self.status.credits.show_unknown("checking…")
        self._start(delay_s=0.0)

    def checking(self) -> bool:
        """Whether a check is under way or waiting to run again (offline)."""
        return self._check is not None and not self._check.done()

    def seen(self, remaining: float) -> None:
        """A reply's ``x-remaining-credits``."""
        self.status.credits.show_credits(remaining, at=time.time())
        self._check_low(remaining)
        self._online_again()

    def show(self, credits: Credits) -> None:
        """Credits from the credits API (start-up, a checked key)."""
        if self.ledger is not None:
            self.ledger.observe(credits.total)
        self.status.credits.show_credits(
            credits.total, paid=credits.credits, free=credits.free_credits
        )
        self._check_low(credits.total)
        self._online_again()

    def _start(self, delay_s: float) -> None:
        if self._check is not None:
            self._check.cancel()
        if not self._tasks.closed:
            self._check = self._tasks.start(self._fetch(delay_s), "credits")

    async def _fetch(self, delay_s: float) -> None:
        if delay_s:
            await asyncio.sleep(delay_s)
        try:
            credits = await fetch_credits(self.clients, self._executors.io)
        except SegmindError as error:
            self._failed(error)
        else:
            self.show(credits)

    def _failed(self, error: SegmindError) -> None:
        log.info("credits check failed: %s", type(error).__name__)
        reason = "unavailable"
        if isinstance(error, AuthError):
            reason = "key rejected"
        elif isinstance(error, NetworkError | Timeout):
            reason = "offline"
            self.offline = True
            delay = OFFLINE_RECHECK_MS[min(self._failures, len(OFFLINE_RECHECK_MS) - 1)]
            self._failures += 1
            self._check = None
            self._start(delay_s=delay / 1000)
        self.status.credits.show_unknown(reason)

    def _online_again(self) -> None:
        self._failures = 0
        if self.offline and self._check is not None:
            self._check.cancel()  # (a re-check waiting: not needed now)
            self._check = None
        if self.offline:
            self.offline = False
            log.info("network is back")
            self.back_online.emit()

    def _check_low(self, remaining: float) -> None:
        is_low = remaining < self.warn_below
        self.status.credits.set_low(is_low)
        if is_low and not self._warned:
            self._warned = True
            self.status.showMessage(
                f"Your Segmind credits are low: {format_credits(remaining)} left "
                f"(you asked to be warned below {format_credits(self.warn_below)}).", 30_000,
            )
            self.low.emit(remaining)
        elif not is_low:
            self._warned = False
