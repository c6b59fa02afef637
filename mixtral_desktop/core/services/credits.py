"""The account's credits, asked of Segmind on a worker thread (a coroutine awaits it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from concurrent.futures import Executor
from typing import TypeVar

from mixtral_desktop.core.net.cancel import CancelToken
from mixtral_desktop.core.segmind.errors import CreditsExhausted
from mixtral_desktop.core.segmind.protocol import Credits
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.executors import run_in

T = TypeVar("T")


async def fetch_credits(clients: ClientProvider, executor: Executor) -> Credits:
    """The current key's credits; raises the client's :class:`SegmindError` on failure.

    Cancelling the awaiting task cancels the request too (its connection is shut down).
    """
    cancel = CancelToken()
    return await _cancellable(run_in(executor, lambda: clients().get_credits(cancel=cancel)),
                              cancel)


async def check_key(clients: ClientProvider, executor: Executor, key: str) -> Credits | None:
    """Ask for the credits with ``key`` (not stored yet): the key works if this returns.

    None when the key is good but its credits ran out (406); AuthError when Segmind
    rejects it; any other :class:`SegmindError` when it could not be checked.
    """

    cancel = CancelToken()

    def check() -> Credits | None:
        try:
            return clients.for_key(key).get_credits(cancel=cancel)
        except CreditsExhausted:
            return None

    return await _cancellable(run_in(executor, check), cancel)


async def _cancellable(call: Awaitable[T], cancel: CancelToken) -> T:
    try:
        return await call
    except asyncio.CancelledError:
        cancel.cancel()  # the thread's request ends within milliseconds
        raise
