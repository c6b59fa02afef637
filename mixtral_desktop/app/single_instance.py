"""One running app per user profile: a second launch focuses the first window.

The running app listens on a local socket named after the data folder (so two
profiles, or two test runs, never meet); a second launch connects, asks it to show
its window, and exits without opening the database a second time.

QtNetwork (~8 ms to load, with the Python enums of its classes) is imported only by
what needs it: a first launch, which takes the instance lock at once, listens once its
window has painted, and a second launch, which finds the lock held, connects.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from mixtral_desktop import APP_ID

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)

ACTIVATE = b"activate\n"
TIMEOUT_MS = 1000


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"{APP_ID}-{digest}"


def activate_running(name: str) -> bool:
    """Ask a running instance to show itself; False when there is none."""
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(ACTIVATE)
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.waitForReadyRead(TIMEOUT_MS)  # the running app answers once it has acted
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    activate_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer

        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(name):
            # A socket left behind by a crashed instance (nobody answered on it).
            QLocalServer.removeServer(name)
            if not self._server.listen(name):
                log.warning("single-instance socket unavailable: %s", self._server.errorString())
        self._server.newConnection.connect(self._on_connection)

    def _on_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_message(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_message(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(ACTIVATE.strip()):
            self.activate_requested.emit()
            socket.write(b"ok\n")
            socket.flush()
