"""When to send a failed request again by itself, and after how long.

Like the careful SDKs: 429 waits as long as ``Retry-After`` says (up to a cap, beyond
which the user decides); 408, 5xx and connection errors get up to two more tries with
exponential back-off and jitter. Nothing is ever sent again once a byte of a reply has
arrived (that reply may already be charged), and no other 4xx is retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mixtral_desktop.core.segmind.errors import RateLimited, SegmindError


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    base_delay: float = 1.0
    max_delay: float = 20.0
    retry_after_cap: float = 60.0  # a longer Retry-After is the user's call
    rate_limit_retries: int = 2

    def delay(
        self, error: SegmindError, attempt: int, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before try number ``attempt + 1``, or None: do not retry.

        ``attempt`` counts the tries made so far (1 after the first failure).
        """
        if error.reply_started:
            return None
        if isinstance(error, RateLimited):
            if attempt > self.rate_limit_retries:
                return None
            if error.retry_after is None:
                return self._backoff(attempt, rng)
            if error.retry_after > self.retry_after_cap:
                return None
            return max(error.retry_after, 0.0)
        if not error.transient or attempt > self.max_retries:
            return None
        return self._backoff(attempt, rng)

    def _backoff(self, attempt: int, rng: random.Random | None) -> float:
        """Exponential with "equal jitter": half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


def too_long_to_wait(error: SegmindError, policy: RetryPolicy) -> bool:
    """A 429 whose Retry-After is beyond what the app waits for on its own."""
    return (
        isinstance(error, RateLimited)
        and error.retry_after is not None
        and error.retry_after > policy.retry_after_cap
    )
