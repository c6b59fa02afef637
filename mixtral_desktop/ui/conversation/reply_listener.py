"""The reply a conversation waits for, and what it reports while it comes: each report
is passed to the conversation only while that reply is still the one it waits for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import SignalInstance

from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.ui.conversation.waiting import WaitNotices


@dataclass(eq=False)
class Reply:
    """The reply in flight: its number (for the log), its cancel token, its task."""

    request_id: int
    cancel: CancelToken
    task: asyncio.Task[None] | None = None


class Conversation(Protocol):
    """What a listener reports to (the conversation controller)."""

    waiting: WaitNotices

    @property
    def state_changed(self) -> SignalInstance: ...

    def current(self, reply: Reply) -> bool: ...

    def text_arrived(self, text: str) -> None: ...


class ReplyListener:
    """What one reply reports; ignored once it is no longer the controller's reply."""

    def __init__(self, controller: Conversation, reply: Reply) -> None:
        self._controller = controller
        self._reply = reply

    def on_queued(self, seconds: float) -> None:
        if self._controller.current(self._reply):
            self._controller.waiting.queued(seconds)
            self._controller.state_changed.emit()

    def on_started(self) -> None:
        if self._controller.current(self._reply):
            self._controller.waiting.sent()
            self._controller.state_changed.emit()

    def on_retrying(self, seconds: float, next_try: int, reason: str) -> None:
        if self._controller.current(self._reply):
            self._controller.waiting.retrying(seconds, next_try, reason)
            self._controller.state_changed.emit()

    def on_text(self, text: str) -> None:
        if self._controller.current(self._reply):
            self._controller.text_arrived(text)
