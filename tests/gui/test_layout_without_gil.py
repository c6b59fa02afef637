"""Laying text out lets the other threads run Python (the GUI thread's frames, the
thread reading the stream), and lays it out exactly as PySide would."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication

from bench import data
from mixtral_desktop.ui import layout_without_gil
from mixtral_desktop.ui.layout_without_gil import lay_out
from mixtral_desktop.ui.markdown_render import render_markdown
from mixtral_desktop.ui.message_browser import configure_document

LONG_REPLY = data.markdown_reply(100_000)  # one document: a layout of tens of ms


def new_document(markdown: str, width: int = 640) -> QTextDocument:
    document = QTextDocument()
    configure_document(document, QFont())
    document.setHtml(render_markdown(markdown))
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
    assert layout_without_gil._page_count() is not None  # Qt's symbol was found
    # Through PySide the GIL is held for the whole layout: nobody else runs.
    through_pyside = spinner_progress_inside(lambda d: d.size(), new_document(LONG_REPLY))
    assert through_pyside[0] == 0, through_pyside
    without_gil = spinner_progress_inside(lay_out, new_document(LONG_REPLY))
    assert without_gil[0] > 0, without_gil


def test_the_layout_is_the_one_pyside_makes(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    laid_out = new_document(LONG_REPLY, 480)
    lay_out(laid_out)
    as_before = new_document(LONG_REPLY, 480)
    assert laid_out.size() == as_before.size()
    assert laid_out.pageCount() == as_before.pageCount()
    # Where Qt's symbol is not there, the layout goes through PySide.
    monkeypatch.setattr(layout_without_gil, "_page_count", lambda: None)
    fallback = new_document(LONG_REPLY, 480)
    lay_out(fallback)
    assert fallback.size() == as_before.size()
