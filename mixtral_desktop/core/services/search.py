"""History search off the GUI thread: the index's read-only connection lives on one
worker thread of its own, and a coroutine awaits each search."""

from __future__ import annotations

from concurrent.futures import Executor

from mixtral_desktop.core.services.executors import run_in
from mixtral_desktop.core.storage.records import SearchHit
from mixtral_desktop.core.storage.search import SearchIndex


class HistorySearch:
    """Searches ``index`` on ``executor`` (a single thread: the connection stays there)."""

    def __init__(self, index: SearchIndex, executor: Executor) -> None:
        self._index = index
        self._executor = executor

    async def search(self, query: str, limit: int) -> list[SearchHit]:
        """The best ``limit`` hits for ``query``; raises ``SearchFailed``."""
        return await run_in(self._executor, self._index.search, query, limit)
