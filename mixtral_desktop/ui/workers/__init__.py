"""How the UI runs work in the background: a ``TaskGroup`` of coroutines on the qasync
loop (cancelled on close), idle-time jobs after the first frame (``WhenIdle``),
and the layout pool that builds text documents on threads with the GIL released.
May import: ``core.services`` (executors), PySide6, asyncio; no other ``ui``
package.
"""
