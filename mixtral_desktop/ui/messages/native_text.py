"""Fill and lay out a ``QTextDocument`` with Python's GIL released.

PySide keeps the GIL through every Qt call, so while one thread parses HTML into a
document or lays it out (together two thirds of the cost of a long reply: ~55 ms for
100 KB) no other thread runs any Python: a worker building a burst stalls the GUI
thread's paints and timers, and the GUI thread laying out a row stalls the thread
reading the stream. ``ctypes`` releases the GIL around a foreign call, so both are
asked for through Qt's own exported functions: ``QTextDocument::setHtml(const
QString &)`` (the ``QString`` built with ``QString(const QChar *, qsizetype)`` and
released as its inline destructor would) and ``QTextDocument::pageCount() const``,
which lays the whole document out. Neither touches a Python object. The document must
have no Python code to call back into meanwhile (our pieces are plain
``QTextDocument``: no Python layout, no resource loader, no connected slots), and only
the calling thread may use it.

Where the symbols cannot be found (another platform, another Qt build) this goes
through PySide as before.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shiboken6
from PySide6.QtGui import QTextDocument

log = logging.getLogger(__name__)

# The Itanium C++ ABI names of the functions used (Qt 6 on Linux).
_PAGE_COUNT = "_ZNK13QTextDocument9pageCountEv"  # QTextDocument::pageCount() const
_SET_HTML = "_ZN13QTextDocument7setHtmlERK7QString"  # QTextDocument::setHtml(const QString &)
_NEW_STRING = "_ZN7QStringC1EPK5QCharx"  # QString::QString(const QChar *, qsizetype)
_DEALLOCATE = "_ZN10QArrayData10deallocateEPS_xx"  # QArrayData::deallocate(QArrayData *, ...)
_GUI_LIBRARY = "libQt6Gui.so.6"
_CORE_LIBRARY = "libQt6Core.so.6"


class _QString(ctypes.Structure):
    """A Qt 6 ``QString``: its ``QArrayDataPointer<char16_t>``."""

    _fields_ = [("d", ctypes.c_void_p), ("ptr", ctypes.c_void_p), ("size", ctypes.c_ssize_t)]


@dataclass(frozen=True)
class _Qt:
    page_count: Any
    set_html: Any
    new_string: Any
    deallocate: Any


@lru_cache(maxsize=1)
def _qt() -> _Qt | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        gui = ctypes.CDLL(_GUI_LIBRARY, mode=ctypes.RTLD_GLOBAL)
        core = ctypes.CDLL(_CORE_LIBRARY, mode=ctypes.RTLD_GLOBAL)
        qt = _Qt(
            getattr(gui, _PAGE_COUNT),
            getattr(gui, _SET_HTML),
            getattr(core, _NEW_STRING),
            getattr(core, _DEALLOCATE),
        )
    except (OSError, AttributeError) as error:  # not the Qt we know: the PySide path
        log.debug("filling and laying out documents through PySide: %s", error)
        return None
    qt.page_count.argtypes = [ctypes.c_void_p]
    qt.page_count.restype = ctypes.c_int
    qt.set_html.argtypes = [ctypes.c_void_p, ctypes.POINTER(_QString)]
    qt.set_html.restype = None
    qt.new_string.argtypes = [ctypes.POINTER(_QString), ctypes.c_char_p, ctypes.c_ssize_t]
    qt.new_string.restype = None
    qt.deallocate.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_ssize_t]
    qt.deallocate.restype = None
    return qt


def lay_out(document: QTextDocument) -> None:
    """Lay ``document`` out (at its text width) now, letting other threads run Python."""
    qt = _qt()
    if qt is None:
        document.size()  # (asking the size lays it out)
        return
    qt.page_count(shiboken6.getCppPointer(document)[0])


def set_html(document: QTextDocument, html: str) -> None:
    """``document.setHtml(html)``, letting other threads run Python meanwhile."""
    qt = _qt()
    if qt is None:
        document.setHtml(html)
        return
    utf16 = html.encode("utf-16-le", "surrogatepass")
    string = _QString()
    qt.new_string(ctypes.byref(string), utf16, len(utf16) // 2)
    try:
        qt.set_html(shiboken6.getCppPointer(document)[0], ctypes.byref(string))
    finally:
        _release(qt, string)


def _release(qt: _Qt, string: _QString) -> None:
    """What ``~QString()`` does (it is inline, so not exported): drop our reference."""
    if not string.d:
        return  # the shared empty string: nothing allocated
    references = ctypes.c_int.from_address(string.d)  # QArrayData::ref_, its first member
    if references.value == 1:  # ours alone (the document keeps no copy of its HTML)
        qt.deallocate(string.d, ctypes.sizeof(ctypes.c_uint16), ctypes.alignment(ctypes.c_void_p))
    else:  # shared after all: leave it to the other holder rather than race it
        log.debug("an HTML string is still shared after setHtml: left allocated")
