"""The baseline: a bare PySide6 script that shows an empty QMainWindow.

``python -m bench.drivers.bare_window REPORT`` shows the window, and once it is
painted and the event loop is idle writes REPORT (see :mod:`idle_probe`) and quits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

from bench.drivers.idle_probe import IdleAfterPaint, report_and_quit


def main(argv: list[str]) -> int:
    app = QApplication(argv)
    window = QMainWindow()
    window.resize(980, 720)
    probe = IdleAfterPaint(window, report_and_quit(Path(argv[1])))
    window.show()
    code = app.exec()
    del probe
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
