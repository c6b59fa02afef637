"""The presets library window: every preset (the user's files, the built-in ones and the
broken files with their reason), found by name or system prompt, with what each holds;
new, edit, rename, duplicate, delete (with Undo), import, export, save a chat's settings
as a preset, the default for new chats, a new chat with a preset.

The list follows the folder while the window is open (:attr:`PresetLibrary.changed`),
keeping the selection. Every file operation is one of the library's coroutines run in a
task; what fails (OSError, PresetError) is said in a message box, never raised. The
questions the window asks and its warnings go through small methods
(:class:`AsksTheUser`) that a test replaces on the instance.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mixtral_desktop.core.config.preset_files import slug
from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import MAX_NAME, Preset
from mixtral_desktop.ui.chat_settings.library import PresetLibrary
from mixtral_desktop.ui.chat_settings.library_browser import PresetBrowser, entries
from mixtral_desktop.ui.chat_settings.preset_editor import PresetEditor
from mixtral_desktop.ui.widgets.undo_bar import UndoBar
from mixtral_desktop.ui.workers.tasks import TaskGroup

T = TypeVar("T")
COPY = " (copy)"
BUTTONS = (  # key (object name "presets_<key>"), text; the accessible name is the text
    ("new", "&New…"), ("edit", "&Edit…"), ("duplicate", "&Duplicate"),
    ("rename", "&Rename…"), ("delete", "De&lete"), ("import", "&Import…"),
    ("export", "E&xport…"), ("save_current", "&Save this chat's settings as a preset"),
    ("default", "Use as de&fault for new chats"), ("new_chat", "New chat &with this preset"),
)


def copy_name(name: str) -> str:
    return f"{name[:MAX_NAME - len(COPY)]}{COPY}"


def failure_text(failure: str, error: Exception) -> str:
    """"The preset could not be saved: Permission denied (/home/…/pirate.json).\""""
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        reason = f"{error.strerror or 'the file system refused'}{where}."
    else:
        reason = str(error)
    return f"{failure}: {reason}"


class AsksTheUser(QDialog):
    """The questions a window asks and its warnings, one method each (tests replace them)."""

    def ask_name(self, title: str, label: str, text: str = "") -> str | None:
        """A name typed by the user (None: cancelled)."""
        name, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Normal, text)
        return name if ok else None

    def ask_open_path(self) -> Path | None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import a preset", str(Path.home()), "Presets (*.json);;All files (*)"
        )
        return Path(path) if path else None

    def ask_save_path(self, suggested: str) -> Path | None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export the preset", str(Path.home() / suggested), "Presets (*.json)"
        )
        if not path:
            return None
        return Path(path) if Path(path).suffix else Path(f"{path}.json")

    def warn(self, text: str) -> None:
        QMessageBox.warning(self, self.windowTitle(), text)


