"""The key dialog, the settings dialog and the keyring, driven through the real window."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
import shiboken6
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config.secrets import SERVICE, USERNAME, KeySource, KeyStore
from mixtral_desktop.core.domain.conversation import MessageState, Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.segmind.errors import KEYS_URL
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.ui.settings.key_dialog import KeyDialog
from mixtral_desktop.ui.shell.main_window import MainWindow
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FakeSegmind
from tests.gui.app_parts import Windows
from tests.secret_service import PrivateSecretService

GOOD = "sk-test-FAKE-GOOD-5555"
WAIT_MS = 5000


@pytest.fixture
def service(secret_service: PrivateSecretService | None) -> PrivateSecretService:
    if secret_service is None:
        pytest.skip("gnome-keyring and dbus are Linux-only")
    return secret_service


def stored(service: PrivateSecretService) -> str:
    return subprocess.run(
        ["secret-tool", "lookup", "service", SERVICE, "username", USERNAME],
        env=service.env(), capture_output=True, text=True, timeout=30,
    ).stdout


@pytest.fixture
def open_window(
    qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind
) -> Callable[..., MainWindow]:
    fake_segmind.configure(api_key=GOOD)

    def make(keys: KeyStore | None = None) -> MainWindow:
        config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=30)
        window = windows.open(ClientProvider(keys or KeyStore({}), config, retry=FAST_RETRY))
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.start()
        return window

    return make


def key_dialog(qtbot: QtBot) -> KeyDialog:
    found: list[KeyDialog] = []

    def visible() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, KeyDialog) and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def closed(dialog: KeyDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def message(dialog: KeyDialog) -> str:
    label = dialog.findChild(QLabel, "key_message")
    assert label is not None
    return label.text()


def enter_key(qtbot: QtBot, dialog: KeyDialog, key: str) -> None:
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, key)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)


def test_first_run_asks_for_a_key_checks_it_and_saves_it(
    qtbot: QtBot, open_window: Callable[..., MainWindow], service: PrivateSecretService,
    fake_segmind: FakeSegmind,
) -> None:
    window = open_window()
    dialog = key_dialog(qtbot)
    assert QGuiApplication.focusObject() is dialog.field
    assert dialog.field.echoMode() is QLineEdit.EchoMode.Password
    dialog.show_action.trigger()
    assert dialog.field.echoMode() is QLineEdit.EchoMode.Normal
    dialog.show_action.trigger()
    assert dialog.field.echoMode() is QLineEdit.EchoMode.Password
    intro = dialog.findChild(QLabel, "key_intro")
    assert intro is not None and KEYS_URL in intro.text()
    enter_key(qtbot, dialog, GOOD)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT_MS)
    assert stored(service) == GOOD
    assert fake_segmind.log[-1].path.endswith("/get-user-credits")
    assert fake_segmind.log[-1].api_key == GOOD
    assert "1.5185" in window.status.credits.text()
    assert not window.status.set_key_button.isVisible()
    window.close()
    # Next start: the key is read back and the dialog does not reappear.
    again = open_window()
    qtbot.waitUntil(lambda: "1.5185" in again.status.credits.text(), timeout=WAIT_MS)
    assert again.clients.keys.source() is KeySource.KEYRING
    assert not any(isinstance(w, KeyDialog) and w.isVisible()
                   for w in QApplication.topLevelWidgets())
    again.close()


def test_rejected_key_keeps_the_dialog_open(
    qtbot: QtBot, open_window: Callable[..., MainWindow], service: PrivateSecretService,
) -> None:
    window = open_window()
    dialog = key_dialog(qtbot)
    enter_key(qtbot, dialog, "sk-test-FAKE-WRONG")
    qtbot.waitUntil(lambda: "rejected" in message(dialog), timeout=WAIT_MS)
    assert dialog.isVisible()
    assert stored(service) == ""
    assert window.clients.keys.get() is None
    enter_key(qtbot, dialog, GOOD)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT_MS)
    assert stored(service) == GOOD
    window.close()


def test_network_failure_offers_to_save_anyway(
    qtbot: QtBot, open_window: Callable[..., MainWindow], service: PrivateSecretService,
    fake_segmind: FakeSegmind,
) -> None:
    window = open_window()
    dialog = key_dialog(qtbot)
    fake_segmind.fail_next(drop=True, endpoint="credits")
    enter_key(qtbot, dialog, GOOD)
    anyway = dialog.findChild(QPushButton, "key_save_anyway")
    assert anyway is not None
    qtbot.waitUntil(anyway.isVisible, timeout=WAIT_MS)
    assert "could not be checked" in message(dialog)
    assert dialog.isVisible() and stored(service) == ""
    qtbot.mouseClick(anyway, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT_MS)
    assert stored(service) == GOOD
    window.close()


def test_cancel_leaves_the_app_usable_with_a_set_key_action(
    qtbot: QtBot, open_window: Callable[..., MainWindow], fake_segmind: FakeSegmind,
) -> None:
    window = open_window()
    dialog = key_dialog(qtbot)
    dialog.reject()
    qtbot.waitUntil(lambda: window.status.set_key_button.isVisible(), timeout=WAIT_MS)
    tab = window.current_tab()
    tab.composer.set_role(Role.SYSTEM)  # everything but sending works
    qtbot.keyClicks(tab.composer.input, "Be brief.")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    assert tab.model.rowCount() == 1
    tab.set_key_requested.disconnect()  # keep the dialog closed to read the banner
    tab.composer.set_role(Role.USER)
    qtbot.keyClicks(tab.composer.input, "hello")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    label = tab.banner.findChild(QLabel, "error_message")
    assert label is not None and "No Segmind API key" in label.text()
    assert [r.path for r in fake_segmind.log if r.method == "POST"] == []
    qtbot.mouseClick(window.status.set_key_button, Qt.MouseButton.LeftButton)
    assert key_dialog(qtbot).isVisible()
    window.close()


def test_no_secure_store_offers_a_session_only_key(
    qtbot: QtBot, open_window: Callable[..., MainWindow], fake_segmind: FakeSegmind,
) -> None:
    keys = KeyStore({}, backend=fail.Keyring())
    window = open_window(keys)
    dialog = key_dialog(qtbot)
    assert "No secure keyring" in message(dialog)
    assert "GNOME Keyring" in message(dialog)
    session_only = dialog.findChild(QPushButton, "key_session_only")
    assert session_only is not None and session_only.isVisible()
    enter_key(qtbot, dialog, GOOD)
    qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT_MS)
    assert keys.source() is KeySource.SESSION and keys.get() == GOOD
    window.close()


def test_settings_show_backend_and_remove_the_key(
    qtbot: QtBot, open_window: Callable[..., MainWindow], service: PrivateSecretService,
) -> None:
    KeyStore({}).save(GOOD)
    window = open_window()
    qtbot.waitUntil(lambda: window.clients.keys.get() == GOOD, timeout=WAIT_MS)
    qtbot.keyClick(window.current_tab().composer.input, Qt.Key.Key_Comma,
                   Qt.KeyboardModifier.ControlModifier)
    settings = window.keys.settings_dialog
    assert settings is not None and settings.isVisible()
    backend = settings.findChild(QLabel, "keyring_backend")
    assert backend is not None and "Secret Service" in backend.text()
    assert SERVICE in backend.text() and USERNAME in backend.text()
    with qtbot.waitSignal(window.keys.key_removed, timeout=WAIT_MS):
        settings.remove_key()  # (the keyring's delete runs on a worker)
    assert stored(service) == ""
    assert window.clients.keys.get() is None
    assert window.status.set_key_button.isVisible()
    assert not settings.remove_button.isEnabled()  # nothing left to remove
    qtbot.mouseClick(settings.replace_button, Qt.MouseButton.LeftButton)
    assert key_dialog(qtbot).isVisible()
    window.close()


def test_unauthorized_chat_reopens_dialog_and_resends_after_new_key(
    qtbot: QtBot, open_window: Callable[..., MainWindow], service: PrivateSecretService,
    fake_segmind: FakeSegmind,
) -> None:
    KeyStore({}).save("sk-test-FAKE-REVOKED")
    window = open_window()
    qtbot.waitUntil(lambda: window.clients.keys.get() is not None, timeout=WAIT_MS)
    tab = window.current_tab()
    qtbot.keyClicks(tab.composer.input, "are you there?")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    dialog = key_dialog(qtbot)
    assert "401" in dialog.findChild(QLabel, "key_intro").text()  # type: ignore[union-attr]
    assert [(m.role, m.content) for m in tab.model.messages()] == [(Role.USER, "are you there?")]
    enter_key(qtbot, dialog, GOOD)
    qtbot.waitUntil(
        lambda: tab.model.rowCount() == 2
        and tab.model.messages()[-1].state is MessageState.DONE, timeout=WAIT_MS,
    )
    assert tab.model.messages()[-1].content.startswith("You said: are you there?")
    assert fake_segmind.chat_requests[-1].api_key == GOOD
    assert stored(service) == GOOD
    window.close()
