"""One tab's documents, wired: the Attach button, Ctrl+U, files dropped on the composer
or the conversation, files and long texts pasted, the chips above the composer, the
meter counting them, and what Send takes with it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QWidget

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.domain.tokens import CONTEXT_WINDOW
from mixtral_desktop.ui.attachments.choosing import FileDrops, FilePicker
from mixtral_desktop.ui.composer.composer import Composer
from mixtral_desktop.ui.conversation.controller import ConversationController
from mixtral_desktop.ui.messages.view import ConversationView
from mixtral_desktop.ui.shell.context_flow import ContextFlow
from mixtral_desktop.ui.shell.services import WindowServices

if TYPE_CHECKING:
    from mixtral_desktop.ui.attachments.chips import AttachmentTray
    from mixtral_desktop.ui.attachments.draft_documents import DraftDocuments

ATTACH_KEYS = "Ctrl+U"


class DocumentFlow(QObject):
    """Made by the chat tab. The draft's documents (:attr:`documents`, the chips'
    :attr:`tray`) are made when the first one comes: a tab that never attaches anything
    imports none of it (~9 ms of start-up, measured with ``-X importtime``)."""

    changed = Signal()  # the draft's documents changed: save them

    def __init__(
        self, tab: QWidget, layout: QBoxLayout, composer: Composer,
        controller: ConversationController, context: ContextFlow, view: ConversationView,
        services: WindowServices,
    ) -> None:
        super().__init__(tab)
        self._tab = tab
        self._layout = layout
        self._composer = composer
        self._controller = controller
        self._context = context
        self._view = view
        self._services = services
        self._documents: DraftDocuments | None = None
        self.picker = FilePicker(tab, self)
        self.drops = FileDrops(self)
        for widget in (composer.input, view.viewport()):
            self.drops.watch(widget)
        context.attached = self.attachments
        composer.attach_requested.connect(self.picker.open)
        self.picker.chosen.connect(self.attach)
        self.drops.dropped.connect(self.attach)
        composer.input.files_pasted.connect(self.attach)
        composer.input.long_text_pasted.connect(self._long_paste)
        context.counted.connect(self._counted)
        view.message_actions.view_as_sent_requested.connect(self._view_as_sent)
        shortcut = QShortcut(QKeySequence(ATTACH_KEYS), tab)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.picker.open)

    @property
    def documents(self) -> DraftDocuments:
        """The draft's documents (made, with the chips above the composer, on first use)."""
        if self._documents is None:
            from mixtral_desktop.ui.attachments.chips import AttachmentTray
            from mixtral_desktop.ui.attachments.draft_documents import DraftDocuments

            composer, services = self._composer, self._services
            tray = AttachmentTray(composer.parentWidget())
            self._layout.insertWidget(self._layout.indexOf(composer), tray)
            self._documents = DraftDocuments(
                tray, services.executors.io, services.executors.tokens,
                services.metering.counter, services.tasks.child("documents"), self._tab, self,
            )
            self._documents.changed.connect(self._changed)
        return self._documents

    @property
    def tray(self) -> AttachmentTray:
        return self.documents.tray

    def attachments(self) -> tuple[Attachment, ...]:
        """The draft's documents, in order."""
        return () if self._documents is None else self._documents.attachments()

    def attach(self, paths: Sequence[Path | str]) -> None:
        """Read and attach files (as a drop or the file dialog would)."""
        self.documents.add_files(paths)

    def restore(self, attachments: Sequence[Attachment]) -> None:
        """A saved draft's documents come back with it."""
        if attachments:
            self.documents.restore(attachments)
            self._composer.set_documents(len(self.attachments()))

    def to_send(self, role: Role) -> tuple[Attachment, ...] | None:
        """The documents a message of ``role`` goes with; None (and the user told why)
        while a file is still being read."""
        if role is not Role.USER or self._documents is None:
            return ()
        reading = self.documents.reading()
        if reading:
            self.documents.say(
                f"{reading[0]} is still being read: wait for it, or Cancel it, before sending."
            )
            return None
        return self.documents.attachments()

    def sent(self) -> None:
        """The draft's documents went out with a message."""
        if self.attachments():
            self.documents.clear()

    def _view_as_sent(self, row: int) -> None:
        message = self._controller.model.message(row)
        names = ", ".join(a.name for a in message.attachments)
        from mixtral_desktop.ui.attachments.dialogs import show_text

        show_text(self._tab, "As sent to the model",
                  f"Exactly the text the model got for this message: {names}, then the"
                  " message.", message.sent_text())

    def _long_paste(self, text: str) -> None:
        def answered(as_document: bool) -> None:
            if as_document:
                self.documents.add_pasted(text)
            else:
                self._composer.input.insertPlainText(text)

        from mixtral_desktop.ui.attachments.dialogs import offer_long_paste

        offer_long_paste(self._tab, len(text), answered)

    def chain_tabs(self) -> None:
        """Tab order as the eye goes: the conversation, each chip's buttons, Attach."""
        chain: list[QWidget] = [self._view]
        if self._documents is not None:
            for chip in self._documents.tray.chips():
                chain += [chip.keep_part_button, chip.view_button, chip.remove_button]
        chain.append(self._composer.attach_button)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _changed(self) -> None:
        self.chain_tabs()
        self._composer.set_documents(len(self.attachments()))
        self._context.recount()
        self.changed.emit()

    def _counted(self, tokens: int) -> None:
        if self._documents is None:
            return
        self.documents.count_all()
        room = CONTEXT_WINDOW - self._controller.steering.reserve()
        self.documents.set_room(tokens, room)

    def shutdown(self) -> None:
        if self._documents is not None:
            self._documents.shutdown()
