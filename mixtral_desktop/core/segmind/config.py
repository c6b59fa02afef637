"""Where Segmind is and how long to wait for it: the base URL, the timeouts, the key in
the environment, and the check that the key never travels in clear text."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from mixtral_desktop.core.segmind.errors import InsecureBaseUrl

DEFAULT_BASE_URL = "https://api.segmind.com/v1"
MODEL_SLUG = "mixtral-8x22b-instruct"
CREDITS_PATH = "get-user-credits"
ENV_BASE_URL = "SEGMIND_API_BASE"
ENV_API_KEY = "SEGMIND_API_KEY"
ENV_READ_TIMEOUT = "SEGMIND_READ_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 300.0
MAX_BODY_BYTES = 20 * 1024 * 1024
"""A non-streamed body larger than this is refused as :class:`BadResponse`."""


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """The longest wait for the next byte; a cold-booting model needs minutes."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ClientConfig:
        """Settings from ``SEGMIND_API_BASE`` and ``SEGMIND_READ_TIMEOUT`` (seconds).

        Blank or invalid values fall back to the defaults; the base URL loses its
        trailing slashes. The URL is checked later, by :class:`SegmindClient`.
        """
        base = environ.get(ENV_BASE_URL, "").strip().rstrip("/") or DEFAULT_BASE_URL
        return cls(base_url=base, read_timeout=_positive_float(environ.get(ENV_READ_TIMEOUT)))


def _positive_float(text: str | None, default: float = DEFAULT_READ_TIMEOUT) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def key_from_environment(environ: Mapping[str, str] = os.environ) -> str | None:
    """``SEGMIND_API_KEY`` without surrounding blanks, or None if unset or blank."""
    return environ.get(ENV_API_KEY, "").strip() or None


def check_base_url(url: str) -> str:
    """Return ``url`` without trailing slashes, or raise :class:`InsecureBaseUrl`.

    ``https://`` is always accepted; ``http://`` only to a loopback host (127.0.0.0/8,
    ::1, ``localhost``), so the key never crosses a network in clear text.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        host = None
    scheme = parts.scheme.lower() if host else ""
    if scheme not in ("http", "https") or not host:
        raise InsecureBaseUrl(
            "The API base URL is not a valid https:// address, so nothing can be sent."
        )
    if scheme == "http" and not is_loopback(host):
        raise InsecureBaseUrl()
    return url.strip().rstrip("/")


def is_loopback(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback

