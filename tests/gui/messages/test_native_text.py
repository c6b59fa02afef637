"""Filling a document with HTML and laying it out let the other threads run Python (the
GUI thread's frames, the thread reading the stream), and give exactly what PySide would."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication

from bench import data
from mixtral_desktop.ui.messages import native_text as layout_without_gil
from mixtral_desktop.ui.messages.browser import configure_document
from mixtral_desktop.ui.messages.markdown import render_markdown
from mixtral_desktop.ui.messages.native_text import lay_out, set_html

LONG_REPLY = data.markdown_reply(100_000)  # one document: a layout of tens of ms


def new_document(markdown: str, width: int = 640, fill: object = None) -> QTextDocument:
    document = QTextDocument()
    configure_document(document, QFont())
    html = render_markdown(markdown)
    if fill is None:
        document.setHtml(html)
    else:
        fill(document, html)  # type: ignore[operator]
    document.setTextWidth(width)
    return document


def spinner_progress_inside(layout: object, document: QTextDocument) -> tuple[int, float]:
    """How often another thread ran Python in the middle half of ``layout(document)``,
    and how long that took (ms)."""
    seen: list[float] = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            seen.append(time.perf_counter())

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        while not seen:  # the spinner runs before the layout starts
            time.sleep(0.001)
        started = time.perf_counter()
        layout(document)  # type: ignore[operator]
        ended = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    quarter = (ended - started) / 4
    return sum(started + quarter < t < ended - quarter for t in seen), (ended - started) * 1000


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ctypes path is Linux's")
def test_other_threads_run_python_while_a_document_is_laid_out(qapp: QApplication) -> None:
    assert layout_without_gil._qt() is not None  # Qt's symbols were found
    # Through PySide the GIL is held for the whole layout: nobody else runs.
    through_pyside = spinner_progress_inside(lambda d: d.size(), new_document(LONG_REPLY))
    assert through_pyside[0] == 0, through_pyside
    without_gil = spinner_progress_inside(lay_out, new_document(LONG_REPLY))
    assert without_gil[0] > 0, without_gil


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ctypes path is Linux's")
def test_other_threads_run_python_while_a_document_is_filled(qapp: QApplication) -> None:
    html = render_markdown(LONG_REPLY)
    through_pyside = spinner_progress_inside(lambda d: d.setHtml(html), QTextDocument())
    assert through_pyside[0] == 0, through_pyside
    without_gil = spinner_progress_inside(lambda d: set_html(d, html), QTextDocument())
    assert without_gil[0] > 0, without_gil


@pytest.mark.parametrize("markdown", [
    LONG_REPLY,
    "Ünïcödé, emoji 😀 and 中文 across `code` — and *more*\n\n```python\nprint('é')\n```\n",
    "",
])
def test_the_document_is_the_one_pyside_fills(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, markdown: str
) -> None:
    as_before = new_document(markdown, 480)
    filled = new_document(markdown, 480, set_html)
    assert filled.toHtml() == as_before.toHtml()
    assert filled.toPlainText() == as_before.toPlainText()
    assert filled.size() == as_before.size()
    # Where Qt's symbols are not there, the document is filled through PySide.
    monkeypatch.setattr(layout_without_gil, "_qt", lambda: None)
    assert new_document(markdown, 480, set_html).toHtml() == as_before.toHtml()


def test_the_layout_is_the_one_pyside_makes(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    laid_out = new_document(LONG_REPLY, 480)
    lay_out(laid_out)
    as_before = new_document(LONG_REPLY, 480)
    assert laid_out.size() == as_before.size()
    assert laid_out.pageCount() == as_before.pageCount()
    # Where Qt's symbol is not there, the layout goes through PySide.
    monkeypatch.setattr(layout_without_gil, "_qt", lambda: None)
    fallback = new_document(LONG_REPLY, 480)
    lay_out(fallback)
    assert fallback.size() == as_before.size()


def resident_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ctypes path is Linux's")
def test_the_html_string_handed_to_qt_is_freed(qapp: QApplication) -> None:
    html = render_markdown(LONG_REPLY)  # ~200 KB as UTF-16: 100 fills leaked would be 20+ MB
    for _ in range(10):  # (allocator and caches warmed up)
        set_html(QTextDocument(), html)
    before = resident_kb()
    for _ in range(100):
        set_html(QTextDocument(), html)
    assert resident_kb() - before < 8_000
