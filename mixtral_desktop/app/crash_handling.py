"""Qt messages into logging, and uncaught exceptions into a dialog plus the log."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

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


class _CrashRelay(QObject):
    """Brings an exception from any thread to the GUI thread for the dialog."""

    crashed = Signal(str, str)


_relay: _CrashRelay | None = None
_open_dialogs: list[QMessageBox] = []


def _show_dialog(summary: str, details: str) -> None:
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
    _open_dialogs.append(box)  # parentless: keep it alive until the user closes it
    box.finished.connect(lambda _result: _open_dialogs.remove(box))
    box.open()


def _report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
    if _relay is not None:
        details = logs.redact("".join(traceback.format_exception(exc_type, exc, tb)))
        summary = logs.redact(f"{exc_type.__name__}: {exc}")
        _relay.crashed.emit(summary, details)


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    _report(exc_type, exc, tb)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _report(args.exc_type, args.exc_value, args.exc_traceback)


def install_excepthooks() -> None:
    """Uncaught exceptions are logged (key redacted) and shown in a dialog, not lost."""
    global _relay
    _relay = _CrashRelay()
    _relay.crashed.connect(_show_dialog, Qt.ConnectionType.QueuedConnection)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
