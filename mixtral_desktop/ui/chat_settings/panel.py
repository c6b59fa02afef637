"""The chat settings side panel: beside the conversation (never over it), for one chat.

It edits a copy of the chat's settings and says so at once (:attr:`settings_edited`,
:attr:`problems_changed`); the shell gives them to the chat's requests and the history.
A preset can be applied from here, and the settings saved as a new preset.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import PresetError
from mixtral_desktop.ui.chat_settings.fields import SettingsForm
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.workers.tasks import TaskGroup

NEXT_REQUEST = "Changes apply to the next request; replies already made keep theirs."
PANEL_WIDTH = 340


class ChatSettingsPanel(QFrame):
    """System prompt, parameters, extra fields, examples; presets applied or saved."""

    settings_edited = Signal(object)  # ChatSettings
    problems_changed = Signal(object)  # dict[str, str]: field -> why it cannot be sent
    library_requested = Signal()
    closed = Signal()

    def __init__(
        self, library: PresetLibrary, tasks: TaskGroup, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chat_settings_panel")
        self.setAccessibleName("Chat settings")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(280)
        self._library = library
        self._tasks = tasks
        title = QLabel("<b>Chat settings</b>", self)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("close_chat_settings")
        self.close_button.setText("✕")
        self.close_button.setAccessibleName("Close chat settings")
        self.close_button.setToolTip("Close chat settings (Esc)")
        self.close_button.setAutoRaise(True)
        self.preset_box = QComboBox(self)
        self.preset_box.setObjectName("preset_choice")
        self.preset_box.setAccessibleName("Preset")
        self.apply_button = QPushButton("&Apply preset", self)
        self.apply_button.setObjectName("apply_preset")
        note = QLabel(NEXT_REQUEST, self)
        note.setObjectName("chat_settings_note")
        note.setWordWrap(True)
        self.form = SettingsForm(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.omitted_label = QLabel(self)
        self.omitted_label.setObjectName("omitted_fields")
        self.omitted_label.setWordWrap(True)
        self.send_again_button = QPushButton("Send them again", self)
        self.send_again_button.setObjectName("send_omitted_again")
        self.save_button = QPushButton("Save as &preset…", self)
        self.save_button.setObjectName("save_as_preset")
        self.library_button = QPushButton("Presets &library…", self)
        self.library_button.setObjectName("open_presets_library")
        self._layout(title, note, scroll)
        self._settings = ChatSettings()
        self.close_button.clicked.connect(self.close_panel)
        self.apply_button.clicked.connect(self.apply_chosen)
        self.form.edited.connect(self._on_form_edited)
        self.send_again_button.clicked.connect(self._send_again)
        self.save_button.clicked.connect(self.save_as_preset)
        self.library_button.clicked.connect(self.library_requested)
        library.changed.connect(self._fill_presets)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_panel)
        self._fill_presets()

    def _layout(self, title: QLabel, note: QLabel, scroll: QScrollArea) -> None:
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.close_button)
        presets = QHBoxLayout()
        presets.addWidget(self.preset_box, 1)
        presets.addWidget(self.apply_button)
        omitted = QHBoxLayout()
        omitted.addWidget(self.omitted_label, 1)
        omitted.addWidget(self.send_again_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.library_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(top)
        layout.addLayout(presets)
        layout.addWidget(note)
        layout.addWidget(scroll, 1)
        layout.addLayout(omitted)
        layout.addLayout(buttons)

    # -- the chat's settings ----------------------------------------------------------

    def set_settings(self, settings: ChatSettings) -> None:
        """Show the chat's settings (nothing is emitted)."""
        self._settings = settings
        self.form.set_settings(settings)
        self._show_omitted()
        self._select_preset(settings.preset)

    def settings(self) -> ChatSettings:
        return self._settings

    def open_panel(self) -> None:
        self.show()
        self.form.system.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def close_panel(self) -> None:
        self.hide()
        self.closed.emit()

    def _on_form_edited(self, settings: ChatSettings) -> None:
        self._settings = settings
        self._show_omitted()
        self.settings_edited.emit(settings)
        self.problems_changed.emit(self.form.problems())

    def _show_omitted(self) -> None:
        omitted = sorted(self._settings.omitted)
        self.omitted_label.setText(
            "Left out of this chat's requests (Segmind refused them): " + ", ".join(omitted)
            if omitted else ""
        )
        self.omitted_label.setVisible(bool(omitted))
        self.send_again_button.setVisible(bool(omitted))

    def _send_again(self) -> None:
        self._settings = self._settings.with_changes(omitted=frozenset())
        self._show_omitted()
        self.settings_edited.emit(self._settings)

    # -- presets ----------------------------------------------------------------------

    def _fill_presets(self) -> None:
        chosen = self.preset_box.currentData()
        self.preset_box.blockSignals(True)
        try:
            self.preset_box.clear()
            for preset in self._library.presets():
                suffix = " (built-in)" if preset.builtin else ""
                self.preset_box.addItem(preset.name + suffix, preset.id)
        finally:
            self.preset_box.blockSignals(False)
        self._select_preset(chosen or self._settings.preset)
        self.apply_button.setEnabled(self.preset_box.count() > 0)

    def _select_preset(self, preset_id: str | None) -> None:
        index = self.preset_box.findData(preset_id) if preset_id else -1
        if index >= 0:
            self.preset_box.setCurrentIndex(index)

    def apply_chosen(self) -> None:
        """The chosen preset's instructions, parameters and examples replace the chat's."""
        preset = self._library.find(self.preset_box.currentData())
        if preset is None:
            return
        self.set_settings(preset.apply(self._settings))
        self.settings_edited.emit(self._settings)
        self.problems_changed.emit(self.form.problems())

    def save_as_preset(self) -> None:
        """Keep this chat's settings as a new preset file (asks for its name)."""
        name, ok = QInputDialog.getText(
            self, "Save as preset", "Name of the new preset:", text="My preset"
        )
        if ok and name.strip():
            self._tasks.start(self._save_as(name, self._settings), "presets: save as")

    async def _save_as(self, name: str, settings: ChatSettings) -> None:
        try:
            preset = await self._library.create(name, settings)
        except (OSError, PresetError) as error:
            QMessageBox.warning(self, "Save as preset", f"The preset was not saved: {error}")
            return
        if settings == self._settings:  # the chat now follows the new preset
            self.set_settings(preset.apply(self._settings))
            self.settings_edited.emit(self._settings)
