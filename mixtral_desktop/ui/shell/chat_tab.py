"""One chat tab, assembled: the conversation (view, controller, banner, notice) and the
composer, wired with signals; neither feature knows the other.

Data flow: composer -> :meth:`ConversationController.submit` -> model -> a reply task
-> the model, painted by the view. The tab's tasks are a child group of the window's,
cancelled when the tab closes.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.segmind.errors import SegmindError
from mixtral_desktop.ui.composer.composer import Composer
from mixtral_desktop.ui.conversation.controller import ConversationController, TabState
from mixtral_desktop.ui.conversation.error_banner import ErrorBanner
from mixtral_desktop.ui.conversation.notice_bar import NoticeBar
from mixtral_desktop.ui.messages.model import ConversationModel
from mixtral_desktop.ui.messages.view import ConversationView
from mixtral_desktop.ui.shell.services import WindowServices
from mixtral_desktop.ui.text.markdown import fence_languages

PRELOAD_ROWS = 200
"""A saved chat's newest messages whose code languages are loaded ahead of a paint."""

__all__ = ["ChatTab", "TabState"]


class ChatTab(QWidget):
    """A conversation with its composer; two tabs can wait for replies at once."""

    draft_changed = Signal()  # the composer's text or role changed

    def __init__(self, services: WindowServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_tab")
        self._rendering = services.rendering
        self.model = ConversationModel(self)
        self.view = ConversationView(services.rendering, self.model, self)
        self.banner = ErrorBanner(self)
        self.notice = NoticeBar(self)
        self.composer = Composer(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.banner)
        layout.addWidget(self.composer)
        self.controller = ConversationController(
            self.model, self.banner, self.notice, services.clients, services.executors,
            services.tasks.child("tab"), self,
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
        # What the window listens to.
        self.state_changed = controller.state_changed
        self.credits_seen = controller.credits_seen
        self.usage_seen = controller.usage_seen
        self.set_key_requested = controller.set_key_requested

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
        """Add a message as ``role``; a user message also asks Mixtral. False if refused."""
        return self.controller.submit(role, text)

    def retry(self) -> None:
        self.controller.retry()

    def continue_reply(self) -> None:
        self.controller.continue_reply()

    def stop(self) -> None:
        self.controller.stop()

    def load(self, messages: list[Message], draft: str, role: Role) -> None:
        """Show a saved conversation with its draft."""
        self.controller.load(messages)
        # The newest rows are the ones shown first: have their code's lexers built while
        # the app is idle, before the tab is shown (most often a background tab).
        newest = messages[-PRELOAD_ROWS:]
        self._rendering.lexers.preload(fence_languages(message.content for message in newest))
        self.composer.set_role(role)
        self.composer.set_text(draft)
        self.view.scroll_to_end()

    def shutdown(self) -> None:
        """Cancel the request in flight and the tab's tasks."""
        self.controller.shutdown()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.composer.focus_input)
