"""One Segmind client per worker thread, rebuilt when the key changes; the shared
rate limiter (one per key) and the retry policy every reply follows.

Every request goes through here (replies, credits, key checks): no widget makes a
client of its own."""

from __future__ import annotations

import itertools
import threading

from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.segmind.client import SegmindClient
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.segmind.errors import MissingKey
from mixtral_desktop.core.services.rate_limit import RateLimiter
from mixtral_desktop.core.services.retry import RetryPolicy


class ClientProvider:
    """Callable that returns the calling thread's client for the current key.

    ``requests.Session`` is not documented as thread-safe, so each worker thread
    gets a client of its own. ``requests_per_minute=None`` means no limit.
    """

    def __init__(
        self,
        keys: KeyStore,
        config: ClientConfig,
        *,
        requests_per_minute: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.keys = keys
        self.config = config
        self.retry = retry or RetryPolicy()
        self._rpm = requests_per_minute
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._request_ids = itertools.count(1)

    def __call__(self) -> SegmindClient:
        """This thread's client for the current key (blocks while the key is being read)."""
        self.keys.wait_if_loading(timeout=10)
        key = self.keys.get()
        if not key:
            raise MissingKey()
        return self.for_key(key)

    def for_key(self, key: str) -> SegmindClient:
        """This thread's client for ``key`` (a key being checked before it is saved)."""
        cached: tuple[str, SegmindClient] | None = getattr(self._local, "client", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        if cached is not None:
            cached[1].close()
        client = SegmindClient(key, self.config)
        self._local.client = (key, client)
        return client

    def next_request_id(self) -> int:
        """A number for the next reply, so the log's lines about one request can be
        told apart (1, 2, … for the life of the app)."""
        return next(self._request_ids)

    @property
    def requests_per_minute(self) -> int | None:
        return self._rpm

    def set_requests_per_minute(self, value: int | None) -> None:
        with self._lock:
            self._rpm = value
            for limiter in self._limiters.values():
                if value is not None:
                    limiter.requests_per_minute = value

    def reserve(self) -> float:
        """Take a slot of the current key's limiter: 0, or the seconds to wait first."""
        key = self.keys.get() or ""
        with self._lock:
            if self._rpm is None:
                return 0.0
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = RateLimiter(self._rpm)
        return limiter.reserve()
