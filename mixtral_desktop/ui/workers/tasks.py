"""Background work as coroutines on the qasync event loop, each owned by someone.

A :class:`TaskGroup` is the tasks of one owner: the app (the root), a window, a tab, a
dialog. The owner starts its coroutines through it (which await executor jobs for
anything that blocks) and cancels the group when it closes; cancelling a group cancels
its children too, so on quit the root takes every task down.

A task that ends with an exception nobody caught is reported through the loop's
exception handler (the app's crash reporter; in tests, a failure), never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskGroup:
    """The tasks one owner started; :meth:`cancel` when the owner closes."""

    def __init__(
        self, name: str, loop: asyncio.AbstractEventLoop, parent: TaskGroup | None = None
    ) -> None:
        self.name = name
        self.loop = loop
        self._tasks: set[asyncio.Task[Any]] = set()
        self._children: list[TaskGroup] = []
        self._parent = parent
        self.closed = False

    def child(self, name: str) -> TaskGroup:
        """A group of its own for a part of this owner (cancelled with this one)."""
        group = TaskGroup(f"{self.name}/{name}", self.loop, self)
        self._children.append(group)
        return group

    def start(self, coroutine: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Run ``coroutine`` as a task of this group; RuntimeError once the group closed."""
        if self.closed:
            coroutine.close()
            raise RuntimeError(f"the task group {self.name} is closed")
        task = self.loop.create_task(coroutine, name=f"{self.name}: {name}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def cancel(self) -> None:
        """Cancel every task of this group and its children; no new task may start.

        The group leaves its parent once its last task has ended.
        """
        self.closed = True
        for child in list(self._children):
            child.cancel()
        for task in list(self._tasks):
            task.cancel()
        self._leave_if_done()

    def pending(self) -> list[asyncio.Task[Any]]:
        """The tasks not done yet, this group's and its children's."""
        tasks = [task for task in self._tasks if not task.done()]
        for child in self._children:
            tasks.extend(child.pending())
        return tasks

    def _leave_if_done(self) -> None:
        parent = self._parent
        if self.closed and not self._tasks and not self._children and parent is not None:
            if self in parent._children:
                parent._children.remove(self)
            parent._leave_if_done()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._leave_if_done()
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self.loop.call_exception_handler(
                {"message": f"task {task.get_name()!r} failed", "exception": error, "task": task}
            )
