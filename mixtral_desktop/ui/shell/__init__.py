"""The window and its wiring: main window, tabs and chat tabs, menus, the key flow,
the status flow, saving and restoring the session, and :class:`WindowServices`
(what the app shares: executors, tasks, rendering, the first frame).
May import: every ``ui`` package and ``core``; only ``app`` imports the shell.
"""
