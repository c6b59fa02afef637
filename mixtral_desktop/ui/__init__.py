"""Qt widgets, models and dialogs, in feature packages (``composer``, ``conversation``,
``history``, ``settings``, ``statusbar``) that never import each other, shared ones
below them (``messages``, ``text``, ``workers``, ``theme``) and the ``shell`` above that
wires them. May import ``core``; never sqlite3, requests or urllib3, never ``app``.

Importing any of them first takes PySide6's ``__feature__`` import hook out (see
:mod:`mixtral_desktop.ui.qt_import_hook`), so the app, the tests and the benchmarks all run
the UI with the same, thread-safe import.
"""

from mixtral_desktop.ui.qt_import_hook import remove_feature_import_hook

remove_feature_import_hook()
