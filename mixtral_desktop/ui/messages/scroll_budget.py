"""While the user scrolls, a pass lays out new rows for a few milliseconds at most; the
others are painted as empty bubbles and filled in on the next pass."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QStyleOptionViewItem, QWidget

SCROLL_PAINT_BUDGET_S = 0.004  # while scrolling, new rows laid out per pass, at most


class ScrollBudget(QObject):
    """Counts the time a paint pass has spent laying rows out; repaints what it put off."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pass_started = 0.0
        self._pass = QTimer(self)  # active from the first paint of a pass to its end
        self._pass.setSingleShot(True)
        self._pass.setInterval(0)
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(0)
        self._repaint.timeout.connect(self._repaint_view)
        self._repaint_target: QWidget | None = None

    def spent(self, option: QStyleOptionViewItem) -> bool:
        """Whether this pass has laid out enough: the row is painted on the next one."""
        now = time.perf_counter()
        if not self._pass.isActive():
            self._pass_started = now
            self._pass.start()
        if now - self._pass_started <= SCROLL_PAINT_BUDGET_S:
            return False
        widget = option.widget
        self._repaint_target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else (
            widget if isinstance(widget, QWidget) else None
        )
        self._repaint.start()
        return True

    def _repaint_view(self) -> None:
        target, self._repaint_target = self._repaint_target, None
        if target is not None:
            target.update()
