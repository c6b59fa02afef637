"""What steers one chat's requests: its settings (system prompt, parameters, example
turns), whether they can be sent as they are typed, and the fields the user chose to
leave out after Segmind refused them. The chat settings panel edits the settings; the
shell wires the two with signals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, Signal

from mixtral_desktop.core.domain.chat_settings import BY_NAME, ChatSettings, sent_json
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.domain.request import ChatRequest, continue_request, reply_request
from mixtral_desktop.core.segmind.errors import SegmindError
from mixtral_desktop.core.services.rejections import rejected_fields


class ChatSteering(QObject):
    """One chat's settings as the requests use them."""

    changed = Signal()  # the settings changed here (a field left out): save them, show them

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = ChatSettings()
        self._problems: dict[str, str] = {}
        self.first_row: Callable[[], int] = lambda: 0
        """The first row of the conversation the requests send (those above it were left
        out when a request outgrew the model's window); set by the chat's context flow."""

    def set_settings(self, settings: ChatSettings) -> None:
        """New settings from the panel or a preset (nothing is emitted: the caller knows)."""
        self.settings = settings

    def set_problems(self, problems: Mapping[str, str]) -> None:
        """The fields typed with a value that cannot be sent, each with its reason."""
        self._problems = dict(problems)

    def problem(self) -> str | None:
        """Why nothing can be sent now (an invalid value in the chat's settings)."""
        if not self._problems:
            return None
        return " ".join(self._problems.values())

    def reply(self, messages: Sequence[Message]) -> ChatRequest:
        """The request for a reply after ``messages`` (the rows up to it)."""
        return reply_request(self.sent(messages), self.settings)

    def continue_from(self, messages: Sequence[Message], partial: str) -> ChatRequest:
        return continue_request(self.sent(messages), partial, self.settings)

    def build(self, prefix: str = "") -> Callable[[Sequence[Message]], ChatRequest]:
        """How this chat's request for a reply after some rows is made (``prefix``: the
        partial reply a Continue extends), for the context guard to try fewer rows."""
        settings = self.settings
        if prefix:
            return lambda rows: continue_request(rows, prefix, settings)
        return lambda rows: reply_request(rows, settings)

    def reserve(self) -> int:
        """The tokens kept for the reply: the max_tokens the request sends, if any."""
        value = self.settings.body_fields().get("max_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def sent(self, messages: Sequence[Message]) -> Sequence[Message]:
        """``messages`` (rows from the first) without the rows left out; all of them when
        they end above the first sent row (a new version of a left-out reply)."""
        first = self.first_row()
        return messages[first:] if 0 < first < len(messages) else messages

    def rejected(self, error: SegmindError, request: ChatRequest) -> list[str]:
        """The fields of ``request`` that ``error`` refused (none: another failure)."""
        extra = [name for name in self.settings.extra if name not in BY_NAME]
        return rejected_fields(error, request.params, extra)

    def leave_out(self, fields: Sequence[str]) -> None:
        """Send without ``fields`` from now on (kept with the chat's settings)."""
        self.settings = self.settings.with_changes(omitted=self.settings.omitted | set(fields))
        self.changed.emit()


def waiting_reply(request: ChatRequest) -> Message:
    """The reply's row while ``request`` is on its way, recording the fields it was
    asked with."""
    return Message(
        role=Role.ASSISTANT, content="", state=MessageState.WAITING,
        parameters=sent_json(request.params),
    )
