"""Pygments lexers, built on a worker thread so that no frame waits for one.

The first lexer of a language costs 3-30 ms (pygments imports its module and compiles
its regular expressions): a window restoring chats with code in five languages spent
~60-140 ms of its first frame on them, and a tab switch or a streamed reply paid the
same for each new language. Until a language's lexer is ready its code is shown
uncoloured, in the same font, so nothing moves; :attr:`LexerLoader.ready` then tells the
views to render and paint again, coloured.

A lexer is built only once the GUI thread has nothing left to do (its event loop is
about to wait), or at the latest :data:`LATEST_MS` after it was asked for: importing and
compiling runs Python, and a pool thread running Python takes the GIL from the GUI thread
every fraction of a millisecond. Built at once, the lexers of a tab of code doubled the
time to its first frame (a switch to a tab of 10,000 messages: ~190 ms against ~110 ms).
A tab that opens a saved chat asks ahead for the languages of its newest messages
(:meth:`LexerLoader.preload`), so the lexers are usually ready before the tab is shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from mixtral_desktop.core.services.executors import run_in
from mixtral_desktop.ui.workers.idle import FirstFrame, WhenIdle
from mixtral_desktop.ui.workers.tasks import TaskGroup

if TYPE_CHECKING:
    from pygments.lexer import Lexer

log = logging.getLogger(__name__)

LATEST_MS = 100  # a lexer asked for is built by then even if the GUI thread stays busy


def _build(language: str) -> Lexer | None:
    """The lexer for a fence's language name, or None when pygments has none (blocking)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer: Lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return None  # (a RegexLexer compiled its rules when it was made, here)
    return lexer


class LexerLoader(QObject):
    """Which lexers are ready; has the others built by coroutines of ``tasks`` awaiting
    ``executor`` (no idle build before ``first_frame`` is painted)."""

    ready = Signal()  # one or more lexers became ready (batched per event-loop pass)
    _wanted = Signal(str)  # a worker thread met a language not loaded yet

    def __init__(
        self,
        executor: Executor,
        tasks: TaskGroup,
        first_frame: FirstFrame | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._executor = executor
        self._tasks = tasks
        # Written only on the thread that made the loader (the GUI thread); a worker
        # thread laying a long message out may read them (one dict look-up at a time).
        self._lexers: dict[str, Lexer | None] = {}
        self._pending: set[str] = set()  # asked for, not built yet
        self._waiting: list[str] = []  # of those, the ones whose build waits for idle
        self._when_idle = WhenIdle(
            self._build_waiting, LATEST_MS, self, first_frame=first_frame
        )
        self._home = threading.get_ident()
        self.epoch = 0  # lexers that became ready so far: renders keyed by it stay true
        self._wanted.connect(self._load)  # queued: it runs on the GUI thread
        self._announce = QTimer(self)
        self._announce.setSingleShot(True)
        self._announce.setInterval(0)
        self._announce.timeout.connect(self.ready.emit)

    def lookup(self, language: str) -> tuple[bool, Lexer | None]:
        """``(True, lexer or None if unknown)`` when known; ``(False, None)`` while loading.

        Any thread may ask; the loading itself is started from the GUI thread.
        """
        key = language.lower()
        lexers = self._lexers
        if key in lexers:
            return True, lexers[key]
        if threading.get_ident() == self._home:
            self._load(key)
        else:
            self._wanted.emit(key)
        return False, None

    def has(self, language: str) -> bool:
        """Whether ``language`` is known (its lexer built, or none exists); asks nothing."""
        return language.lower() in self._lexers

    def preload(self, languages: Iterable[str]) -> None:
        """Have these languages' lexers built when the GUI thread is next idle."""
        for language in languages:
            self._load(language.lower())

    def _load(self, key: str) -> None:
        if key in self._lexers or key in self._pending:
            return
        self._pending.add(key)
        self._waiting.append(key)
        self._when_idle.request()

    def _build_waiting(self) -> None:
        """The GUI thread is idle (or was busy long enough): build what was asked for."""
        waiting, self._waiting = self._waiting, []
        for key in waiting:
            if self._tasks.closed:
                return
            self._tasks.start(self._build_one(key), f"lexer {key}")

    async def _build_one(self, language: str) -> None:
        try:
            lexer = await run_in(self._executor, _build, language)
        except Exception as error:
            log.warning("no highlighting for %r: %s", language, type(error).__name__)
            lexer = None  # shown plain, as a language pygments does not know
        self._loaded(language, lexer)

    def is_loading(self) -> bool:
        """Whether a lexer is still being built, or :attr:`ready` not yet emitted for one."""
        return bool(self._pending) or self._announce.isActive()

    def _loaded(self, language: str, lexer: Lexer | None) -> None:
        self._pending.discard(language)
        self._lexers[language] = lexer
        self.epoch += 1  # (after the lexer is in: a render of this epoch may use it)
        self._announce.start()
