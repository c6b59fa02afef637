"""Feature package: the history panel (every saved chat, rename, delete with Undo),
the search dialog (its query runs on the search executor) and export/import's
file choices and file I/O on a worker.
May import: ``ui.workers``, ``ui.theme``, ``ui.text`` and ``core`` (storage,
services, domain); never another feature package or ``ui.shell``.
"""
