"""A known fake key, driven through success and every error path, is found nowhere."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from mixtral_desktop.app import crash_handling
from mixtral_desktop.core.config import logs, paths
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.settings.key_dialog import KeyDialog
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import MALFORMED, FakeSegmind
from tests.gui.app_parts import Windows
from tests.secret_service import PrivateSecretService

KEY = "sk-test-FAKE-LEAKCHECK-7f3a9c"
WAIT_MS = 10_000


@pytest.fixture
def redactor() -> logs.Redactor:
    """The app's one redactor: logging, the key store and the crash handler share it."""
    return logs.Redactor()


@pytest.fixture
def file_logging(redactor: logs.Redactor) -> Iterator[Path]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    path = logs.setup_logging(redactor, logging.DEBUG)
    yield path
    for handler in root.handlers[:]:
        if handler not in before:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(level)


def send(qtbot: QtBot, tab: ChatTab, text: str) -> None:
    qtbot.keyClicks(tab.composer.input, text)
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def close_key_dialogs() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, KeyDialog | QMessageBox):
            widget.close()


def every_file_under(folders: list[Path]) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def test_key_is_nowhere_after_success_and_every_error(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind, file_logging: Path,
    redactor: logs.Redactor,
    secret_service: PrivateSecretService | None, caplog: pytest.LogCaptureFixture,
) -> None:
    if secret_service is None:
        pytest.skip("gnome-keyring and dbus are Linux-only")
    caplog.set_level(logging.DEBUG)
    fake_segmind.configure(api_key=KEY)
    KeyStore({}, redactor=redactor).save(KEY)
    saved_hooks = sys.excepthook
    crash_handling.CrashReporter(redactor).install()
    config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=30)
    window = windows.open(ClientProvider(KeyStore({}, redactor=redactor), config, retry=FAST_RETRY))
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.clients.keys.get() == KEY, timeout=WAIT_MS)
    tab = window.current_tab()
    shown: list[str] = []

    def remember_banner() -> None:
        label = tab.banner.findChild(QLabel, "error_message")
        assert label is not None
        shown.append(label.text())

    try:
        fake_segmind.configure(mode="sse")
        send(qtbot, tab, "streamed hello")
        fake_segmind.configure(mode="json")
        send(qtbot, tab, "json hello")
        for status in (401, 404, 405, 406, 429, 500, 502, 503):
            fake_segmind.fail_next(status=status, body="html", retry_after="3", times=3)
            send(qtbot, tab, f"status {status}")
            remember_banner()
            close_key_dialogs()
        for kind in MALFORMED:
            fake_segmind.fail_next(malformed=kind)
            send(qtbot, tab, f"malformed {kind}")
            remember_banner()
        fake_segmind.configure(mode="sse")
        fake_segmind.fail_next(cut_after=2)
        send(qtbot, tab, "cut")
        remember_banner()
        fake_segmind.fail_next(drop=True, times=3)
        send(qtbot, tab, "drop")
        remember_banner()
        fake_segmind.fail_next(status=500, endpoint="credits")
        window.refresh_credits()
        qtbot.waitUntil(lambda: "unavailable" in window.status.credits.text(), timeout=WAIT_MS)
        # A wrong key typed into the dialog, then an uncaught exception mentioning the key.
        dialog = window.keys.ask_for_key()
        qtbot.keyClicks(dialog.field, "sk-test-FAKE-WRONG-0000")
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "rejected" in dialog.message.text(), timeout=WAIT_MS)
        dialog.close()
        try:
            raise RuntimeError(f"something failed near {KEY}")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()), timeout=WAIT_MS)
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        shown += [d.text() + d.informativeText() + d.detailedText() for d in dialogs]
        shown.append(window.windowTitle())
        shown += [window.tabs.tabText(i) for i in range(window.tabs.count())]
        shown.append(window.status.credits.toolTip())
    finally:
        sys.excepthook = saved_hooks
        close_key_dialogs()
        window.close()
        for handler in logging.getLogger().handlers:
            handler.flush()

    # The run really went through the error paths, and logged them.
    assert len(shown) >= 8 + len(MALFORMED) + 2
    assert any("401" in text for text in shown) and any("406" in text for text in shown)
    log_text = file_logging.read_text()
    assert "failed" in log_text and "uncaught exception" in log_text
    # Zero hits anywhere.
    assert all(KEY not in text for text in shown)
    assert KEY not in caplog.text
    files = every_file_under(paths.all_dirs())
    assert file_logging in files
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    # Every request carried the key in its header only, never in the URL.
    assert all(KEY not in record.path for record in fake_segmind.log)
