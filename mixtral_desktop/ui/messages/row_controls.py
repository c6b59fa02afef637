"""Where the controls on a row's label line are: the painted version switcher
"‹ 2/3 ›" (hit-testing a click on its arrows) and the hover toolbar's place."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractItemView

from mixtral_desktop.ui.messages import painter as paint
from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.model import message_at, version_at
from mixtral_desktop.ui.messages.painter import Fonts

AnyIndex = QModelIndex | QPersistentModelIndex
TARGET_SLACK = 4  # pixels above and below an arrow that still hit it


def version_step_at(
    delegate: MessageDelegate, fonts: Fonts, rect: QRect, index: AnyIndex, x: int, y: int
) -> int | None:
    """-1 / +1 when (``x``, ``y``) is on the "‹" / "›" of the row painted in ``rect``."""
    line = _label_line(delegate, fonts, rect, index)
    if line is None or line[2] is None:
        return None
    previous, _number, following = line[2]
    if previous.adjusted(0, -TARGET_SLACK, 0, TARGET_SLACK).contains(x, y):
        return -1
    if following.adjusted(0, -TARGET_SLACK, 0, TARGET_SLACK).contains(x, y):
        return 1
    return None


def toolbar_place(
    delegate: MessageDelegate, fonts: Fonts, rect: QRect, index: AnyIndex
) -> tuple[QRect, int] | None:
    """The label line of the row painted in ``rect`` and the x its toolbar ends at:
    left of the version switcher and the time."""
    line = _label_line(delegate, fonts, rect, index)
    if line is None:
        return None
    label, aside, parts = line
    if parts is not None:
        right = parts[0].left()
    else:
        right = label.right() + 1 - QFontMetrics(fonts.note).horizontalAdvance(aside)
    return label, right - paint.SWITCHER_GAP


def _label_line(
    delegate: MessageDelegate, fonts: Fonts, rect: QRect, index: AnyIndex
) -> tuple[QRect, str, tuple[QRect, QRect, QRect] | None] | None:
    """The row's label line, its time (or "streaming…") and where its switcher's parts
    are (None: one version only); None when the index holds no message."""
    message = message_at(index)
    if message is None:
        return None
    label = delegate.row_layout(rect, message, index).label
    aside = paint.aside_text(message)
    return label, aside, paint.switcher_parts(label, aside, fonts, version_at(index))


def row_rect(view: QAbstractItemView, index: AnyIndex) -> QRect:
    """Where ``index``'s row is painted, as wide as the viewport."""
    rect = view.visualRect(index)
    rect.setWidth(view.viewport().width())
    return rect
