"""The reply's row in the conversation model while it streams: text buffered and
written about 30 times a second (one repaint per frame or so), the finished reply or
the partial one kept when it fails or is stopped.

The row is followed by its key in the model, not by its index, so rows added or
removed meanwhile (and, later, other branches) cannot make a reply land elsewhere.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QTimer

from mixtral_desktop.core.domain.conversation import MessageState
from mixtral_desktop.core.domain.usage import Spend
from mixtral_desktop.core.segmind.protocol import ChatReply
from mixtral_desktop.ui.messages.model import ConversationModel

FLUSH_INTERVAL_MS = 33
"""Streamed text reaches the model at most this often."""


class StreamingRow(QObject):
    """Writes one reply at a time into ``model``: :meth:`follow` it, then add text."""

    def __init__(self, model: ConversationModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._key: int | None = None
        self._prefix = ""
        self._pending: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)

    def follow(self, row: int, prefix: str) -> None:
        """The reply goes into ``row``; ``prefix``: the partial text a Continue extends."""
        self._key = self._model.key_at(row)
        self._prefix = prefix
        self._pending.clear()

    def row(self) -> int | None:
        """The reply's row now (None once it is gone from the model)."""
        return None if self._key is None else self._model.row_of_key(self._key)

    def add(self, text: str, *, now: bool = False) -> None:
        """More text; written at the next flush (at once when ``now``: the first piece)."""
        self._pending.append(text)
        if now:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Write the text waiting into the row."""
        row = self.row()
        if row is None or not self._pending:
            return
        current = self._model.message(row)
        text = current.content + "".join(self._pending)
        self._pending.clear()
        self._model.replace(row, replace(current, content=text, state=MessageState.STREAMING))

    def count(self, tokens: int) -> None:
        """The request's prompt is ``tokens`` long, as we counted it."""
        self._update(counted_tokens=tokens)

    def charge(self, spend: Spend) -> None:
        """What the request cost, and why that figure is approximate (if it is)."""
        if spend.credits is not None or spend.note is not None:
            self._update(credits_spent=spend.credits, credits_note=spend.note)

    def _update(self, **changes: object) -> None:
        row = self.row()
        if row is not None:
            self._model.replace(row, replace(self._model.message(row), **changes))  # type: ignore[arg-type]

    def finish(self, reply: ChatReply) -> None:
        """The whole reply arrived: the row holds exactly it, with its usage and credits."""
        row = self.row()
        self._pending.clear()
        if row is not None:
            current = self._model.message(row)
            self._model.replace(
                row,
                replace(
                    current, content=self._prefix + reply.text, state=MessageState.DONE,
                    usage=reply.usage, remaining_credits=reply.remaining_credits,
                ),
            )
        self.release()

    def keep_partial(self, error: str | None = None) -> bool:
        """A reply cut short keeps its text as its version, marked incomplete, with the
        ``error`` that cut it (True); an empty one goes."""
        self.flush()
        row = self.row()
        self.release()
        if row is None:
            return False
        current = self._model.message(row)
        if current.content:
            self._model.replace(
                row, replace(current, state=MessageState.INCOMPLETE, error=error)
            )
            return True
        self._model.remove_row(row)
        return False

    def release(self) -> None:
        """Follow no row any more."""
        self._timer.stop()
        self._pending.clear()
        self._key = None
