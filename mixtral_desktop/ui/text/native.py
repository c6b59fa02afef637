"""Filling and laying out a ``QTextDocument`` with Python's GIL released, behind one door.

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

Measured gain (A/B on the streaming benchmark when it came in): a burst's p99 gap 18.5
-> 15.2 ms with documents built on worker threads, and a burst laid out nearly twice as
fast with a helper thread, which only pays off because both run without the GIL.

:func:`choose_engine` picks :class:`NativeText` where it works (Linux, Qt's symbols
found, and a self-test fill giving what PySide gives) and :class:`PySideText`
otherwise; ``MIXTRAL_DESKTOP_PURE_QT_TEXT=1`` forces PySide (to compare, or should a Qt
build ever disagree). Both give the same documents, heights included (tested).
"""


from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QThread
from PySide6.QtGui import QTextDocument

log = logging.getLogger(__name__)

# The Itanium C++ ABI names of the functions used (Qt 6 on Linux).
_PAGE_COUNT = "_ZNK13QTextDocument9pageCountEv"  # QTextDocument::pageCount() const
_SET_HTML = "_ZN13QTextDocument7setHtmlERK7QString"  # QTextDocument::setHtml(const QString &)
_NEW_STRING = "_ZN7QStringC1EPK5QCharx"  # QString::QString(const QChar *, qsizetype)
_DEALLOCATE = "_ZN10QArrayData10deallocateEPS_xx"  # QArrayData::deallocate(QArrayData *, ...)
# QObject::moveToThread(QThread *, Qt::Disambiguated_t) (Qt 6.7+: the empty tag is passed
# as nothing), else the older QObject::moveToThread(QThread *).
_MOVE_TO_THREAD = (
    "_ZN7QObject12moveToThreadEP7QThreadN2Qt15Disambiguated_tE",
    "_ZN7QObject12moveToThreadEP7QThread",
)
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
    move_to_thread: Any


def _load_qt() -> _Qt | None:
    """Qt's functions, or None where they cannot be found (another OS, another build)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        gui = ctypes.CDLL(_GUI_LIBRARY, mode=ctypes.RTLD_GLOBAL)
        core = ctypes.CDLL(_CORE_LIBRARY, mode=ctypes.RTLD_GLOBAL)
        move = next((getattr(core, n) for n in _MOVE_TO_THREAD if hasattr(core, n)), None)
        if move is None:
            raise AttributeError("no QObject::moveToThread")
        qt = _Qt(
            getattr(gui, _PAGE_COUNT),
            getattr(gui, _SET_HTML),
            getattr(core, _NEW_STRING),
            getattr(core, _DEALLOCATE),
            move,
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
    qt.move_to_thread.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    qt.move_to_thread.restype = None  # (a bool since Qt 6.7: ignored)
    return qt


class PySideText:
    """Filling and laying out through PySide (the GIL held throughout)."""

    name = "pyside"

    def set_html(self, document: QTextDocument, html: str) -> None:
        document.setHtml(html)

    def lay_out(self, document: QTextDocument) -> None:
        document.size()  # (asking the size lays it out)

    def move_to_thread(self, document: QTextDocument, thread: QThread) -> None:
        document.moveToThread(thread)


class NativeText:
    """Filling and laying out through Qt's own functions, other threads running Python."""

    name = "native"

    def __init__(self, qt: _Qt) -> None:
        self._qt = qt

    def lay_out(self, document: QTextDocument) -> None:
        """Lay ``document`` out (at its text width) now, letting other threads run Python."""
        self._qt.page_count(shiboken6.getCppPointer(document)[0])

    def move_to_thread(self, document: QTextDocument, thread: QThread) -> None:
        """``document.moveToThread(thread)`` without the GIL. PySide keeps it through
        the call, and ``moveToThread`` waits for Qt's locks, which another thread may
        hold while it waits for the GIL (a deadlock seen in the tests: the layout worker
        in ``moveToThread``, its helper and the GUI thread waiting for the GIL)."""
        self._qt.move_to_thread(
            shiboken6.getCppPointer(document)[0], shiboken6.getCppPointer(thread)[0]
        )

    def set_html(self, document: QTextDocument, html: str) -> None:
        """``document.setHtml(html)``, letting other threads run Python meanwhile."""
        qt = self._qt
        utf16 = html.encode("utf-16-le", "surrogatepass")
        string = _QString()
        qt.new_string(ctypes.byref(string), utf16, len(utf16) // 2)
        try:
            qt.set_html(shiboken6.getCppPointer(document)[0], ctypes.byref(string))
        finally:
            _release(qt, string)


TextEngine = PySideText | NativeText
ENV_PURE_QT = "MIXTRAL_DESKTOP_PURE_QT_TEXT"
_PROBE_HTML = "<p>Probe <b>é</b> 😀</p>"


def choose_engine(environ: Mapping[str, str] = os.environ) -> TextEngine:
    """The native engine where it can work, else PySide's; see the module docstring."""
    if environ.get(ENV_PURE_QT, "").strip() not in ("", "0"):
        log.info("documents are filled and laid out through PySide (%s is set)", ENV_PURE_QT)
        return PySideText()
    qt = _load_qt()
    if qt is None:
        return PySideText()
    native = NativeText(qt)
    if not _agrees_with_pyside(native):
        log.warning("Qt's setHtml through ctypes disagreed with PySide: using PySide")
        return PySideText()
    return native


def _agrees_with_pyside(native: NativeText) -> bool:
    """A fill and layout of a small document give what PySide gives."""
    ours, theirs = QTextDocument(), QTextDocument()
    native.set_html(ours, _PROBE_HTML)
    theirs.setHtml(_PROBE_HTML)
    native.lay_out(ours)
    return ours.toHtml() == theirs.toHtml() and ours.size() == theirs.size()


def _release(qt: _Qt, string: _QString) -> None:
    """What ``~QString()`` does (it is inline, so not exported): drop our reference."""
    if not string.d:
        return  # the shared empty string: nothing allocated
    references = ctypes.c_int.from_address(string.d)  # QArrayData::ref_, its first member
    if references.value == 1:  # ours alone (the document keeps no copy of its HTML)
        qt.deallocate(string.d, ctypes.sizeof(ctypes.c_uint16), ctypes.alignment(ctypes.c_void_p))
    else:  # shared after all: leave it to the other holder rather than race it
        log.debug("an HTML string is still shared after setHtml: left allocated")
