"""Qt messages into logging, and uncaught exceptions into a dialog plus the log."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox

from mixtral_desktop.core.config import logs

qt_log = logging.getLogger("mixtral_desktop.qt")
log = logging.getLogger(__name__)

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s (%s)", message, context.category)


def route_qt_messages() -> None:
    qInstallMessageHandler(_qt_message)


class CrashReporter(QObject):
    """Uncaught exceptions, from any thread, are logged (key redacted) and shown in a
    dialog on the GUI thread, not lost. The app makes one and :meth:`install` s it."""

    _crashed = Signal(str, str)  # summary, details: to the GUI thread

    def __init__(self, redactor: logs.Redactor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._redactor = redactor
        self._dialogs: list[QMessageBox] = []  # parentless: kept until the user closes them
        self._crashed.connect(self._show_dialog, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook``."""
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def report(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
        redact = self._redactor.redact
        details = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        self._crashed.emit(redact(f"{exc_type.__name__}: {exc}"), details)

    def asyncio_error(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        """The event loop's exception handler: a task's uncaught error is a crash too."""
        error = context.get("exception")
        if isinstance(error, BaseException):
            self.report(type(error), error, error.__traceback__)
        else:
            log.error("event loop: %s", context.get("message", context))

    def _excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.report(args.exc_type, args.exc_value, args.exc_traceback)

    def _show_dialog(self, summary: str, details: str) -> None:
        box = QMessageBox(QApplication.activeWindow())
        box.setObjectName("crash_dialog")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Mixtral Desktop: unexpected error")
        box.setText(
            "Something unexpected went wrong. Your conversation is safe; the details are in "
            "the log file."
        )
        box.setInformativeText(summary)
        box.setDetailedText(details)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self._dialogs.append(box)
        box.finished.connect(lambda _result: self._dialogs.remove(box))
        box.open()
