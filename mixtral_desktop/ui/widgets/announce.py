"""Saying something to a screen reader without moving the focus: Qt's announcement event
(AT-SPI's "announcement" on Linux, UIA notifications on Windows, NSAccessibility on
macOS), polite so it waits for what the reader is saying."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget

SPOKEN_CHARS = 600
"""A long reply is announced by its start; the reader reads the rest in the chat."""


def announce(widget: QWidget, text: str) -> str:
    """Announce ``text`` (cut to :data:`SPOKEN_CHARS`) from ``widget``; what was said."""
    said = text if len(text) <= SPOKEN_CHARS else text[:SPOKEN_CHARS].rsplit(" ", 1)[0] + "…"
    event = QAccessibleAnnouncementEvent(widget, said)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)
    return said
