"""Take PySide6's ``__feature__`` import hook out of ``builtins.__import__``.

On import, PySide6 wraps ``builtins.__import__`` in ``__feature_import__`` so that
``from __feature__ import snake_case`` can work. We never use ``__feature__``, and the
wrapper costs us three ways:

* it is not thread-safe: after every import it swaps ``builtins.__import__`` out and back
  around a Python call, so an import on a worker thread (we read the keyring and import
  requests there, while the GUI thread paints) races the GUI thread's imports. Other
  projects report the race as a segfault or a hang; our end-to-end test once saw the
  window never appear;
* it reads the whole source of every module imported after PySide6 (``inspect.getsource``)
  to look for the word "PySide6": ~70 ms of a ~300 ms start-up here;
* those sources then stay in ``linecache``: ~2.5 million characters, ~6 MB of RSS.

PySide6 documents the pieces: the wrapped import is kept in ``builtins.__orig_import__``
(since 6.9 that is PySide's own lazy-loading import, which we keep). Putting it back turns
off nothing but ``__feature__`` selection.
"""

from __future__ import annotations

import builtins


def remove_feature_import_hook() -> bool:
    """Import Qt and restore the import it wrapped; True when the hook was taken out."""
    import PySide6.QtCore  # noqa: F401  (installs the hook, if this PySide6 has one)

    hook = getattr(builtins, "__feature_import__", None)
    wrapped = getattr(builtins, "__orig_import__", None)
    if hook is None or wrapped is None or builtins.__import__ is not hook:
        return False  # a PySide6 without the hook, or someone else's import is in place
    builtins.__import__ = wrapped
    return True
