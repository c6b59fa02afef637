"""One chat tab, assembled: the conversation (view, controller, banner, notice) and the
composer, wired with signals; neither feature knows the other.

Data flow: composer -> :meth:`ConversationController.submit` -> model -> a reply task
-> the model, painted by the view. The tab's tasks are a child group of the window's,
cancelled when the tab closes.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from mixtral_desktop.core.domain.attachments import Attachment
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.domain.tree import ConversationTree
from mixtral_desktop.core.segmind.errors import SegmindError
from mixtral_desktop.ui.chat_settings.header import SETTINGS_KEYS, ChatHeader
from mixtral_desktop.ui.composer.composer import Composer
from mixtral_desktop.ui.conversation.branching import Branching
from mixtral_desktop.ui.conversation.controller import ConversationController, TabState
from mixtral_desktop.ui.conversation.error_banner import ErrorBanner
from mixtral_desktop.ui.conversation.notice_bar import NoticeBar
from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.messages.view import ConversationView
from mixtral_desktop.ui.shell.chat_tab_settings import TabSettings
from mixtral_desktop.ui.shell.context_flow import ContextFlow
from mixtral_desktop.ui.shell.document_flow import ATTACH_KEYS, DocumentFlow
from mixtral_desktop.ui.shell.over_window import ask_over_window
from mixtral_desktop.ui.shell.services import WindowServices
from mixtral_desktop.ui.text.markdown import fence_languages
from mixtral_desktop.ui.widgets.announce import announce
from mixtral_desktop.ui.widgets.undo_bar import UndoBar

PRELOAD_ROWS = 200
"""A saved chat's newest messages whose code languages are loaded ahead of a paint."""

__all__ = ["TAB_SHORTCUTS", "ChatTab", "TabState"]

TAB_SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Enter", "Send the message (Shift+Enter: a new line)"),
    ("Esc", "Stop the reply; while editing, cancel the edit"),
    ("Up (in an empty message box)", "Edit your last message"),
    ("Ctrl+Shift+R", "Regenerate the last reply"),
    ("Alt+Left", "Previous version of the last reply (or of the message the keyboard is on)"),
    ("Alt+Right", "Next version of the last reply (or of the message the keyboard is on)"),
    ("Shift+F10 or Menu", "The actions of the message the keyboard is on"),
    (SETTINGS_KEYS, "This chat's settings: instructions, parameters, presets (Esc closes)"),
    (ATTACH_KEYS, "Attach files: text, code, PDF, Word (or drop or paste them on the chat)"),
)
"""The chat's own keys, for Help → Keyboard shortcuts (the menus' keys are listed too)."""


