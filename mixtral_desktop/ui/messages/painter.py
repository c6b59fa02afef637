"""Drawing the parts of one message card; geometry comes from message_style."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPen,
)

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages.style import (
    ACCENT_WIDTH,
    CURSOR,
    NOTE_COLOURS,
    RADIUS,
    STYLES,
    BubbleStyle,
    row_height,
    row_layout,
)
from mixtral_desktop.ui.text.document import StackedDocument, caret_origin
from mixtral_desktop.ui.theme.current import PALETTE

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Fonts:
    text: QFont
    label: QFont
    note: QFont

    @classmethod
    def from_font(cls, font: QFont) -> Fonts:
        label = QFont(font)
        label.setBold(True)
        note = QFont(font)
        note.setItalic(True)
        if font.pointSizeF() > 0:
            note.setPointSizeF(max(font.pointSizeF() - 1, 6.0))
        return cls(QFont(font), label, note)


def paint_bubble(painter: QPainter, bubble: QRect, style: BubbleStyle) -> None:
    shape = QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5)
    painter.setPen(QPen(QColor(style.border), 1.0))
    painter.setBrush(QColor(style.background))
    painter.drawRoundedRect(shape, RADIUS, RADIUS)
    if style.accent:
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(style.accent))
        painter.setClipRect(QRectF(shape.left(), shape.top(), ACCENT_WIDTH, shape.height()))
        painter.drawRoundedRect(shape, RADIUS, RADIUS)
        painter.restore()


def paint_focus(painter: QPainter, bubble: QRect) -> None:
    """The keyboard's current message: a ring around its bubble."""
    painter.save()
    painter.setPen(QPen(QColor(PALETTE.row_accent), 2.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(bubble).adjusted(1, 1, -1, -1), RADIUS, RADIUS)
    painter.restore()


def paint_label(
    painter: QPainter, rect: QRect, message: Message, fonts: Fonts, aside: str,
    version: tuple[int, int] = (1, 1),
) -> None:
    """Who spoke on the left; ``aside`` (the time, or "streaming…") on the right, and
    before it "‹ 2/3 ›" when the message has other versions."""
    style = STYLES[message.role]
    font = QFont(fonts.label)
    font.setItalic(style.italic_label)
    painter.setFont(font)
    painter.setPen(QColor(style.label_colour))
    painter.drawText(rect, int(LEFT), style.label)
    painter.setFont(fonts.note)
    painter.setPen(QColor(PALETTE.muted))
    painter.drawText(rect, int(RIGHT), aside)
    parts = switcher_parts(rect, aside, fonts, version)
    if parts is not None:
        previous, number, following = parts
        centre = int(Qt.AlignmentFlag.AlignCenter)
        painter.setFont(fonts.label)
        painter.setPen(QColor(PALETTE.text if version[0] > 1 else PALETTE.muted))
        painter.drawText(previous, centre, "‹")
        painter.setPen(QColor(PALETTE.text if version[0] < version[1] else PALETTE.muted))
        painter.drawText(following, centre, "›")
        painter.setFont(fonts.note)
        painter.setPen(QColor(PALETTE.text))
        painter.drawText(number, centre, f"{version[0]}/{version[1]}")


SWITCHER_GAP = 10  # between the version switcher and the time


def switcher_parts(
    rect: QRect, aside: str, fonts: Fonts, version: tuple[int, int]
) -> tuple[QRect, QRect, QRect] | None:
    """Where "‹", "2/3" and "›" go on a label line ``rect`` (None: one version only)."""
    count = version[1]
    if count < 2:
        return None
    metrics = QFontMetrics(fonts.note)
    arrow = max(QFontMetrics(fonts.label).height(), 16)  # a target a finger can hit
    text = metrics.horizontalAdvance(f"{count}/{count}") + 6
    right = rect.right() + 1 - metrics.horizontalAdvance(aside) - SWITCHER_GAP
    following = QRect(right - arrow, rect.top(), arrow, rect.height())
    middle = QRect(following.left() - text, rect.top(), text, rect.height())
    previous = QRect(middle.left() - arrow, rect.top(), arrow, rect.height())
    return previous, middle, following


def clock_time(message: Message) -> str:
    return time.strftime("%H:%M", time.localtime(message.created))


def aside_text(message: Message) -> str:
    """What the label line shows on the right: the time, or "streaming…"."""
    if message.state is MessageState.STREAMING:
        return "streaming…"
    return clock_time(message)


def paint_document(
    painter: QPainter,
    rect: QRect,
    document: StackedDocument,
    fonts: Fonts,
    cursor: bool,
    visible: QRect | None = None,
) -> None:
    """Draw the laid-out Markdown; ``cursor`` adds a caret after its last word.

    Only what lies in ``visible`` (view coordinates; default all of ``rect``) is drawn:
    a reply taller than the screen costs what is on screen.
    """
    shown = QRect(rect) if visible is None else rect.intersected(visible)
    if shown.isEmpty():
        return
    painter.save()
    painter.translate(rect.topLeft())
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette(context.palette)  # the attribute may be a copy: assign it back
    palette.setColor(QPalette.ColorRole.Text, QColor(PALETTE.text))
    context.palette = palette
    document.draw(painter, context, QRectF(shown.translated(-rect.topLeft())))
    if cursor:
        last, top = document.last_document()
        origin = caret_origin(last)
        if origin is not None:
            painter.setFont(fonts.text)
            painter.setPen(QColor(STYLES[Role.ASSISTANT].label_colour))
            painter.drawText(origin + QPointF(0, top), CURSOR)
    painter.restore()


def paint_placeholder(
    painter: QPainter, rect: QRect, state: MessageState, text: str, fonts: Fonts
) -> None:
    """A message without text yet: its state in italics where the text will be."""
    font = QFont(fonts.text)
    font.setItalic(True)
    painter.setFont(font)
    painter.setPen(QColor(NOTE_COLOURS.get(state, PALETTE.muted)))
    painter.drawText(rect, int(LEFT), text)


def paint_note(
    painter: QPainter, rect: QRect, state: MessageState, text: str, fonts: Fonts
) -> None:
    """The state note under the text, elided to one line."""
    painter.setFont(fonts.note)
    painter.setPen(QColor(NOTE_COLOURS.get(state, PALETTE.muted)))
    elided = QFontMetrics(fonts.note).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, int(LEFT), elided)


def paint_context_line(painter: QPainter, rect: QRect, text: str, fonts: Fonts) -> None:
    """"Not sent to the model above this line": a rule across the note's place."""
    painter.save()
    painter.setOpacity(1.0)
    painter.setFont(fonts.note)
    painter.setPen(QColor(PALETTE.note_incomplete))
    metrics = QFontMetrics(fonts.note)
    elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, int(LEFT), elided)
    middle = rect.center().y()
    start = rect.left() + metrics.horizontalAdvance(elided) + 8
    if start < rect.right():
        painter.drawLine(start, middle, rect.right(), middle)
    painter.restore()


def paint_pending(
    painter: QPainter, place: QRect, rect: QRect, message: Message, fonts: Fonts,
    label_height: int, line_height: int,
) -> None:
    """A row whose text is not laid out yet (the view is being scrolled): its bubble and
    label in ``place``, the one the layout gave it; the text follows on a later pass."""
    body = max(place.height() - row_height(0, label_height, None), line_height)
    layout = row_layout(rect, message.role, body, label_height, None)
    painter.save()
    painter.setClipRect(place, Qt.ClipOperation.IntersectClip)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_bubble(painter, layout.bubble, STYLES[message.role])
    paint_label(painter, layout.label, message, fonts, clock_time(message))
    painter.restore()
