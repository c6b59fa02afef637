"""The app's worker threads: what blocks (keyring, HTTP, files, search, token counts)
runs on one of these, awaited from a coroutine on the event loop.

The composition root makes one :class:`Executors` and shuts it down on quit; every
thread it starts is named ``mixtral-…``, so a test can tell that none outlives the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

THREAD_PREFIX = "mixtral-"
IO_THREADS = 4
"""Keyring, credits, key checks, file reads and writes, lexers: short, rarely concurrent."""
REPLY_THREADS = 16
"""One per reply in flight (each keeps its own HTTP session); tabs stream at once."""


class Executors:
    """``io`` for short blocking calls, ``replies`` for streaming replies, ``search`` (one
    thread) for history search, whose read-only connection stays on that thread, and
    ``tokens`` (one thread) for token counts: one count at a time, in order, so a
    keystroke's count never waits behind a file read and the counts' cache is warm."""

    def __init__(self, *, io_threads: int = IO_THREADS, reply_threads: int = REPLY_THREADS):
        self.io = ThreadPoolExecutor(io_threads, thread_name_prefix=f"{THREAD_PREFIX}io")
        self.replies = ThreadPoolExecutor(
            reply_threads, thread_name_prefix=f"{THREAD_PREFIX}reply"
        )
        self.search = ThreadPoolExecutor(1, thread_name_prefix=f"{THREAD_PREFIX}search")
        self.tokens = ThreadPoolExecutor(1, thread_name_prefix=f"{THREAD_PREFIX}tokens")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on an ``io`` thread; its exception is raised here."""
        return await run_in(self.io, fn, *args)

    def shutdown(self, wait: bool = True) -> None:
        """Drop queued jobs and (with ``wait``) join every thread; running calls finish."""
        for executor in (self.io, self.replies, self.search, self.tokens):
            executor.shutdown(wait=wait, cancel_futures=True)


async def run_in(executor: Executor, fn: Callable[..., T], *args: Any) -> T:
    """Await ``fn(*args)`` run on ``executor`` from the running loop."""
    return await asyncio.get_running_loop().run_in_executor(executor, partial(fn, *args))
