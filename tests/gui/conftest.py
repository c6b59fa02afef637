"""Fixtures for the pytest-qt tests; Qt runs offscreen with the bundled DejaVu fonts.

Every test runs with the app's event loop: Qt's, running asyncio through qasync, as
``app.main`` makes it. pytest-qt spins the Qt loop (``waitUntil``, ``waitSignal``), and
the coroutines run in it. A task that ends with an uncaught error fails the test, and so
does a task or a ``mixtral-`` thread still alive once the test's windows are closed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.gui.app_parts import SETTLE_MS, Windows

if TYPE_CHECKING:
    import qasync
    from pytestqt.qtbot import QtBot

    from mixtral_desktop.core.services.executors import Executors
    from mixtral_desktop.ui.messages.rendering import Rendering
    from mixtral_desktop.ui.messages.view import ConversationView
    from mixtral_desktop.ui.text.document import Typesetter
    from mixtral_desktop.ui.text.renderer import MarkdownRenderer
    from mixtral_desktop.ui.workers.tasks import TaskGroup

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.path.isdir("/usr/share/fonts/truetype/dejavu"):
    os.environ.setdefault("QT_QPA_FONTDIR", "/usr/share/fonts/truetype/dejavu")

@pytest.fixture(autouse=True)
def event_loop(qapp: Any) -> Iterator[qasync.QEventLoop]:
    """The qasync loop, current and running for the test (the Qt loop runs it)."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio._set_running_loop(loop)  # the Qt loop pytest-qt spins is this loop running
    failures: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: failures.append(context))
    yield loop
    asyncio._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)
    assert not failures, f"a task failed: {failures}"


@pytest.fixture(autouse=True)
def light_theme_after(qapp: Any) -> Iterator[None]:
    """A test that turns the window dark leaves the next one light (the theme is the
    application's, as Qt's palette is)."""
    yield
    from mixtral_desktop.ui.theme.follow import follower

    follower("light")
    follower("system")


@pytest.fixture
def tasks(event_loop: qasync.QEventLoop, qtbot: QtBot) -> Iterator[TaskGroup]:
    """A root task group; at the end every task of it must have ended once cancelled."""
    from mixtral_desktop.ui.workers.tasks import TaskGroup

    group = TaskGroup("test", event_loop)
    yield group
    group.cancel()
    qtbot.waitUntil(lambda: not group.pending(), timeout=SETTLE_MS)


@pytest.fixture
def executors() -> Iterator[Executors]:
    from mixtral_desktop.core.services.executors import Executors

    made = Executors()
    yield made
    made.shutdown(wait=True)


@pytest.fixture
def rendering(executors: Executors, tasks: TaskGroup) -> Iterator[Rendering]:
    """What views render with (lexers built on ``executors``, the layout threads)."""
    from mixtral_desktop.ui.messages.rendering import Rendering

    made = Rendering.create(executors.io, tasks.child("lexers"))
    yield made
    made.shutdown()


@pytest.fixture
def view(qtbot: QtBot, rendering: Rendering) -> ConversationView:
    """A conversation pane on screen, 720 x 480, active."""
    from mixtral_desktop.ui.messages.view import ConversationView

    widget = ConversationView(rendering)
    qtbot.addWidget(widget)
    widget.resize(720, 480)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


@pytest.fixture
def windows(qtbot: QtBot, event_loop: qasync.QEventLoop) -> Iterator[Windows]:
    opener = Windows(qtbot, event_loop)
    yield opener
    opener.close_all()



@pytest.fixture
def renderer(rendering: Rendering) -> MarkdownRenderer:
    return rendering.renderer


@pytest.fixture
def typesetter(rendering: Rendering) -> Typesetter:
    return rendering.typesetter
