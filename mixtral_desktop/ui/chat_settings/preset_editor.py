"""The preset editor: a preset's name and its settings (the fields of the side panel,
:class:`~.fields.SettingsForm`), for a new preset or an existing one.

OK stays disabled while the name is blank or too long or a field cannot be sent, and
the reason is shown above the buttons. The dialog writes nothing itself: whoever opened
it reads :meth:`PresetEditor.name` and :meth:`PresetEditor.settings` once it is accepted.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import MAX_NAME, PresetError, check_name
from mixtral_desktop.ui.chat_settings.fields import SettingsForm, reason_label


class PresetEditor(QDialog):
    """Name and settings of one preset; OK only when both can be saved."""

    def __init__(
        self, title: str, name: str, settings: ChatSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preset_editor")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(560, 620)
        self.name_field = QLineEdit(name, self)
        self.name_field.setObjectName("preset_name")
        self.name_field.setAccessibleName("Preset name")
        self.name_field.setPlaceholderText("For example: Pirate")
        self.name_field.setMaxLength(MAX_NAME * 2)  # runs of spaces collapse when saved
        self.form = SettingsForm(self)
        self.form.set_settings(settings)
        scroll = QScrollArea(self)
        scroll.setObjectName("preset_editor_fields")
        scroll.setAccessibleName("Preset settings")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.reason = reason_label(self)
        self.reason.setObjectName("preset_editor_reason")
        self.reason.setAccessibleName("Why the preset cannot be saved")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("preset_editor_ok")
        self.ok_button.setText("Save")
        self.ok_button.setAccessibleName("Save")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("preset_editor_cancel")
        cancel.setAccessibleName("Cancel")
        name_row = QFormLayout()
        name_row.setContentsMargins(0, 0, 0, 0)
        name_label = QLabel("&Name", self)
        name_label.setBuddy(self.name_field)
        name_row.addRow(name_label, self.name_field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(name_row)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_field.textChanged.connect(lambda _text: self._update())
        self.form.edited.connect(lambda _settings: self._update())
        self.name_field.setFocus()
        self._update()

    def name(self) -> str:
        """The name as typed, runs of spaces collapsed."""
        return " ".join(self.name_field.text().split())

    def settings(self) -> ChatSettings:
        return self.form.settings()

    def problem(self) -> str | None:
        """Why the preset cannot be saved as it is (None: it can)."""
        if not self.name():
            return "Give the preset a name."
        try:
            check_name(self.name())
        except PresetError:
            return f"The name is longer than {MAX_NAME} characters."
        problems = self.form.problems()
        return next(iter(problems.values())) if problems else None

    def accept(self) -> None:
        if self.problem() is None:  # Enter in the name field with OK disabled
            super().accept()

    def _update(self) -> None:
        problem = self.problem()
        self.ok_button.setEnabled(problem is None)
        # A field's own reason is shown beside it too; this line says why OK is disabled.
        self.reason.setText(problem or "")
        self.reason.setVisible(problem is not None)
        self.ok_button.setAccessibleDescription(problem or "")
