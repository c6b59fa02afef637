"""Remaining credits: fetched at start-up, updated from every reply, watched for a
low balance, and checked again by itself while the network is down."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal

from mixtral_desktop.core.segmind.client import SegmindClient
from mixtral_desktop.core.segmind.errors import AuthError, NetworkError, SegmindError, Timeout
from mixtral_desktop.core.segmind.protocol import Credits
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.statusbar.bar import StatusBar, format_credits
from mixtral_desktop.ui.workers.background import run_in_background

log = logging.getLogger(__name__)

OFFLINE_RECHECK_MS = (5_000, 10_000, 20_000, 30_000, 60_000)
"""While offline, check again after these delays (the last one repeats)."""


class CreditsWatch(QObject):
    back_online = Signal()  # the network came back after a failed check
    low = Signal(float)  # the balance fell below the warning threshold

    def __init__(
        self, clients: ClientProvider, status: StatusBar, warn_below: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clients = clients
        self.status = status
        self.warn_below = warn_below
        self.offline = False
        self._warned = False
        self._failures = 0
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.timeout.connect(self.refresh)

    def refresh(self) -> None:
        """Ask Segmind for the credits in the background (start-up, F5, offline re-checks)."""
        key = self.clients.keys.get()
        if not key:
            self.status.credits.show_unknown("no API key")
            return
        if not self.offline:
            self.status.credits.show_unknown("checking…")
        config = self.clients.config

        def fetch() -> Credits:
            with SegmindClient(key, config) as client:
                return client.get_credits()

        run_in_background(fetch, self._on_credits, self._on_failed)

    def seen(self, remaining: float) -> None:
        """A reply's ``x-remaining-credits``."""
        self.status.credits.show_credits(remaining, at=time.time())
        self._check_low(remaining)
        self._online_again()

    def show(self, credits: Credits) -> None:
        """Credits from the credits API (start-up, a checked key)."""
        self._on_credits(credits)

    def _on_credits(self, credits: object) -> None:
        assert isinstance(credits, Credits)
        self.status.credits.show_credits(
            credits.total, paid=credits.credits, free=credits.free_credits
        )
        self._check_low(credits.total)
        self._online_again()

    def _on_failed(self, error: Exception) -> None:
        reason = "unavailable"
        if isinstance(error, SegmindError):
            log.info("credits check failed: %s", type(error).__name__)
            if isinstance(error, AuthError):
                reason = "key rejected"
            elif isinstance(error, NetworkError | Timeout):
                reason = "offline"
                self.offline = True
                delay = OFFLINE_RECHECK_MS[min(self._failures, len(OFFLINE_RECHECK_MS) - 1)]
                self._failures += 1
                self._recheck.start(delay)
        else:
            log.error("credits check crashed", exc_info=error)
        self.status.credits.show_unknown(reason)

    def _online_again(self) -> None:
        self._failures = 0
        self._recheck.stop()
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
