"""The composition root: build the objects, wire them, run the event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence

from mixtral_desktop import APP_ID, APP_NAME, __version__

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; returns the process exit code."""
    # Imported here so `import mixtral_desktop.app` stays cheap and free of side effects.
    import qasync
    from PySide6.QtWidgets import QApplication

    from mixtral_desktop.core import logs
    from mixtral_desktop.core.api import ClientConfig
    from mixtral_desktop.core.clients import ClientProvider
    from mixtral_desktop.core.errors import SegmindError
    from mixtral_desktop.core.secrets import KeyStore
    from mixtral_desktop.ui import crash_handling
    from mixtral_desktop.ui.main_window import MainWindow

    args = list(sys.argv if argv is None else argv)
    level = logging.DEBUG if os.environ.get("MIXTRAL_DESKTOP_DEBUG") else logging.INFO
    log_path = logs.setup_logging(level)
    log.info("starting %s %s (log: %s)", APP_NAME, __version__, log_path)

    app = QApplication.instance() or QApplication(args)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    crash_handling.route_qt_messages()
    crash_handling.install_excepthooks()

    try:
        config = ClientConfig.from_env()
    except SegmindError as error:
        log.error("bad configuration: %s", error.user_message)
        config = ClientConfig()
    keys = KeyStore()
    window = MainWindow(ClientProvider(keys, config))
    window.show()
    window.start()
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    app.aboutToQuit.connect(window.shutdown)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    log.info("quit")
    return 0
