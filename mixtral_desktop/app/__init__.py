"""The composition root and what only a whole app needs.

Holds: ``main`` (builds the objects, wires them, runs the qasync loop), crash
handling, the single-instance lock and socket, the desktop entry, the app's resources
and the interpreter tuning for a GUI process.
May import: everything below it (``ui``, ``core``); nothing imports ``app``.
"""
