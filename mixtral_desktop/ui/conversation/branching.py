"""Changing a conversation's tree from the UI: edit a message into a new version,
regenerate a reply, switch versions, delete a message and what follows it (with Undo).

Every change is refused while a reply streams in the same chat, with a message saying
so: the tree does not change under a reply that is still arriving (the choice the issue
left open; Stop first, then regenerate).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role, validate_text
from mixtral_desktop.core.domain.tree import Detached
from mixtral_desktop.ui.conversation.controller import ConversationController
from mixtral_desktop.ui.widgets.undo_bar import UndoBar

PREVIEW_CHARS = 40


class Branching(QObject):
    """The tree actions of one chat; :attr:`edited` after an edit was accepted."""

    edited = Signal()  # an edit became a new version (the composer may end its edit)

    def __init__(
        self, controller: ConversationController, undo_bar: Callable[[], UndoBar],
        parent: QObject | None = None,
    ) -> None:
        """``undo_bar`` gives the bar that offers Undo (made on the first delete)."""
        super().__init__(parent)
        self._controller = controller
        self._model = controller.model
        self._make_undo_bar = undo_bar
        self._undo_bar: UndoBar | None = None
        self._deleted: Detached | None = None

    # -- which message -------------------------------------------------------------

    def last_reply_row(self) -> int | None:
        """The last assistant message shown, if any."""
        return self._last_row(Role.ASSISTANT)

    def last_user_row(self) -> int | None:
        """The last user message shown, if any."""
        return self._last_row(Role.USER)

    def _last_row(self, role: Role) -> int | None:
        for row in range(self._model.rowCount() - 1, -1, -1):
            if self._model.message(row).role is role:
                return row
        return None

    # -- actions -------------------------------------------------------------------

    def regenerate(self, row: int | None = None) -> bool:
        """A new version of the reply in ``row`` (default: the last reply). When the chat
        ends with a question whose reply failed, ask for it again. False if refused."""
        controller = self._controller
        if controller.refuse_if_busy("regenerating"):
            return False
        rows = self._model.rowCount()
        if row is None:
            if rows and self._model.message(rows - 1).role is Role.USER:
                controller.retry()  # the reply failed before any text: ask again
                return True
            row = self.last_reply_row()
        if row is None or self._model.message(row).role is not Role.ASSISTANT:
            return False
        controller.regenerate(row)
        return True

    def submit_edit(self, key: int, text: str) -> bool:
        """The edited text of message ``key`` becomes a new version of it. A user or
        system message is then sent (with the path up to it); an assistant message is
        only saved. False if refused (the edit goes on)."""
        try:
            validate_text(text)
        except ValueError:
            return False
        row = self._model.row_of_key(key)
        if row is None:
            return False
        old = self._model.message(row)
        refuse = (
            self._controller.refuse_if_busy if old.role is Role.ASSISTANT
            else self._controller.refuse_if_unsendable
        )
        if refuse("sending an edit"):
            return False
        if text == old.content and old.state is MessageState.DONE and old.role is Role.ASSISTANT:
            self.edited.emit()  # nothing changed: no new version
            return True
        self._model.add_version(
            row, Message(role=old.role, content=text, attachments=old.attachments)
        )
        self.edited.emit()
        if old.role is not Role.ASSISTANT:
            self._controller.ask_for_reply()
        return True

    def switch_version(self, row: int, step: int) -> bool:
        """Show the previous (-1) or next (+1) version of the message in ``row``."""
        if not 0 <= row < self._model.rowCount():
            return False
        if self._model.version(row)[1] < 2:
            return False
        if self._controller.refuse_if_busy("switching versions"):
            return False
        return self._model.switch_version(row, step) is not None

    def delete(self, row: int) -> bool:
        """Take the message in ``row`` and every turn after it out, with Undo offered."""
        if not 0 <= row < self._model.rowCount():
            return False
        if self._controller.refuse_if_busy("deleting a message"):
            return False
        self._forget_deleted()
        message = self._model.message(row)
        later = self._model.rowCount() - row - 1
        self._deleted = self._model.remove_row(row, undoable=True)
        preview = " ".join(message.content.split())
        if len(preview) > PREVIEW_CHARS:
            preview = preview[: PREVIEW_CHARS - 1].rstrip() + "…"
        also = f" and {later} later message{'s' if later != 1 else ''}" if later else ""
        if self._undo_bar is None:
            self._undo_bar = self._make_undo_bar()
            self._undo_bar.undo_clicked.connect(self.undo_delete)
            self._undo_bar.closed.connect(self._forget_deleted)
        self._undo_bar.offer(f"Deleted the {message.role.value} message “{preview}”{also}.")
        return True

    def undo_delete(self) -> None:
        """Put the deleted message (and its later turns) back."""
        deleted, self._deleted = self._deleted, None
        if self._undo_bar is not None:
            self._undo_bar.timer.stop()
            self._undo_bar.hide()
        if deleted is not None:
            self._model.restore(deleted)

    def shutdown(self) -> None:
        """The chat closes: a deletion still offering Undo becomes final."""
        self._forget_deleted()

    def _forget_deleted(self) -> None:
        deleted, self._deleted = self._deleted, None
        if deleted is not None:
            self._model.forget(deleted)