class PresetsWindow(AsksTheUser):
    """The presets library, a window of its own (not modal)."""

    default_chosen = Signal(str)  # a preset's id: the default for new chats from now on
    new_chat_requested = Signal(str)  # a preset's id: open a new chat with it

    def __init__(
        self, library: PresetLibrary, tasks: TaskGroup,
        current_settings: Callable[[], ChatSettings | None], parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("presets_library")
        self.setWindowTitle("Presets")
        self.setAccessibleName("Presets library")
        self.setModal(False)
        self.resize(900, 560)
        self._library = library
        self._tasks = tasks
        self._current_settings = current_settings
        self._undo: tuple[Path, bytes] | None = None
        self.editor: PresetEditor | None = None  # the one open now
        self.browser = PresetBrowser(self)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in BUTTONS:
            button = QPushButton(text, self)
            button.setObjectName(f"presets_{key}")
            button.setAccessibleName(text.replace("&", ""))
            button.setAutoDefault(False)
            self.buttons[key] = button
        close = QPushButton("Close", self)
        close.setObjectName("presets_close")
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        self.undo_bar = UndoBar("presets_undo", self)
        rows = QVBoxLayout()
        rows.setSpacing(6)
        for left, right in ((("new", "edit", "duplicate", "rename", "delete"),
                             ("import", "export")),
                            (("save_current", "default", "new_chat"), ())):
            row = QHBoxLayout()
            for key in left:
                row.addWidget(self.buttons[key])
            row.addStretch(1)
            for key in right:
                row.addWidget(self.buttons[key])
            rows.addLayout(row)
        row.addWidget(close)  # the last row's end
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.browser, 1)
        layout.addLayout(rows)
        layout.addWidget(self.undo_bar)
        actions: dict[str, Callable[[], None]] = {
            "new": self.new_preset, "edit": self.edit_preset,
            "duplicate": self.duplicate_preset, "rename": self.rename_preset,
            "delete": self.delete_preset, "import": self.import_preset,
            "export": self.export_preset, "save_current": self.save_current_settings,
            "default": self.use_as_default, "new_chat": self.request_new_chat,
        }
        for key, action in actions.items():
            self.buttons[key].clicked.connect(action)
        close.clicked.connect(self.close)
        listed = self.browser.list
        shortcuts: list[tuple[QKeySequence, Callable[[], None]]] = [
            (QKeySequence(QKeySequence.StandardKey.Delete), self.delete_preset),
            (QKeySequence(Qt.Key.Key_F2), self.rename_preset),
            (QKeySequence(Qt.Key.Key_Return), self.request_new_chat),
            (QKeySequence(Qt.Key.Key_Enter), self.request_new_chat),
        ]
        for sequence, action in shortcuts:
            QShortcut(sequence, listed, action, Qt.ShortcutContext.WidgetShortcut)
        listed.itemDoubleClicked.connect(lambda _item: self.request_new_chat())
        self.browser.search.returnPressed.connect(self.request_new_chat)
        self.browser.current_changed.connect(self.update_buttons)
        self.undo_bar.undo_clicked.connect(self._undo_delete)
        self.undo_bar.closed.connect(self._forget_undo)
        library.changed.connect(self._reload)
        self._reload()

    # -- what the shell calls -------------------------------------------------------

    def set_default(self, preset_id: str | None) -> None:
        """Mark the default preset for new chats in the list (None: no default)."""
        self.browser.set_default(preset_id)

    def update_buttons(self) -> None:
        """Enable what the selected row allows (and saving the chat's settings if there
        is a chat); the shell calls it too when the current chat changes."""
        entry = self.browser.current()
        usable = entry is not None and entry.preset is not None
        editable = entry is not None and entry.editable
        for key in ("edit", "rename", "delete"):
            self.buttons[key].setEnabled(editable)
        for key in ("duplicate", "export", "default", "new_chat"):
            self.buttons[key].setEnabled(usable)
        self.buttons["save_current"].setEnabled(self._current_settings() is not None)

    # -- the buttons ----------------------------------------------------------------

    def new_preset(self) -> None:
        self._open_editor("New preset", "", ChatSettings(), None)

    def edit_preset(self) -> None:
        entry = self.browser.current()
        if entry is not None and entry.editable and entry.preset is not None:
            self._open_editor("Edit preset", entry.preset.name, entry.preset.settings,
                              entry.preset)

    def duplicate_preset(self) -> None:
        preset = self._usable()
        if preset is not None:
            self._run(self._library.create(copy_name(preset.name), preset.settings),
                      "The preset could not be duplicated", self._select)

    def rename_preset(self) -> None:
        entry = self.browser.current()
        if entry is None or not entry.editable or entry.preset is None:
            return
        preset = entry.preset
        name = self.ask_name("Rename preset", "New name:", preset.name)
        if name is not None and name != preset.name:
            self._run(self._library.update(preset, name, preset.settings),
                      "The preset could not be renamed", self._select)

    def delete_preset(self) -> None:
        entry = self.browser.current()
        if entry is None or not entry.editable or entry.preset is None:
            return
        name = entry.preset.name
        self._run(self._library.remove(entry.preset), "The preset could not be deleted",
                  lambda done: self._offer_undo(name, done))

    def import_preset(self) -> None:
        path = self.ask_open_path()
        if path is not None:
            self._run(self._library.import_file(path), f"{path.name} was not imported",
                      self._select)

    def export_preset(self) -> None:
        preset = self._usable()
        path = self.ask_save_path(f"{slug(preset.name)}.json") if preset else None
        if preset is not None and path is not None:
            self._run(self._library.export(preset, path), "The preset could not be exported")

    def save_current_settings(self) -> None:
        settings = self._current_settings()
        if settings is None:
            return
        name = self.ask_name("Save as a preset", "Name of the new preset:")
        if name is not None:
            self._run(self._library.create(name, settings), "The preset could not be saved",
                      self._select)

    def use_as_default(self) -> None:
        preset = self._usable()
        if preset is not None:
            self.default_chosen.emit(preset.id)
            self.set_default(preset.id)

    def request_new_chat(self) -> None:
        preset = self._usable()
        if preset is not None:
            self.new_chat_requested.emit(preset.id)

    # -- Qt -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.update_buttons()  # a chat may have been opened or closed since

    # -- helpers --------------------------------------------------------------------

    def _usable(self) -> Preset | None:
        entry = self.browser.current()
        return entry.preset if entry is not None else None

    def _reload(self) -> None:
        self.browser.show_entries(entries(self._library))

    def _select(self, preset: Preset) -> None:
        self.browser.select(preset.id)

    def _open_editor(
        self, title: str, name: str, settings: ChatSettings, preset: Preset | None
    ) -> None:
        editor = PresetEditor(title, name, settings, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = editor

        def save() -> None:
            name, settings = editor.name(), editor.settings()
            if preset is None:
                self._run(self._library.create(name, settings),
                          "The preset could not be saved", self._select)
            else:
                self._run(self._library.update(preset, name, settings),
                          "The preset could not be saved", self._select)

        def forget(_result: int) -> None:
            if self.editor is editor:
                self.editor = None

        editor.accepted.connect(save)
        editor.finished.connect(forget)
        editor.open()

    def _run(
        self, work: Coroutine[Any, Any, T], failure: str,
        then: Callable[[T], object] | None = None,
    ) -> None:
        self._tasks.start(self._guard(work, failure, then), f"presets window: {failure}")

    async def _guard(
        self, work: Coroutine[Any, Any, T], failure: str, then: Callable[[T], object] | None
    ) -> None:
        try:
            result = await work
        except (OSError, ValueError) as error:  # PresetError is a ValueError
            self.warn(failure_text(failure, error))
            return
        if then is not None:
            then(result)

    def _offer_undo(self, name: str, done: tuple[Path, bytes]) -> None:
        self._undo = done
        self.undo_bar.offer(f"Deleted “{name}”.")

    def _undo_delete(self) -> None:
        pending, self._undo = self._undo, None
        self.undo_bar.dismiss()
        if pending is not None:
            self._run(self._library.restore(*pending), "The preset could not be restored",
                      self._select)

    def _forget_undo(self) -> None:
        self._undo = None
