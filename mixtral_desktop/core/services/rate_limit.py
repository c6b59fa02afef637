"""A requests-per-minute limiter, one per key, shared by every tab.

Segmind Free allows 5 requests a minute: a send beyond that waits its turn in a
visible queue instead of earning a 429.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 60.0


class RateLimiter:
    """Sliding one-minute window; thread-safe."""

    def __init__(
        self, requests_per_minute: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sent: deque[float] = deque()
        self.requests_per_minute = requests_per_minute

    @property
    def requests_per_minute(self) -> int:
        return self._rpm

    @requests_per_minute.setter
    def requests_per_minute(self, value: int) -> None:
        self._rpm = max(1, int(value))

    def reserve(self) -> float:
        """0 and the slot is taken; otherwise the seconds until one frees up."""
        with self._lock:
            now = self._clock()
            while self._sent and now - self._sent[0] >= WINDOW:
                self._sent.popleft()
            if len(self._sent) < self._rpm:
                self._sent.append(now)
                return 0.0
            return WINDOW - (now - self._sent[len(self._sent) - self._rpm])
