"""What a window is given: the app's objects, made once by the composition root.

The window and everything in it take their clients, store, settings, worker threads,
task group and renderers from here; no module keeps any of them. :meth:`close` cancels
every task and waits for them to end, then :meth:`finish` joins every thread and closes
the search connection (the app awaits ``close`` on quit; tests and benchmarks, when they
are done with a window).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import shiboken6

from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config import settings as settings_store
from mixtral_desktop.core.config.settings import Settings
from mixtral_desktop.core.domain.usage import RECENT, CreditRate
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.core.services.metering import Metering
from mixtral_desktop.core.storage.search import SearchIndex
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.messages.rendering import Rendering
from mixtral_desktop.ui.theme.follow import follower
from mixtral_desktop.ui.workers.idle import FirstFrame
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0


@dataclass
class WindowServices:
    clients: ClientProvider
    store: Store
    settings: Settings
    executors: Executors
    tasks: TaskGroup  # the window's; a tab's, a dialog's are its children
    first_frame: FirstFrame  # idle work waits for the window's first paint
    rendering: Rendering
    search: SearchIndex  # history search, on its own read-only connection
    presets: PresetLibrary  # the built-in presets and the user's files, watched
    metering: Metering = field(default_factory=Metering)  # token counts, credits spent

    @classmethod
    def create(
        cls,
        clients: ClientProvider,
        store: Store | None = None,
        *,
        settings: Settings | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        environ: Mapping[str, str] = os.environ,
        presets_dir: Path | None = None,
    ) -> WindowServices:
        """Everything a window needs around ``clients``; the store and the settings are
        the user's own unless given. ``loop``: the qasync loop (the current one)."""
        store = store if store is not None else Store.open(paths.history_file())
        settings = settings if settings is not None else settings_store.load()
        follower(settings.theme)  # the palette before the first widget
        executors = Executors()
        tasks = TaskGroup("window", loop if loop is not None else asyncio.get_event_loop())
        first_frame = FirstFrame()
        rendering = Rendering.create(executors.io, tasks.child("lexers"), first_frame, environ)
        metering = Metering()
        metering.ledger.rate = CreditRate(store.paid_replies.recent(RECENT))
        return cls(
            clients=clients,
            store=store,
            settings=settings,
            executors=executors,
            tasks=tasks,
            first_frame=first_frame,
            rendering=rendering,
            search=SearchIndex(store.path),
            presets=PresetLibrary(
                presets_dir or paths.presets_dir(), executors, tasks.child("presets")
            ),
            metering=metering,
        )

    async def close(self) -> None:
        """On quit: cancel every task and let them end (an HTTP call in flight ends by its
        cancel token), then join every thread and close the search connection."""
        if shiboken6.isValid(self.presets):
            self.presets.stop()
        self.tasks.cancel()
        pending = self.tasks.pending()
        if pending:
            _done, late = await asyncio.wait(pending, timeout=CLOSE_TIMEOUT_S)
            if late:
                log.warning("%d tasks did not end within %s s", len(late), CLOSE_TIMEOUT_S)
        self.finish()

    def finish(self) -> None:
        """Join every thread and close the search connection (the tasks have ended)."""
        if shiboken6.isValid(self.presets):
            # Deleted here, on the GUI thread: left to Python's garbage collector, the
            # library (a QObject without a parent, with its poll timer) could be destroyed
            # on whichever thread the collector happens to run.
            self.presets.stop()
            shiboken6.delete(self.presets)
        self.rendering.shutdown()
        self.executors.shutdown(wait=True)
        self.search.close()
