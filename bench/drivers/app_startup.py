"""The app's own ``main()``, watched: ``python -m bench.drivers.app_startup REPORT [visit]``.

Before calling ``mixtral_desktop.app.main`` this wraps ``MainWindow.show`` so the
window gets the :mod:`idle_probe` watcher the moment it is shown; nothing else about
the start-up changes. Once the window is painted and the loop idle the report is
written and the app quits through its ordinary path. With ``visit`` it first shows
every open tab in turn, each painted and idle, then reports the peak memory.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QMainWindow

from bench.drivers.idle_probe import IdleAfterPaint, report_and_quit


def main(argv: list[str]) -> int:
    from mixtral_desktop.app import main as app
    from mixtral_desktop.ui.shell.main_window import MainWindow

    report = Path(argv[1])
    visit = len(argv) > 2 and argv[2] == "visit"
    watchers: list[object] = []
    original_show = MainWindow.show

    def show(window: MainWindow) -> None:
        on_idle = (lambda ready: _visit_tabs(window, report, ready, watchers)) if visit else (
            report_and_quit(report, lambda: {"tabs": window.tabs.count()})
        )
        watchers.append(IdleAfterPaint(window, on_idle))
        original_show(window)

    MainWindow.show = show  # type: ignore[method-assign, assignment]
    return app.main(argv[:1])


def _visit_tabs(window: QMainWindow, report: Path, ready: float, keep: list[object]) -> None:
    from mixtral_desktop.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    pending = list(range(window.tabs.count()))

    def next_tab(_ready: float = 0.0) -> None:
        if not pending:
            report_and_quit(report, lambda: {"tabs": window.tabs.count()})(ready)
            return
        index = pending.pop(0)
        view = window.tab(index).view.viewport()
        keep.append(IdleAfterPaint(view, next_tab))
        window.tabs.setCurrentIndex(index)
        view.update()

    next_tab()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
