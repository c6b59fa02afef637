"""Retry rules, the requests-per-minute limiter, and the settings file."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mixtral_desktop.core.config import settings as settings_store
from mixtral_desktop.core.config.settings import Settings
from mixtral_desktop.core.segmind.errors import (
    AuthError,
    BadResponse,
    CreditsExhausted,
    NetworkError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    SegmindError,
    ServerError,
    Timeout,
)
from mixtral_desktop.core.services.rate_limit import RateLimiter
from mixtral_desktop.core.services.retry import RetryPolicy, too_long_to_wait

POLICY = RetryPolicy(base_delay=1.0, max_delay=20.0, retry_after_cap=60.0)


def started(error: SegmindError) -> SegmindError:
    error.reply_started = True
    return error


@pytest.mark.parametrize("error", [ServerError(), RequestTimeout(), NetworkError()])
def test_transient_errors_back_off_exponentially_with_jitter(error: SegmindError) -> None:
    rng = random.Random(7)
    first = [POLICY.delay(error, 1, rng) for _ in range(200)]
    second = [POLICY.delay(error, 2, rng) for _ in range(200)]
    assert all(d is not None and 0.5 <= d <= 1.0 for d in first)
    assert all(d is not None and 1.0 <= d <= 2.0 for d in second)
    assert len({round(d, 3) for d in first if d is not None}) > 50  # jittered
    assert POLICY.delay(error, 3, rng) is None  # two retries, then the user decides


@pytest.mark.parametrize(
    "error",
    [AuthError(), CreditsExhausted(), RequestRejected(), BadResponse(), Timeout()],
    ids=["401", "406", "other-4xx", "malformed", "read-timeout"],
)
def test_other_errors_are_never_retried(error: SegmindError) -> None:
    assert POLICY.delay(error, 1) is None


def test_nothing_is_retried_once_a_reply_began() -> None:
    assert POLICY.delay(started(ServerError()), 1) is None
    assert POLICY.delay(started(NetworkError()), 1) is None


def test_tls_failures_are_not_transient() -> None:
    error = NetworkError()
    error.transient = False
    assert POLICY.delay(error, 1) is None


def test_rate_limit_honours_retry_after_up_to_the_cap() -> None:
    assert POLICY.delay(RateLimited(retry_after=7), 1) == 7
    assert POLICY.delay(RateLimited(retry_after=0), 1) == 0
    long_wait = RateLimited(retry_after=600)
    assert POLICY.delay(long_wait, 1) is None and too_long_to_wait(long_wait, POLICY)
    unknown = POLICY.delay(RateLimited(retry_after=None), 1, random.Random(1))
    assert unknown is not None and 0.5 <= unknown <= 1.0
    assert POLICY.delay(RateLimited(retry_after=1), 3) is None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_lets_n_through_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(5, clock=clock)
    waits = []
    for _ in range(5):
        waits.append(limiter.reserve())
        clock.now += 2
    assert waits == [0.0] * 5
    assert limiter.reserve() == pytest.approx(50.0)  # the first slot frees at t0 + 60
    clock.now = 1000.0 + 60
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == pytest.approx(2.0)


def test_limiter_rate_can_change() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    assert limiter.reserve() == 0.0
    assert limiter.reserve() > 0
    limiter.requests_per_minute = 50
    assert limiter.reserve() == 0.0


def test_settings_defaults_round_trip_and_survive_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert settings_store.load(path) == Settings()
    changed = Settings().with_changes(requests_per_minute=50, low_credits_warning=2.5)
    settings_store.save(changed, path)
    assert settings_store.load(path) == changed
    assert json.loads(path.read_text())["version"] == settings_store.VERSION
    path.write_text("{ half a file")
    assert settings_store.load(path) == Settings()
    path.write_text(json.dumps({"requests_per_minute": -3, "unknown": 1}))
    assert settings_store.load(path).requests_per_minute == 1  # clamped, unknown ignored
