"""One Segmind client per worker thread, rebuilt when the key changes."""

from __future__ import annotations

import threading

from mixtral_desktop.core.api import ClientConfig, SegmindClient
from mixtral_desktop.core.errors import MissingKey
from mixtral_desktop.core.secrets import KeyStore


class ClientProvider:
    """Callable that returns the calling thread's client for the current key.

    ``requests.Session`` is not documented as thread-safe, so each worker thread
    gets a client of its own.
    """

    def __init__(self, keys: KeyStore, config: ClientConfig) -> None:
        self.keys = keys
        self.config = config
        self._local = threading.local()

    def __call__(self) -> SegmindClient:
        self.keys.wait_if_loading(timeout=10)
        key = self.keys.get()
        if not key:
            raise MissingKey()
        cached: tuple[str, SegmindClient] | None = getattr(self._local, "client", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        if cached is not None:
            cached[1].close()
        client = SegmindClient(key, self.config)
        self._local.client = (key, client)
        return client
