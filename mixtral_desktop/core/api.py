"""Segmind client for Mixtral 8x22B Instruct (plain Python, no Qt).

STUB: the public names below are the agreed interface; the bodies are being written.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mixtral_desktop.core.conversation import Usage

DEFAULT_BASE_URL = "https://api.segmind.com/v1"
MODEL_SLUG = "mixtral-8x22b-instruct"
ENV_BASE_URL = "SEGMIND_API_BASE"
ENV_API_KEY = "SEGMIND_API_KEY"
ENV_READ_TIMEOUT = "SEGMIND_READ_TIMEOUT"


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 10.0
    read_timeout: float = 300.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ClientConfig:
        raise NotImplementedError


def key_from_environment(environ: Mapping[str, str] = os.environ) -> str | None:
    raise NotImplementedError


@dataclass(frozen=True)
class Credits:
    credits: float
    free_credits: float

    @property
    def total(self) -> float:
        return self.credits + self.free_credits


@dataclass(frozen=True)
class ChatReply:
    text: str
    usage: Usage | None
    remaining_credits: float | None
    finish_reason: str | None
    streamed: bool


class CancelToken:
    """Cancels one request from any thread; the worker stops within 100 ms."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        raise NotImplementedError

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class SegmindClient:
    def __init__(self, api_key: str, config: ClientConfig | None = None) -> None:
        raise NotImplementedError

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        on_delta: Callable[[str], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> ChatReply:
        raise NotImplementedError

    def get_credits(self, *, cancel: CancelToken | None = None) -> Credits:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