class ChatTab(QWidget):
    """A conversation with its composer; two tabs can wait for replies at once."""

    draft_changed = Signal()  # the composer's text or role changed
    announced = Signal(str)  # what a screen reader was told (a finished reply)

    def __init__(self, services: WindowServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_tab")
        self._rendering = services.rendering
        # The conversation's column, and beside it the settings panel once opened.
        splitter = QSplitter(self)
        splitter.setChildrenCollapsible(False)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)
        column = QWidget(splitter)
        splitter.addWidget(column)
        self.model = ConversationModel(column)
        self.header = ChatHeader(column)
        self.view = ConversationView(services.rendering, self.model, column)
        self.banner = ErrorBanner(column)
        self.notice = NoticeBar(column)
        self.composer = Composer(column)
        self._undo_bar: UndoBar | None = None  # made on the first delete
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.banner)
        layout.addWidget(self.composer)
        self._layout = layout
        self.controller = ConversationController(
            self.model, self.banner, self.notice, services.clients, services.executors,
            services.tasks.child("tab"), self, services.metering,
        )
        # The conversation and the composer meet here only.
        composer, controller = self.composer, self.controller
        composer.send_requested.connect(self.submit)
        composer.stop_requested.connect(controller.stop)
        composer.input.textChanged.connect(self.draft_changed)
        composer.role_selector.currentIndexChanged.connect(lambda _i: self.draft_changed.emit())
        controller.busy_changed.connect(composer.set_busy)
        controller.accepted.connect(composer.clear)
        controller.accepted.connect(self.view.scroll_to_end)
        controller.focus_wanted.connect(composer.focus_input)
        self.branching = Branching(controller, lambda: self.undo_bar, self)
        self.chat_settings = TabSettings(
            controller.steering, self.header, splitter, services.presets,
            services.tasks.child("tab settings"),
        )
        delegate = self.view.itemDelegate()
        assert isinstance(delegate, MessageDelegate)
        self.context = ContextFlow(
            composer, controller, delegate.context, services.metering, services.executors,
            services.tasks.child("context"), self,
        )
        self.documents = DocumentFlow(
            self, layout, composer, controller, self.context, self.view, services,
        )
        QWidget.setTabOrder(self.header.settings_button, self.view)
        self.documents.chain_tabs()
        controller.over_window.connect(
            lambda verdict: ask_over_window(self, verdict, self._leave_out)
        )
        controller.busy_changed.connect(self._announce_reply)
        self._editing: int | None = None  # the tree key of the message being edited
        self._wire_actions()
        # What the window listens to.
        self.state_changed = controller.state_changed
        self.credits_seen = controller.credits_seen
        self.usage_seen = controller.usage_seen
        self.set_key_requested = controller.set_key_requested

    @property
    def undo_bar(self) -> UndoBar:
        """The bar offering Undo after a delete, above the composer (made when first
        needed: most tabs never delete anything)."""
        if self._undo_bar is None:
            self._undo_bar = UndoBar("message_undo", self.composer.parentWidget())
            self._layout.insertWidget(self._layout.indexOf(self.composer), self._undo_bar)
        return self._undo_bar

    def _wire_actions(self) -> None:
        actions, branching = self.view.message_actions, self.branching
        actions.edit_requested.connect(self.begin_edit)
        actions.regenerate_requested.connect(branching.regenerate)
        actions.continue_requested.connect(self.controller.continue_reply)
        actions.delete_requested.connect(branching.delete)
        actions.version_requested.connect(self._switch_version)
        actions.send_from_requested.connect(self.context.send_from)
        self.composer.edit_submitted.connect(self._submit_edit)
        self.composer.edit_last_requested.connect(self.edit_last)
        branching.edited.connect(self._end_edit)
        shortcuts = (
            ("Ctrl+Shift+R", lambda: branching.regenerate()),
            ("Alt+Left", lambda: self.switch_version(-1)),
            ("Alt+Right", lambda: self.switch_version(1)),
            # Ctrl+Shift+, and, where the comma's shifted key is "<", the key it makes.
            (SETTINGS_KEYS, self.chat_settings.toggle_panel),
            ("Ctrl+<", self.chat_settings.toggle_panel),
        )
        for keys, slot in shortcuts:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # -- editing and versions -------------------------------------------------------

    def begin_edit(self, row: int) -> None:
        """Put message ``row`` in the composer to be edited into a new version."""
        if not 0 <= row < self.model.rowCount():
            return
        message = self.model.message(row)
        self._editing = self.model.key_at(row)
        self.composer.begin_edit(message.content, message.role)

    def edit_last(self) -> None:
        """Up in the empty composer: edit the last user message."""
        row = self.branching.last_user_row()
        if row is not None:
            self.begin_edit(row)

    def editing_row(self) -> int | None:
        """The row of the message being edited (None when not editing)."""
        if self._editing is None or not self.composer.is_editing():
            return None
        return self.model.row_of_key(self._editing)

    def switch_version(self, step: int) -> None:
        """Alt+Left / Alt+Right: the message the keyboard is on, else the last reply."""
        current = self.view.currentIndex()
        row = current.row() if self.view.hasFocus() and current.isValid() else None
        if row is None:
            row = self.branching.last_reply_row()
        if row is not None:
            self._switch_version(row, step)

    def _switch_version(self, row: int, step: int) -> None:
        key = self.model.key_at(row)
        if self.branching.switch_version(row, step):
            shown = self.model.row_of_key(key)
            if shown is not None:
                self.view.scroll_to_row(shown)

    def _submit_edit(self, text: str) -> None:
        if self._editing is not None:
            self.branching.submit_edit(self._editing, text)

    def _end_edit(self) -> None:
        self._editing = None
        self.composer.end_edit()
        self.view.scroll_to_end()

    # -- what the window and the tests use ------------------------------------------

    @property
    def state(self) -> TabState:
        return self.controller.state

    @property
    def last_error(self) -> SegmindError | None:
        return self.controller.last_error

    def is_busy(self) -> bool:
        return self.controller.is_busy()

    def state_text(self) -> str:
        return self.controller.state_text()

    def waiting_for_key(self) -> bool:
        return self.controller.waiting_for_key()

    def submit(self, role: Role, text: str) -> bool:
        """Add a message as ``role`` (a user message with the draft's documents); a user
        message also asks Mixtral. False if refused."""
        documents = self.documents.to_send(role)
        if documents is None:
            return False
        sent = self.controller.submit(role, text, documents)
        if sent:
            self.documents.sent()
        return sent

    def retry(self) -> None:
        self.controller.retry()

    def continue_reply(self) -> None:
        self.controller.continue_reply()

    def stop(self) -> None:
        self.controller.stop()

    def load(
        self, messages: Sequence[Message] | ConversationTree, draft: str, role: Role,
        documents: Sequence[Attachment] = (),
    ) -> None:
        """Show a saved conversation (a line of messages, or its tree) with its draft
        (and the draft's documents)."""
        with self.context.loading():
            self.controller.load(messages)
            # The newest rows are the ones shown first: have their code's lexers built
            # while the app is idle, before the tab is shown (most often a background tab).
            shown = self.model.rowCount()
            newest = [self.model.message(row)
                      for row in range(max(shown - PRELOAD_ROWS, 0), shown)]
            self._rendering.lexers.preload(fence_languages(m.content for m in newest))
            self.composer.set_role(role)
            self.composer.set_text(draft)
            self.documents.restore(documents)
        self.view.scroll_to_end()

    def shutdown(self) -> None:
        """Cancel the request in flight and the tab's tasks; a deletion offering Undo
        becomes final."""
        self.branching.shutdown()
        self.documents.shutdown()
        self.context.stop()
        self.controller.shutdown()

    def _announce_reply(self, busy: bool) -> None:
        """A reply ended: a screen reader hears it once, whole (never chunk by chunk)."""
        rows = self.model.rowCount()
        last = self.model.message(rows - 1) if rows and not busy else None
        if last is None or last.role is not Role.ASSISTANT or not last.content:
            return
        ended = "" if last.state is MessageState.DONE else " (incomplete)"
        self.announced.emit(announce(self.view, f"Mixtral replied{ended}: {last.content}"))

    def _leave_out(self, first_row: int) -> None:
        """The user chose to leave out the rows above ``first_row``: ask again."""
        self.context.send_from(first_row)
        self.controller.retry()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.composer.focus_input)
