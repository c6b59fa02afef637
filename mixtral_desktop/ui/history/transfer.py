"""Export a chat as Markdown or JSON, import a JSON export: the file dialogs here, the
reading and writing on an ``io`` thread (a coroutine of this object's task group).

The formats (:mod:`mixtral_desktop.core.storage.transfer`) are imported at the first
export or import: start-up does not need them."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.workers.tasks import TaskGroup

if TYPE_CHECKING:
    from mixtral_desktop.core.storage.transfer import ImportedConversation

log = logging.getLogger(__name__)

KINDS = {"md": (".md", "Markdown (*.md)"), "json": (".json", "JSON (*.json)")}


class ChatTransfer(QObject):
    """``imported(conversation_id)`` follows a successful import."""

    imported = Signal(int)

    def __init__(
        self, store: Store, executors: Executors, tasks: TaskGroup, window: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._executors = executors
        self._tasks = tasks
        self._window = window

    def ask_and_export(self, conversation_id: int, title: str, kind: str) -> None:
        """Ask where to export ``conversation_id`` as ``kind`` ("md" or "json"), then do."""
        suffix, label = KINDS[kind]
        name = title.replace("/", "-") + suffix
        path, _ = QFileDialog.getSaveFileName(self._window, "Export chat", name, label)
        if path:
            self._tasks.start(self._export_or_say(conversation_id, Path(path), kind), "export")

    def ask_and_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._window, "Import chat", "", "JSON (*.json)")
        if path:
            self._tasks.start(self._import_or_say(Path(path)), "import")

    def export_to(self, conversation_id: int, path: Path, kind: str) -> asyncio.Task[None]:
        """Write the conversation to ``path``; the task raises ``OSError`` if it can't."""
        return self._tasks.start(self.export(conversation_id, path, kind), "export")

    def import_from(self, path: Path) -> asyncio.Task[int]:
        """Add the export at ``path`` as a new conversation; the task gives its id."""
        return self._tasks.start(self.import_json(path), "import")

    async def export(self, conversation_id: int, path: Path, kind: str) -> None:
        info = self._store.conversation(conversation_id)
        if info is None:
            raise ValueError(f"no conversation {conversation_id}")
        tree = self._store.tree(conversation_id)
        from mixtral_desktop.core.storage import transfer

        settings = self._store.chat_settings.get(conversation_id)
        if kind == "json":  # every version, with the active ones
            text = transfer.dumps(
                transfer.to_json(info, tree, settings, self._store.attachments.text)
            )
        else:  # what the chat shows: the active path, and what steered it
            text = transfer.to_markdown(info, tree.path_messages(), settings=settings)
        await self._executors.run(path.write_text, text, "utf-8")

    async def import_json(self, path: Path) -> int:
        """Raises ``OSError`` (unreadable) or ``ValueError`` (not an export of ours)."""
        parsed = await self._executors.run(_read_export, path)
        from mixtral_desktop.core.storage import transfer

        conversation_id = transfer.insert_imported(self._store, parsed)
        self.imported.emit(conversation_id)
        return conversation_id

    async def _export_or_say(self, conversation_id: int, path: Path, kind: str) -> None:
        try:
            await self.export(conversation_id, path, kind)
        except OSError as error:
            QMessageBox.warning(self._window, "Export chat", f"Could not write the file: {error}")

    async def _import_or_say(self, path: Path) -> None:
        try:
            await self.import_json(path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(
                self._window, "Import chat", f"This file cannot be imported: {error}"
            )


def _read_export(path: Path) -> ImportedConversation:
    from mixtral_desktop.core.storage import transfer

    return transfer.parse(path.read_text(encoding="utf-8"))
