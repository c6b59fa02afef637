"""A private D-Bus session bus with an unlocked gnome-keyring, for the keyring tests.

Its files live in a temporary folder, so tests never touch the user's own keyring.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "test-session-only"


class PrivateSecretService:
    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="mixtral-keyring-"))
        self.address = ""
        self._pids: list[int] = []

    @classmethod
    def adopt(cls, address: str) -> PrivateSecretService:
        """Use a throwaway keyring that is already running (the one scripts/ start)."""
        service = cls()
        service.address = address
        return service

    @staticmethod
    def available() -> bool:
        return bool(shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon"))

    def start(self) -> PrivateSecretService:
        bus = subprocess.run(
            ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
            capture_output=True, text=True, timeout=30, check=True,
        )
        lines = bus.stdout.split()
        self.address, self._pids = lines[0], [int(lines[1])]
        env = self.env()
        daemon = subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input=PASSWORD, capture_output=True, text=True, timeout=30, env=env, check=True,
        )
        for line in daemon.stdout.splitlines():
            if line.startswith("GNOME_KEYRING_PID="):
                self._pids.append(int(line.split("=", 1)[1]))
        self._wait_ready()
        return self

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        env["XDG_DATA_HOME"] = str(self.home / "data")
        env["XDG_RUNTIME_DIR"] = str(self.home)
        return env

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["secret-tool", "search", "service", "probe"], env=self.env(),
                capture_output=True, timeout=10,
            )
            if probe.returncode in (0, 1):
                return
            time.sleep(0.05)  # another process is starting; nothing to wait on but time

    def lock(self) -> None:
        """Lock every collection (as a screen lock or a fresh login would)."""
        script = (
            "import secretstorage\n"
            "c = secretstorage.dbus_init()\n"
            "for col in secretstorage.get_all_collections(c):\n"
            "    col.lock()\n"
        )
        subprocess.run(
            [sys.executable, "-c", script],
            env=self.env(), check=True, timeout=30,
        )

    def stop(self) -> None:
        for pid in reversed(self._pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        shutil.rmtree(self.home, ignore_errors=True)
