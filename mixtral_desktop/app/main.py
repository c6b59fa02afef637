"""The composition root: build the objects, wire them, run the event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mixtral_desktop import APP_ID, APP_NAME, __version__
from mixtral_desktop.app import desktop_entry, resources
from mixtral_desktop.app.interpreter import settle_for_gui
from mixtral_desktop.core.config import paths

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile

log = logging.getLogger(__name__)

LISTEN_LATEST_MS = 500
"""The single-instance socket listens when the loop first rests after the window's first
frame, or this long after it at the latest."""
LISTEN_FALLBACK_MS = 3000  # or this long after start-up, painted or not


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; returns the process exit code."""
    args = list(sys.argv if argv is None else argv)
    flag = desktop_entry.requested(args[1:])
    if flag is not None:  # `--install-desktop-entry` / `--uninstall-desktop-entry`: no window
        return desktop_entry.run(flag)
    # First of all, so no module pays for it: PySide6's import hook races our worker
    # threads' imports and slows every import after it (see qt_import_hook; the ui
    # package does the same for tests and benchmarks).
    from mixtral_desktop.ui.qt_import_hook import remove_feature_import_hook

    remove_feature_import_hook()
    # Imported here so `import mixtral_desktop.app` stays cheap and free of side effects.
    import qasync
    from PySide6.QtCore import QLockFile, QTimer
    from PySide6.QtWidgets import QApplication

    from mixtral_desktop.app import crash_handling, single_instance
    from mixtral_desktop.app.single_instance import InstanceServer
    from mixtral_desktop.core.config import logs
    from mixtral_desktop.core.config import settings as settings_store
    from mixtral_desktop.core.config.secrets import KeyStore
    from mixtral_desktop.core.segmind.config import ClientConfig
    from mixtral_desktop.core.segmind.errors import SegmindError
    from mixtral_desktop.core.services.clients import ClientProvider
    from mixtral_desktop.core.storage.store import open_or_recover
    from mixtral_desktop.ui.shell.database_moved import tell_database_moved
    from mixtral_desktop.ui.shell.main_window import MainWindow
    from mixtral_desktop.ui.shell.services import WindowServices
    from mixtral_desktop.ui.workers.idle import WhenIdle

    level = logging.DEBUG if os.environ.get("MIXTRAL_DESKTOP_DEBUG") else logging.INFO
    redactor = logs.Redactor()
    log_path = logs.setup_logging(redactor, level)
    log.info("starting %s %s (log: %s)", APP_NAME, __version__, log_path)

    app = QApplication.instance() or QApplication(args)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(resources.DESKTOP_FILE_ID)
    app.setWindowIcon(resources.app_icon())
    crash_handling.route_qt_messages()
    crash_reporter = crash_handling.CrashReporter(redactor, app)
    crash_reporter.install()

    paths.data_dir().mkdir(parents=True, exist_ok=True)
    instance_lock = QLockFile(str(paths.data_dir() / "instance.lock"))
    if not claim_instance(instance_lock):
        return 0

    try:
        config = ClientConfig.from_env()
    except SegmindError as error:
        log.error("bad configuration: %s", error.user_message)
        config = ClientConfig()
    store, moved_aside = open_or_recover(paths.history_file())
    keys = KeyStore(redactor=redactor)
    settings = settings_store.load()
    clients = ClientProvider(keys, config, requests_per_minute=settings.requests_per_minute)
    # The one event loop: Qt's, running asyncio through qasync. Background work is a
    # coroutine on it; a task's uncaught error reaches the crash reporter.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(crash_reporter.asyncio_error)
    services = WindowServices.create(clients, store, settings=settings, loop=loop)
    window = MainWindow(services)
    servers: list[InstanceServer] = []

    def listen() -> None:  # for a second launch, once the window has painted
        if servers:
            return
        server = InstanceServer(single_instance.server_name(paths.data_dir()), window)
        server.activate_requested.connect(window.bring_to_front)
        servers.append(server)

    listener = WhenIdle(listen, LISTEN_LATEST_MS, window, first_frame=services.first_frame)
    listener.request()  # (held until the window's first frame)
    QTimer.singleShot(LISTEN_FALLBACK_MS, listen)  # (a window that never paints)
    window.show()
    # Read the key (keyring) and ask for the credits (requests) once the window is on
    # screen: both import ~100 ms of modules the first frame does not need.
    QTimer.singleShot(0, window.start)
    if moved_aside is not None:
        log.warning("the history database could not be read; moved it to %s", moved_aside)
        tell_database_moved(window, moved_aside)
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    app.aboutToQuit.connect(window.shutdown)

    settle_for_gui()
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
        # Every task cancelled and ended, every worker thread joined, before the store
        # closes: nothing outlives the window.
        loop.run_until_complete(services.close())
    store.purge_deleted()
    store.close()
    instance_lock.unlock()
    log.info("quit")
    return 0


def claim_instance(lock: QLockFile) -> bool:
    """True if this process is the app; False after focusing the one already running."""
    from mixtral_desktop.app import single_instance

    lock.setStaleLockTime(0)  # only a lock whose process is gone is stale
    name = single_instance.server_name(paths.data_dir())
    deadline = time.monotonic() + 5
    while True:
        # The lock first: held, it is the running app's (it listens a moment after it
        # took the lock, so a launch in between tries again until it answers).
        if lock.tryLock(0):
            return True
        if single_instance.activate_running(name):
            log.info("already running: focused the open window")
            return False
        if lock.tryLock(100):
            return True
        if time.monotonic() > deadline:  # another instance starts but does not answer
            log.error("another instance holds %s and does not answer", lock.fileName())
            return False
