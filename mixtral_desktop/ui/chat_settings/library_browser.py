"""The presets library's list and details: the user's presets, the built-in ones and
the broken files (with their reason, in the palette's invalid colour), a search by name
or system prompt, and what the selected row holds (:class:`PresetBrowser`).

The rows are rebuilt from :func:`entries` whenever the library changes; the selected
row stays selected if it is still there, else its neighbour is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.config.preset_files import PresetFile
from mixtral_desktop.core.domain.chat_settings import PARAMETERS, ChatSettings
from mixtral_desktop.core.domain.presets import Preset
from mixtral_desktop.ui.chat_settings.fields import SERVER_DEFAULT
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.theme.current import PALETTE, styled

ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Entry:
    """One row: a built-in preset (no file), a user's preset, or a broken file (no preset)."""

    id: str
    preset: Preset | None
    file: PresetFile | None = None

    @property
    def editable(self) -> bool:
        return self.preset is not None and self.file is not None


def entries(library: PresetLibrary) -> list[Entry]:
    """The user's presets by name, then the built-in ones, then the broken files."""
    files = library.files()
    return [
        *(Entry(f.id, f.preset, f) for f in files if f.preset is not None),
        *(Entry(p.id, p) for p in library.presets() if p.builtin),
        *(Entry(f.id, None, f) for f in files if f.preset is None),
    ]


def row_text(entry: Entry, default: bool) -> str:
    if entry.preset is None:
        name, error = (entry.file.path.name, entry.file.error) if entry.file else ("?", "")
        return f"{name} — broken: {error}"
    builtin = " (built-in)" if entry.file is None else ""
    return f"{entry.preset.name}{builtin}{' — default' if default else ''}"


def matches(entry: Entry, query: str) -> bool:
    """The name (a broken file's: its file name) or the system prompt holds ``query``."""
    if entry.preset is None:
        text = entry.file.path.name if entry.file else ""
    else:
        text = f"{entry.preset.name}\n{entry.preset.settings.system}"
    return query.strip().casefold() in text.casefold()


def parameters_text(settings: ChatSettings) -> str:
    """"Temperature 0.2, seed 42", or "Server default" when nothing is set."""
    parts = [
        f"{p.label} {p.format(settings.value(p.name))}"
        for p in PARAMETERS if settings.value(p.name) is not None
    ]
    parts += [f"{k} {json.dumps(v, ensure_ascii=False)}" for k, v in settings.extra.items()]
    return ", ".join(parts) or SERVER_DEFAULT


def _label(parent: QWidget, name: str, accessible: str, style: str = "") -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(style)
    return label


