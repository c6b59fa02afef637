"""Where the API key comes from.

Order of sources: ``SEGMIND_API_KEY`` (an override, never stored anywhere), then a key
the user typed for this session (kept in memory only).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from mixtral_desktop.core import logs
from mixtral_desktop.core.api import ENV_API_KEY


class KeyStore:
    """Thread-safe holder of the current key; never writes it anywhere."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self._lock = threading.Lock()
        self._env_key = (environ.get(ENV_API_KEY) or "").strip() or None
        self._session_key: str | None = None
        if self._env_key:
            logs.register_secret(self._env_key)

    def get(self) -> str | None:
        with self._lock:
            return self._env_key or self._session_key

    def source(self) -> str:
        """Where the key in use comes from, in words (never the key itself)."""
        with self._lock:
            if self._env_key:
                return f"the {ENV_API_KEY} environment variable"
            if self._session_key:
                return "this session only (in memory)"
            return "nowhere: no key is set"

    def from_environment(self) -> bool:
        return self._env_key is not None

    def set_session_key(self, key: str) -> None:
        key = key.strip()
        if not key:
            raise ValueError("An empty key cannot be used.")
        logs.register_secret(key)
        with self._lock:
            self._session_key = key
