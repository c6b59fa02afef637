"""The chips above the composer: one per attached document (name, pages or lines,
tokens; View text, Remove, and Keep part… when it is larger than the room left), and
one per file being read (its progress and Cancel)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.attachments import Attachment, describe
from mixtral_desktop.ui.theme.current import styled
from mixtral_desktop.ui.theme.palette import Palette, banner_style

SHOW_PROGRESS_AFTER_S = 0.5
"""A file read faster than this shows "Reading…" only, never its page numbers."""


def _chip_style(name: str, palette: Palette) -> str:
    chip, invalid = palette.chip, palette.invalid
    return (
        f"#{name} {{ background: {chip.background}; border: 1px solid {chip.border};"
        f" border-radius: 6px; }} #{name} QLabel {{ color: {chip.text}; }}"
        f" #{name} QLabel#chip_warning {{ color: {invalid}; }}"
    )


def _button(text: str, name: str, accessible: str, tip: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    button.setToolTip(tip)
    button.setFlat(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class AttachmentChip(QFrame):
    """One attached document."""

    view_requested = Signal()
    remove_requested = Signal()
    keep_part_requested = Signal()

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachment_chip")
        styled(self, lambda p: _chip_style("attachment_chip", p))
        self.attachment = attachment
        self.tokens: int | None = None
        self.room: int | None = None  # the tokens left for it, when it does not fit
        self.icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
                            .pixmap(size, size))
        self.label = QLabel(self)
        self.label.setObjectName("chip_label")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning = QLabel(self)
        self.warning.setObjectName("chip_warning")
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        self.warning.hide()
        name = attachment.name
        self.view_button = _button("View text", "chip_view", f"View the text of {name}",
                                   "What was read from the file, as the model gets it", self)
        self.keep_part_button = _button(
            "Keep part…", "chip_keep_part", f"Keep part of {name}",
            "Keep only some pages or a range of lines", self)
        self.keep_part_button.hide()
        self.remove_button = _button("✕", "chip_remove", f"Remove {name}",
                                     "Remove this document from the message", self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.icon)
        row.addWidget(self.label, 1)
        row.addWidget(self.keep_part_button)
        row.addWidget(self.view_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.warning)
        self.view_button.clicked.connect(self.view_requested)
        self.remove_button.clicked.connect(self.remove_requested)
        self.keep_part_button.clicked.connect(self.keep_part_requested)
        self._show()

    def set_tokens(self, tokens: int) -> None:
        self.tokens = tokens
        self._show()

    def set_room(self, room: int | None) -> None:
        """The tokens left for this document in the model's window (None: enough)."""
        too_big = room is not None and self.tokens is not None and self.tokens > room
        self.room = room if too_big else None
        if too_big:
            self.warning.setText(
                f"Larger than the room left: {self.tokens:,} tokens, room for "
                f"{max(room or 0, 0):,}. Keep only some "
                f"{'pages' if self.attachment.pages else 'lines'}, or remove it."
            )
        self.warning.setVisible(too_big)
        self.keep_part_button.setVisible(too_big)
        self._show()

    def _show(self) -> None:
        a = self.attachment
        tokens = "counting tokens…" if self.tokens is None else f"{self.tokens:,} tokens"
        text = f"{a.name} · {describe(a)} · {tokens}"
        self.label.setText(text)
        warning = f". {self.warning.text()}" if self.warning.isVisibleTo(self) else ""
        self.setAccessibleName(f"Attached document {a.name}")
        self.setAccessibleDescription(f"{describe(a)}, {tokens}{warning}")
        self.setToolTip(text)


class ReadingChip(QFrame):
    """A file being read: "Reading report.pdf… page 120 / 300" and Cancel."""

    cancel_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reading_chip")
        styled(self, lambda p: _chip_style("reading_chip", p))
        self.name = name
        self.label = QLabel(f"Reading {name}…", self)
        self.label.setObjectName("reading_label")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.cancel_button = _button("Cancel", "reading_cancel", f"Cancel reading {name}",
                                     "Stop reading this file", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.setAccessibleName(f"Reading {name}")

    def set_progress(self, done: int, total: int, unit: str) -> None:
        """``unit``: "page" (PDF) or "%" (bytes of a text file)."""
        where = (f"{100 * done // max(total, 1)} %" if unit == "%"
                 else f"page {done:,} / {total:,}")
        text = f"Reading {self.name}… {where}"
        if self.label.text() != text:
            self.label.setText(text)
            self.setAccessibleDescription(where)


class ProblemLine(QFrame):
    """Why a file could not be attached (it names the file and the reason); Dismiss."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachment_problem")
        styled(self, lambda p: banner_style("attachment_problem", p.error))
        self.label = QLabel(self)
        self.label.setObjectName("attachment_problem_text")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = _button("Dismiss", "attachment_problem_dismiss", "Dismiss",
                               "Hide this message", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        self.dismiss.clicked.connect(self.hide)
        self.setAccessibleName("Attachment problem")
        self.hide()

    def say(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.show()


class AttachmentTray(QWidget):
    """The chips, stacked above the composer, and the last problem under them; hidden
    while there is nothing to show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachment_tray")
        self.setAccessibleName("Attached documents")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 0, 8, 0)
        outer.setSpacing(2)
        self._layout = QVBoxLayout()
        self._layout.setSpacing(2)
        outer.addLayout(self._layout)
        self.problem = ProblemLine(self)
        outer.addWidget(self.problem)
        self.problem.dismiss.clicked.connect(self._fit)
        self.hide()

    def add(self, chip: QWidget) -> None:
        self._layout.addWidget(chip, 0, Qt.AlignmentFlag.AlignLeft)
        self.show()

    def insert(self, index: int, chip: QWidget) -> None:
        self._layout.removeWidget(chip)
        self._layout.insertWidget(index, chip, 0, Qt.AlignmentFlag.AlignLeft)

    def take(self, chip: QWidget) -> None:
        self._layout.removeWidget(chip)
        chip.hide()
        chip.deleteLater()
        self._fit()

    def say(self, text: str) -> None:
        """Show why something could not be attached (until dismissed or the next send)."""
        self.problem.say(text)
        self.show()

    def clear_problem(self) -> None:
        self.problem.hide()
        self._fit()

    def _fit(self) -> None:
        self.setVisible(self._layout.count() > 0 or not self.problem.isHidden())

    def chips(self) -> list[AttachmentChip]:
        return [chip for chip in self._widgets() if isinstance(chip, AttachmentChip)]

    def reading(self) -> list[ReadingChip]:
        return [chip for chip in self._widgets() if isinstance(chip, ReadingChip)]

    def _widgets(self) -> list[QWidget]:
        items = (self._layout.itemAt(i) for i in range(self._layout.count()))
        return [w for item in items if item is not None and (w := item.widget()) is not None]