class PresetDetails(QFrame):
    """What the selected preset holds, or why its file is broken and where it is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preset_details")
        self.setAccessibleName("Preset details")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        muted = f"color: {PALETTE.muted};"
        self.title = _label(self, "preset_details_name", "Preset name")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.kind = _label(self, "preset_details_kind", "Kind of preset", muted)
        self.reason = _label(self, "preset_details_reason", "Why the file is broken",
                             f"color: {PALETTE.invalid};")
        self.path = _label(self, "preset_details_path", "File", muted)
        self.prompt_caption = QLabel("System prompt", self)
        self.prompt = QPlainTextEdit(self)
        self.prompt.setObjectName("preset_details_prompt")
        self.prompt.setAccessibleName("System prompt preview")
        self.prompt.setReadOnly(True)
        self.prompt.setTabChangesFocus(True)
        self.prompt.setPlaceholderText("No system prompt")
        self.parameters = _label(self, "preset_details_parameters", "Parameters")
        self.examples = _label(self, "preset_details_examples", "Example turns")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        for widget in (self.title, self.kind, self.reason, self.path, self.prompt_caption):
            layout.addWidget(widget)
        layout.addWidget(self.prompt, 1)
        layout.addWidget(self.parameters)
        layout.addWidget(self.examples)
        layout.addStretch(0)
        self.show_entry(None, "No preset selected.")

    def show_entry(self, entry: Entry | None, empty: str = "") -> None:
        preset, file = (entry.preset, entry.file) if entry else (None, None)
        broken = entry is not None and preset is None
        if preset is not None:
            self.title.setText(preset.name)
            self.kind.setText(
                "Built-in, read-only: duplicate it to change it." if file is None
                else "Your preset, in this file:"
            )
            self.prompt.setPlainText(preset.settings.system)
            self.parameters.setText(f"Parameters: {parameters_text(preset.settings)}")
            self.examples.setText(f"Example turns: {len(preset.settings.examples)}")
        else:
            self.title.setText(file.path.name if file else empty)
            self.kind.setText("Broken file: the app leaves it as it is. Fix it in a text "
                              "editor and it is read again." if broken else "")
            self.prompt.clear()
        self.reason.setText((file.error or "") if file and broken else "")
        self.path.setText(str(file.path) if file else "")
        for widget in (self.prompt_caption, self.prompt, self.parameters, self.examples):
            widget.setVisible(preset is not None)
        for label in (self.kind, self.reason, self.path):
            label.setVisible(bool(label.text()))


class RowDelegate(QStyledItemDelegate):
    """A selected row keeps its own text colour (a broken file's stays the invalid one)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        colour = index.data(Qt.ItemDataRole.ForegroundRole)
        option.palette.setBrush(
            QPalette.ColorRole.HighlightedText, colour or QColor(PALETTE.text)
        )


class PresetBrowser(QWidget):
    """The search field, the list and the details of the selected row."""

    current_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("presets_search")
        self.search.setAccessibleName("Search presets")
        self.search.setPlaceholderText("Search by name or system prompt (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("presets_list")
        self.list.setAccessibleName("Presets")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setWordWrap(True)  # a broken file's whole reason, on a few lines
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        styled(self.list, lambda p: (
            f"QListWidget::item {{ padding: 3px 4px; border-bottom: 1px solid"
            f" {p.row_separator}; }}"
            f"QListWidget::item:selected {{ background: {p.row_selected};"
            f" border-left: 3px solid {p.row_accent}; }}"
        ))
        self.list.setItemDelegate(RowDelegate(self.list))
        self.details = PresetDetails(self)
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.search)
        left.addWidget(self.list, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 2)
        layout.addWidget(self.details, 3)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        self._entries: dict[str, Entry] = {}
        self._default: str | None = None
        self.search.textChanged.connect(lambda _text: self._filter())
        self.list.currentItemChanged.connect(lambda *_: self._on_current())

    def show_entries(self, shown: list[Entry]) -> None:
        """Show ``shown``, the same row selected if it is still there (else its neighbour)."""
        keep, row = self.current(), self.list.currentRow()
        self._entries = {entry.id: entry for entry in shown}
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for entry in shown:
                item = QListWidgetItem()
                item.setData(ID_ROLE, entry.id)
                self.list.addItem(item)
                self._decorate(item, entry)
        finally:
            self.list.blockSignals(False)
        self._filter(keep.id if keep else None, row)

    def set_default(self, preset_id: str | None) -> None:
        self._default = preset_id
        for row in range(self.list.count()):
            item = self.list.item(row)
            self._decorate(item, self._entries[item.data(ID_ROLE)])

    def current(self) -> Entry | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return self._entries.get(item.data(ID_ROLE))

    def select(self, entry_id: str) -> None:
        """Select a row by its id (clearing a search that hides it)."""
        entry = self._entries.get(entry_id)
        if entry is not None and not matches(entry, self.search.text()):
            self.search.clear()
        self._filter(entry_id)

    def _decorate(self, item: QListWidgetItem, entry: Entry) -> None:
        text = row_text(entry, entry.id == self._default)
        item.setText(text)
        item.setToolTip(text if entry.file is None else f"{text}\n{entry.file.path}")
        font = self.list.font()
        font.setBold(entry.id == self._default)
        font.setItalic(entry.preset is None)
        item.setFont(font)
        if entry.preset is None:
            item.setForeground(QColor(PALETTE.invalid))

    def _filter(self, keep: str | None = None, row: int | None = None) -> None:
        """Hide the rows the search does not match; select ``keep`` (the current row if
        None), else the nearest visible row."""
        if keep is None and (current := self.current()) is not None:
            keep = current.id
        row = self.list.currentRow() if row is None else row
        visible = []
        for number in range(self.list.count()):
            item = self.list.item(number)
            item.setHidden(not matches(self._entries[item.data(ID_ROLE)], self.search.text()))
            if not item.isHidden():
                visible.append(item)
        chosen = next((i for i in visible if i.data(ID_ROLE) == keep), None)
        if chosen is None and visible:
            chosen = next((i for i in visible if self.list.row(i) >= row), visible[-1])
        self.list.blockSignals(True)
        try:
            if chosen is None:
                self.list.setCurrentRow(-1)
                self.list.clearSelection()
            else:
                self.list.setCurrentItem(chosen)
        finally:
            self.list.blockSignals(False)
        self._on_current()

    def _on_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.scrollToItem(item)
        empty = "No preset matches the search." if self.search.text().strip() else ""
        self.details.show_entry(self.current(), empty or "No preset selected.")
        self.current_changed.emit()
