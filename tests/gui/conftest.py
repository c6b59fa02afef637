"""Fixtures for the pytest-qt tests; Qt runs offscreen with the bundled DejaVu fonts."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from mixtral_desktop.ui.conversation.view import ConversationView

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.path.isdir("/usr/share/fonts/truetype/dejavu"):
    os.environ.setdefault("QT_QPA_FONTDIR", "/usr/share/fonts/truetype/dejavu")


@pytest.fixture
def view(qtbot: QtBot) -> ConversationView:
    """A conversation pane on screen, 720 x 480, active."""
    from mixtral_desktop.ui.conversation.view import ConversationView

    widget = ConversationView()
    qtbot.addWidget(widget)
    widget.resize(720, 480)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget
