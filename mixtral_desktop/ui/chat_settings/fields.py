"""The fields of a chat's settings, shared by the side panel and the preset editor:
the system prompt, one row per parameter (blank shows "Server default"; a reset button;
the reason beside a value that cannot be sent), "Extra request fields" as JSON, and
the example turns.

:class:`SettingsForm` emits :attr:`~SettingsForm.edited` with the settings as typed
whenever a field changes; a field whose text cannot be sent keeps its last good value
in those settings and is listed by :meth:`SettingsForm.problems`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.domain.chat_settings import (
    PARAMETERS,
    ChatSettings,
    InvalidValue,
    Parameter,
    extra_text,
    parse_extra,
)
from mixtral_desktop.ui.chat_settings.examples import ExamplesEditor
from mixtral_desktop.ui.theme.current import PALETTE

SERVER_DEFAULT = "Server default"
EXTRA_PLACEHOLDER = '{"seed": 42}'


def reason_label(parent: QWidget) -> QLabel:
    """A hidden line for why a value cannot be sent."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {PALETTE.invalid};")
    label.hide()
    return label


def show_reason(label: QLabel, field: QWidget, reason: str | None) -> None:
    """Show (or hide, for None) the reason beside ``field``; a screen reader gets it as
    the field's description."""
    label.setText(reason or "")
    label.setVisible(bool(reason))
    field.setAccessibleDescription(reason or "")
    field.setProperty("invalid", bool(reason))
    field.setStyleSheet(f"border: 1px solid {PALETTE.invalid};" if reason else "")


class ParameterField(QWidget):
    """One parameter: a line (blank: the server's default), a reset, the reason."""

    changed = Signal()

    def __init__(self, parameter: Parameter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parameter = parameter
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"parameter_{parameter.name}")
        self.edit.setAccessibleName(parameter.label)
        self.edit.setPlaceholderText(SERVER_DEFAULT)
        self.edit.setToolTip(
            f"{parameter.label}, between {parameter.range_text()}; "
            "leave it blank for Segmind's default (then it is not sent)"
        )
        self.reset = QToolButton(self)
        self.reset.setObjectName(f"reset_{parameter.name}")
        self.reset.setText("↺")
        self.reset.setAccessibleName(f"Reset {parameter.label} to the server default")
        self.reset.setToolTip(f"Reset {parameter.label} to the server default")
        self.reset.setAutoRaise(True)
        self.reason = reason_label(self)
        self.reason.setObjectName(f"reason_{parameter.name}")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.reset)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.reason)
        self.value: float | int | None = None  # the last value that can be sent
        self.problem: str | None = None
        self.edit.textEdited.connect(self._on_edited)
        self.reset.clicked.connect(self._on_reset)
        self._update_reset()

    def set_value(self, value: float | int | None) -> None:
        self.value, self.problem = value, None
        self.edit.setText(self.parameter.format(value))
        show_reason(self.reason, self.edit, None)
        self._update_reset()

    def _on_edited(self, text: str) -> None:
        try:
            self.value, self.problem = self.parameter.parse(text), None
        except InvalidValue as error:
            self.problem = error.reason
        show_reason(self.reason, self.edit, self.problem)
        self._update_reset()
        self.changed.emit()

    def _on_reset(self) -> None:
        self.set_value(None)
        self.edit.setFocus()
        self.changed.emit()

    def _update_reset(self) -> None:
        self.reset.setEnabled(bool(self.edit.text()))


class SettingsForm(QWidget):
    """System prompt, parameters, extra fields and examples of one set of settings."""

    edited = Signal(object)  # ChatSettings, as typed (invalid fields keep their last value)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = ChatSettings()  # what this form does not edit (omitted, preset)
        self.system = QPlainTextEdit(self)
        self.system.setObjectName("system_prompt")
        self.system.setAccessibleName("System prompt")
        self.system.setPlaceholderText(
            "Standing instructions for this chat (sent first, as system)"
        )
        self.system.setTabChangesFocus(True)
        self.system.setMinimumHeight(90)
        self.fields = {p.name: ParameterField(p, self) for p in PARAMETERS}
        self.extra = QPlainTextEdit(self)
        self.extra.setObjectName("extra_fields")
        self.extra.setAccessibleName("Extra request fields")
        self.extra.setPlaceholderText(EXTRA_PLACEHOLDER)
        self.extra.setToolTip(
            "A JSON object merged into the request, for fields this page does not know "
            "(it may not set messages or stream)"
        )
        self.extra.setTabChangesFocus(True)
        self.extra.setMaximumHeight(90)
        self.extra_reason = reason_label(self)
        self.extra_reason.setObjectName("reason_extra")
        self.examples = ExamplesEditor(self)
        self._extra_value: dict[str, object] = {}
        self._extra_problem: str | None = None
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._row(form, "S&ystem prompt", self.system)
        for field in self.fields.values():
            label = {"temperature": "&Temperature", "top_p": "Top &P", "max_tokens": "&Max tokens"}
            self._row(form, label[field.parameter.name], field, field.edit)
        extra_box = QWidget(self)
        extra_layout = QVBoxLayout(extra_box)
        extra_layout.setContentsMargins(0, 0, 0, 0)
        extra_layout.setSpacing(2)
        extra_layout.addWidget(self.extra)
        extra_layout.addWidget(self.extra_reason)
        self._row(form, "E&xtra request fields", extra_box, self.extra)
        self._row(form, "Example t&urns", self.examples, self.examples.table)
        self.system.textChanged.connect(self._emit)
        for field in self.fields.values():
            field.changed.connect(self._emit)
        self.extra.textChanged.connect(self._on_extra)
        self.examples.changed.connect(self._emit)
        self._loading = False

    @staticmethod
    def _row(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(buddy or field)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow(label, field)

    def set_settings(self, settings: ChatSettings) -> None:
        """Show ``settings`` (nothing is emitted)."""
        self._loading = True
        try:
            self._base = settings
            if self.system.toPlainText() != settings.system:
                self.system.setPlainText(settings.system)
            for name, field in self.fields.items():
                field.set_value(settings.value(name))
            self._extra_value, self._extra_problem = dict(settings.extra), None
            if self._extra_as_typed() != dict(settings.extra):
                self.extra.setPlainText(extra_text(settings.extra))
            show_reason(self.extra_reason, self.extra, None)
            self.examples.set_examples(settings.examples)
        finally:
            self._loading = False

    def settings(self) -> ChatSettings:
        """The settings as typed; a field that cannot be sent keeps its last good value."""
        base = self._base.with_changes(
            system=self.system.toPlainText(), extra=dict(self._extra_value),
            examples=self.examples.examples(),
        )
        for name, field in self.fields.items():
            if field.value != base.value(name):
                base = base.with_value(name, field.value)
        return base

    def problems(self) -> dict[str, str]:
        """Each field whose text cannot be sent, with the reason."""
        problems = {n: f.problem for n, f in self.fields.items() if f.problem is not None}
        if self._extra_problem is not None:
            problems["extra"] = self._extra_problem
        return problems

    def _extra_as_typed(self) -> dict[str, object] | None:
        try:
            return parse_extra(self.extra.toPlainText())
        except InvalidValue:
            return None

    def _on_extra(self) -> None:
        if self._loading:
            return
        try:
            self._extra_value, self._extra_problem = parse_extra(self.extra.toPlainText()), None
        except InvalidValue as error:
            self._extra_problem = error.reason
        show_reason(self.extra_reason, self.extra, self._extra_problem)
        self._emit()

    def _emit(self) -> None:
        if not self._loading:
            self.edited.emit(self.settings())
