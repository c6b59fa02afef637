"""Feature package: the status bar: the chat's state, the last reply's tokens, the
remaining credits (fetched through the app's ``ClientProvider``, re-checked while
offline), this session's spend and the key's state; and the usage window (History →
Usage…), imported only when it first opens.
May import: ``ui.workers``, ``ui.theme`` and ``core`` services and errors; never
another feature package or ``ui.shell``.
"""
