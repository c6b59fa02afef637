"""The installed Qt binding must not corrupt the interpreter.

PySide6-Essentials 6.12.0 (on Python 3.11) drops one reference to ``None`` on every Qt
call that returns nothing; after a few thousand paints the process aborts with
``Fatal Python error: none_dealloc``. pyproject.toml excludes it; this test catches the
next such build before users do.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtGui import QGuiApplication, QImage, QPainter
app = QGuiApplication(["probe", "-platform", "offscreen"])
image = QImage(16, 16, QImage.Format.Format_ARGB32)
painter = QPainter(image)
before = sys.getrefcount(None)
for _ in range(2000):
    painter.save()
    painter.restore()
after = sys.getrefcount(None)
painter.end()
print(after - before)
"""


def test_void_qt_calls_keep_none_alive() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert abs(int(result.stdout.strip())) < 100, "Qt calls leak references to None"
