"""Uncaught exceptions are logged (key redacted) and shown in a dialog; Qt messages are logged."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import qWarning
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from mixtral_desktop.app import crash_handling
from mixtral_desktop.core.config import logs

FAKE_KEY = "sk-test-FAKE-CRASH-9999"


@pytest.fixture
def redactor() -> logs.Redactor:
    return logs.Redactor()


@pytest.fixture
def hooks(redactor: logs.Redactor) -> Iterator[None]:
    saved = sys.excepthook, threading.excepthook
    reporter = crash_handling.CrashReporter(redactor)
    reporter.install()
    yield
    sys.excepthook, threading.excepthook = saved
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "crash_dialog":
            widget.close()


def crash_dialog() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == "crash_dialog":
            return widget
    return None


def test_exception_in_a_worker_thread_shows_a_dialog_without_the_key(
    qtbot: QtBot, hooks: None, redactor: logs.Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    redactor.register(FAKE_KEY)

    def boom() -> None:
        raise ValueError(f"bad thing near {FAKE_KEY}")

    thread = threading.Thread(target=boom)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: crash_dialog() is not None and crash_dialog().isVisible())
    dialog = crash_dialog()
    assert dialog is not None
    assert "ValueError" in dialog.informativeText()
    assert FAKE_KEY not in dialog.informativeText() + dialog.detailedText()
    assert "Your conversation is safe" in dialog.text()
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)


def test_excepthook_on_the_gui_thread_logs_and_shows(
    qtbot: QtBot, hooks: None, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise KeyError("missing")
    except KeyError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: crash_dialog() is not None)
    assert "uncaught exception" in caplog.text


def test_qt_warnings_go_to_the_log(caplog: pytest.LogCaptureFixture, qapp: QApplication) -> None:
    crash_handling.route_qt_messages()
    try:
        with caplog.at_level(logging.DEBUG, logger="mixtral_desktop.qt"):
            qWarning("a Qt warning for the log")
    finally:
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(None)
    assert any(
        r.name == "mixtral_desktop.qt" and "a Qt warning for the log" in r.getMessage()
        for r in caplog.records
    )
