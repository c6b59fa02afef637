"""What a screen reader gets from the real window, through the accessible interfaces Qt
hands its bridge (AT-SPI on Linux): no unnamed control, every status value in its
accessible name, and a finished reply announced once, whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.shell.main_window import MainWindow
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

WAIT_MS = 15_000
INTERACTIVE = {
    QAccessible.Role.PushButton, QAccessible.Role.CheckBox, QAccessible.Role.RadioButton,
    QAccessible.Role.ComboBox, QAccessible.Role.EditableText, QAccessible.Role.SpinBox,
    QAccessible.Role.PageTab, QAccessible.Role.Slider, QAccessible.Role.ButtonMenu,
    QAccessible.Role.ButtonDropDown, QAccessible.Role.Link, QAccessible.Role.MenuItem,
}


@pytest.fixture
def window(qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind) -> Iterator[MainWindow]:
    fake_segmind.configure(reply="A reply in several pieces, streamed as it comes.",
                           chunk_size=8, remaining_credits=4.99)
    config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=30)
    clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, retry=FAST_RETRY)
    win = windows.open(clients, Store.open(paths.history_file()))
    win.resize(1000, 700)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win.close()
    win.store.close()


def walk(interface: QAccessibleInterface, depth: int = 0) -> Iterator[QAccessibleInterface]:
    yield interface
    if depth > 40:
        return
    for index in range(interface.childCount()):
        child = interface.child(index)
        if child is not None and child.isValid():
            yield from walk(child, depth + 1)


def unnamed(window: MainWindow) -> list[str]:
    root = QAccessible.queryAccessibleInterface(window)
    assert root is not None
    found = []
    for node in walk(root):
        state = node.state()
        if node.role() not in INTERACTIVE or state.invisible or state.offscreen:
            continue
        if not node.text(QAccessible.Text.Name).strip():
            target = node.object()
            name = target.objectName() if target is not None else "?"
            found.append(f"{node.role().name} {name}")
    return found


def test_no_control_is_unnamed_and_status_values_are_spoken(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    notes = tmp_path / "notes.txt"
    notes.write_text("Some notes.\n", encoding="utf-8")
    tab.documents.attach([notes])
    qtbot.waitUntil(lambda: bool(tab.documents.tray.chips()), timeout=WAIT_MS)
    tab.submit(Role.USER, "Hello")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.status.credits.value is not None, timeout=WAIT_MS)
    root = QAccessible.queryAccessibleInterface(window)
    assert root is not None
    assert sum(1 for node in walk(root) if node.role() in INTERACTIVE) > 30  # (it walks)
    assert unnamed(window) == []
    status = window.status
    assert status.credits.accessibleName().startswith("Remaining credits: 4.99, updated ")
    assert status.state.accessibleName() == "Chat state: Idle"
    assert status.usage.accessibleName().startswith("Token usage of the last reply: ")
    assert " in, " in status.usage.accessibleName()
    meter = tab.composer.meter.label.accessibleName()
    assert meter.startswith("Context: ") and "of 65,536 tokens" in meter


def test_a_finished_reply_is_announced_once_whole(qtbot: QtBot, window: MainWindow) -> None:
    tab = window.current_tab()
    said: list[str] = []
    tab.announced.connect(said.append)
    tab.submit(Role.USER, "Hello")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(said), timeout=WAIT_MS)
    assert said == ["Mixtral replied: A reply in several pieces, streamed as it comes."]



def test_tab_goes_through_the_window_as_it_is_laid_out(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    notes = tmp_path / "notes.txt"
    notes.write_text("Some notes.\n", encoding="utf-8")
    tab.documents.attach([notes])
    qtbot.waitUntil(lambda: bool(tab.documents.tray.chips()), timeout=WAIT_MS)
    qtbot.keyClicks(tab.composer.input, "draft")  # (Send takes the focus once enabled)
    window.tabs.tabBar().setFocus()
    qtbot.waitUntil(lambda: window.tabs.tabBar().hasFocus())
    order = []
    for _ in range(12):
        widget = QApplication.focusWidget()
        assert widget is not None
        order.append(widget.objectName())
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert order == [
        "tab_bar", "new_tab_button", "chat_settings_button", "conversation",
        "chip_view", "chip_remove", "attach_button", "composer", "role_selector",
        "send_button", "context_count", "tab_bar",
    ]
