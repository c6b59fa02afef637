"""Opening windows as the app does, and checking that nothing outlives them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import qasync
    from pytestqt.qtbot import QtBot

    from mixtral_desktop.core.services.clients import ClientProvider
    from mixtral_desktop.core.storage.store import Store
    from mixtral_desktop.ui.messages.rendering import Rendering
    from mixtral_desktop.ui.shell.main_window import MainWindow
    from mixtral_desktop.ui.shell.services import WindowServices

SETTLE_MS = 5000


def our_threads() -> list[str]:
    """The app's worker threads still alive (they are all named ``mixtral-…``)."""
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("mixtral-"))


@dataclass
class Windows:
    """Opens main windows the way the app does (:meth:`open`); closes them all after."""

    qtbot: QtBot
    loop: qasync.QEventLoop
    opened: list[tuple[MainWindow, WindowServices, bool]] = field(default_factory=list)

    def open(
        self, clients: ClientProvider, store: Store | None = None, **services: Any
    ) -> MainWindow:
        """A window (not shown yet) with services of its own; the user's store if none."""
        from mixtral_desktop.ui.shell.main_window import MainWindow
        from mixtral_desktop.ui.shell.services import WindowServices

        made = WindowServices.create(clients, store, loop=self.loop, **services)
        window = MainWindow(made)
        self.qtbot.addWidget(window)
        self.opened.append((window, made, store is None))
        return window

    def close_all(self) -> None:
        import shiboken6

        for window, services, own_store in self.opened:
            if shiboken6.isValid(window) and window.isVisible():
                window.close()
            services.tasks.cancel()
            self.qtbot.waitUntil(lambda s=services: not s.tasks.pending(), timeout=SETTLE_MS)
            services.finish()
            if own_store:
                services.store.close()
        assert our_threads() == [], "worker threads outlived their window"




def script_rendering(app: Any) -> tuple[qasync.QEventLoop, Rendering, Callable[[], None]]:
    """For a script run in a fresh interpreter: the qasync loop, a Rendering on it, and
    what shuts both down (as the app does on quit)."""
    import asyncio

    import qasync

    from mixtral_desktop.core.services.executors import Executors
    from mixtral_desktop.ui.messages.rendering import Rendering
    from mixtral_desktop.ui.workers.tasks import TaskGroup

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    executors = Executors()
    tasks = TaskGroup("script", loop)
    rendering = Rendering.create(executors.io, tasks)

    def shut_down() -> None:
        tasks.cancel()
        rendering.shutdown()
        executors.shutdown(wait=True)

    return loop, rendering, shut_down
