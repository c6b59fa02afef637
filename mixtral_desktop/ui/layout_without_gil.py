"""Lay a ``QTextDocument`` out with Python's GIL released.

PySide keeps the GIL through every Qt call, so while one thread lays text out (a third
of the cost of a long reply: ~34 ms for 100 KB) no other thread runs any Python: a
worker laying out a burst stalls the GUI thread's paints and timers, and the GUI
thread laying out a row stalls the thread reading the stream. ``ctypes`` releases the
GIL around a foreign call, so the layout itself is asked for through Qt's own exported
``QTextDocument::pageCount() const``, which lays the whole document out and touches
no Python object. The document must have no Python code to call back into while it
lays out (our pieces are plain ``QTextDocument``: no Python layout, no resource
loader, no connected slots), and only the calling thread may use it meanwhile.

Where the symbol cannot be found (another platform, another Qt build) this lays out
through PySide as before.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable
from functools import lru_cache

import shiboken6
from PySide6.QtGui import QTextDocument

log = logging.getLogger(__name__)

_PAGE_COUNT = "_ZNK13QTextDocument9pageCountEv"  # QTextDocument::pageCount() const (Itanium ABI)
_LIBRARY = "libQt6Gui.so.6"


@lru_cache(maxsize=1)
def _page_count() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(_LIBRARY, mode=ctypes.RTLD_GLOBAL), _PAGE_COUNT)
    except (OSError, AttributeError) as error:  # not the Qt we know: the PySide path
        log.debug("laying out through PySide: %s", error)
        return None
    function.argtypes = [ctypes.c_void_p]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def lay_out(document: QTextDocument) -> None:
    """Lay ``document`` out (at its text width) now, letting other threads run Python."""
    page_count = _page_count()
    if page_count is None:
        document.size()  # (asking the size lays it out)
        return
    address = shiboken6.getCppPointer(document)[0]
    page_count(address)
