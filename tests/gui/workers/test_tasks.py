"""Task groups on the app's qasync loop: who owns a background coroutine, what
cancelling a group takes down, and that a task's uncaught error is reported."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import qasync
from pytestqt.qtbot import QtBot

from mixtral_desktop.ui.workers.tasks import TaskGroup

WAIT_MS = 2000


async def forever() -> None:
    await asyncio.Event().wait()


def test_cancelling_a_group_cancels_its_tasks_and_its_childrens(
    qtbot: QtBot, event_loop: qasync.QEventLoop
) -> None:
    root = TaskGroup("app", event_loop)
    window = root.child("window")
    tab = window.child("tab")
    tasks = [root.start(forever(), "a"), window.start(forever(), "b"),
             tab.start(forever(), "c")]
    window.cancel()
    qtbot.waitUntil(lambda: tasks[1].done() and tasks[2].done(), timeout=WAIT_MS)
    assert [task.cancelled() for task in tasks] == [False, True, True]
    assert root.pending() == [tasks[0]]
    root.cancel()
    qtbot.waitUntil(lambda: not root.pending(), timeout=WAIT_MS)
    assert tasks[0].cancelled()
    assert asyncio.all_tasks(event_loop) == set()


def test_a_closed_group_refuses_new_tasks(event_loop: qasync.QEventLoop) -> None:
    group = TaskGroup("dialog", event_loop)
    group.cancel()
    coroutine = forever()
    with pytest.raises(RuntimeError, match="closed"):
        group.start(coroutine, "late")
    assert coroutine.cr_frame is None  # closed, never left un-awaited
    assert asyncio.all_tasks(event_loop) == set()


def test_a_finished_child_group_leaves_its_parent(
    qtbot: QtBot, event_loop: qasync.QEventLoop
) -> None:
    root = TaskGroup("app", event_loop)
    children = []
    for number in range(50):  # tabs opened and closed: the root does not grow
        tab = root.child(f"tab {number}")
        children.append(tab.start(asyncio.sleep(0), "quick"))
        tab.cancel()
    qtbot.waitUntil(lambda: all(task.done() for task in children), timeout=WAIT_MS)
    assert root._children == []


def test_an_uncaught_error_reaches_the_loops_exception_handler(
    qtbot: QtBot, event_loop: qasync.QEventLoop
) -> None:
    reported: list[dict[str, Any]] = []
    usual = event_loop.get_exception_handler()
    event_loop.set_exception_handler(lambda _loop, context: reported.append(context))

    async def fails() -> None:
        raise ValueError("a bug")

    try:
        TaskGroup("app", event_loop).start(fails(), "credits")
        qtbot.waitUntil(lambda: bool(reported), timeout=WAIT_MS)
    finally:
        event_loop.set_exception_handler(usual)
    assert len(reported) == 1
    assert isinstance(reported[0]["exception"], ValueError)
    assert "credits" in reported[0]["message"]
