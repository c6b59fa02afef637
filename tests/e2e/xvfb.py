"""A private Xvfb display for end-to-end tests, and screenshots of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SCREENSHOT_SCRIPT = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
ok = QGuiApplication.primaryScreen().grabWindow(0).save(sys.argv[1])
sys.exit(0 if ok else 1)
"""


class Xvfb:
    """Starts ``Xvfb`` on a free display number (``-displayfd``) and stops it."""

    def __init__(self, width: int = 1280, height: int = 860) -> None:
        self.size = f"{width}x{height}x24"
        self.display = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Xvfb:
        binary = shutil.which("Xvfb")
        if binary is None:
            raise RuntimeError("Xvfb is not installed (scripts/setup.sh test installs it)")
        read_fd, write_fd = os.pipe()
        self._proc = subprocess.Popen(
            [binary, "-displayfd", str(write_fd), "-screen", "0", self.size, "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not report a display")
        self.display = f":{number}"
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        env["QT_QPA_PLATFORM"] = "xcb"
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def screenshot(self, path: Path) -> None:
        """Grab the whole screen with Qt (no ImageMagick needed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-c", SCREENSHOT_SCRIPT, str(path)],
            env=self.env(), check=True, timeout=60,
        )
