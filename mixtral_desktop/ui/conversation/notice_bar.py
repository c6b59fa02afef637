"""A calm notice inside a tab while a reply waits: queued, retrying, cold start."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from mixtral_desktop.ui.theme.current import styled
from mixtral_desktop.ui.theme.palette import banner_style

REFUSAL_MS = 6000  # how long a refusal stays in the notice bar


class NoticeBar(QFrame):
    """Hidden until :meth:`say`; its button stops the request it talks about."""

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice_bar")
        self.setAccessibleName("Notice")
        styled(self, lambda p: banner_style("notice_bar", p.notice))
        self.message = QLabel(self)
        self.message.setObjectName("notice_message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("notice_stop")
        self.stop_button.setAccessibleName("Stop waiting")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.stop_button)
        self.stop_button.clicked.connect(self.stop_requested)
        self.kind = ""
        self.hide()

    def say(self, kind: str, text: str) -> None:
        self.kind = kind
        if self.message.text() != text:
            self.message.setText(text)
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.hide()


class Refusal:
    """A refusal in the notice bar, cleared after a few seconds (unless replaced)."""

    def __init__(self, notice: NoticeBar, owner: QObject) -> None:
        self._notice = notice
        self._timer = QTimer(owner)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFUSAL_MS)
        self._timer.timeout.connect(self._clear)

    def say(self, text: str) -> None:
        self._notice.say("refused", text)
        self._timer.start()

    def _clear(self) -> None:
        if self._notice.kind == "refused":
            self._notice.clear()
