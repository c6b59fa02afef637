"""The native text engine (Qt's own functions through ctypes) lets the other threads run
Python while a document is filled and laid out (the GUI thread's frames, the thread
reading the stream), gives exactly what PySide gives, and has a PySide fallback chosen
when it can't work or when ``MIXTRAL_DESKTOP_PURE_QT_TEXT`` says so."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench import data
from mixtral_desktop.core.services.executors import Executors
from mixtral_desktop.ui.messages.rendering import Rendering
from mixtral_desktop.ui.text.document import StackedDocument, configure_document, unshared_font
from mixtral_desktop.ui.text.native import (
    ENV_PURE_QT,
    NativeText,
    PySideText,
    choose_engine,
)
from mixtral_desktop.ui.text.renderer import MarkdownRenderer
from mixtral_desktop.ui.workers.tasks import TaskGroup

LONG_REPLY = data.markdown_reply(100_000)  # one document: a layout of tens of ms
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's ctypes path")


@pytest.fixture
def native() -> NativeText:
    engine = choose_engine({})
    if not isinstance(engine, NativeText):
        pytest.skip("Qt's symbols are not there: the app uses PySide's calls")
    return engine


def new_document(
    renderer: MarkdownRenderer, markdown: str, width: int = 640,
    fill: Callable[[QTextDocument, str], None] | None = None,
) -> QTextDocument:
    document = QTextDocument()
    configure_document(document, QFont())
    html = renderer.render(markdown)
    if fill is None:
        document.setHtml(html)
    else:
        fill(document, html)
    document.setTextWidth(width)
    return document


def spinner_progress_inside(
    layout: Callable[[QTextDocument], None], document: QTextDocument
) -> tuple[int, float]:
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
        layout(document)
        ended = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    quarter = (ended - started) / 4
    return sum(started + quarter < t < ended - quarter for t in seen), (ended - started) * 1000


@pytest.fixture
def quiet_renderer(
    qtbot: QtBot, rendering: Rendering, renderer: MarkdownRenderer
) -> MarkdownRenderer:
    """The renderer once its lexers are built: no other thread runs Python (the
    spinner measures what the layout lets through, not what the lexer thread does)."""
    renderer.render(LONG_REPLY)  # asks for the reply's lexers
    qtbot.waitUntil(lambda: not rendering.lexers.is_loading())
    return renderer


@LINUX
def test_the_native_engine_is_chosen_on_linux(qapp: QApplication) -> None:
    assert isinstance(choose_engine({}), NativeText)


@pytest.mark.parametrize("value", ["1", "yes"])
def test_the_environment_forces_the_pyside_engine(qapp: QApplication, value: str) -> None:
    assert isinstance(choose_engine({ENV_PURE_QT: value}), PySideText)


@LINUX
@pytest.mark.parametrize("value", ["0", ""])
def test_the_environment_can_leave_the_choice_to_the_app(qapp: QApplication, value: str) -> None:
    assert isinstance(choose_engine({ENV_PURE_QT: value}), NativeText)


def test_other_threads_run_python_while_a_document_is_laid_out(
    qapp: QApplication, native: NativeText, quiet_renderer: MarkdownRenderer
) -> None:
    # Through PySide the GIL is held for the whole layout: nobody else runs.
    through_pyside = spinner_progress_inside(
        PySideText().lay_out, new_document(quiet_renderer, LONG_REPLY)
    )
    assert through_pyside[0] == 0, through_pyside
    without_gil = spinner_progress_inside(native.lay_out, new_document(quiet_renderer, LONG_REPLY))
    assert without_gil[0] > 0, without_gil


def test_other_threads_run_python_while_a_document_is_filled(
    qapp: QApplication, native: NativeText, quiet_renderer: MarkdownRenderer
) -> None:
    html = quiet_renderer.render(LONG_REPLY)
    through_pyside = spinner_progress_inside(lambda d: d.setHtml(html), QTextDocument())
    assert through_pyside[0] == 0, through_pyside
    without_gil = spinner_progress_inside(lambda d: native.set_html(d, html), QTextDocument())
    assert without_gil[0] > 0, without_gil


@pytest.mark.parametrize("markdown", [
    LONG_REPLY,
    "Ünïcödé, emoji 😀 and 中文 across `code` — and *more*\n\n```python\nprint('é')\n```\n",
    "",
])
def test_the_document_is_the_one_pyside_fills(
    qapp: QApplication, native: NativeText, renderer: MarkdownRenderer, markdown: str
) -> None:
    as_before = new_document(renderer, markdown, 480)
    for engine in (native, PySideText()):
        filled = new_document(renderer, markdown, 480, engine.set_html)
        assert filled.toHtml() == as_before.toHtml()
        assert filled.toPlainText() == as_before.toPlainText()
        assert filled.size() == as_before.size()


def test_the_layout_is_the_one_pyside_makes(
    qapp: QApplication, native: NativeText, renderer: MarkdownRenderer
) -> None:
    as_before = new_document(renderer, LONG_REPLY, 480)
    for engine in (native, PySideText()):
        laid_out = new_document(renderer, LONG_REPLY, 480)
        engine.lay_out(laid_out)
        assert laid_out.size() == as_before.size()
        assert laid_out.pageCount() == as_before.pageCount()


def resident_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_the_html_string_handed_to_qt_is_freed(
    qapp: QApplication, native: NativeText, renderer: MarkdownRenderer
) -> None:
    html = renderer.render(LONG_REPLY)  # ~200 KB as UTF-16: 100 fills leaked would be 20+ MB
    for _ in range(10):  # (allocator and caches warmed up)
        native.set_html(QTextDocument(), html)
    before = resident_kb()
    for _ in range(100):
        native.set_html(QTextDocument(), html)
    assert resident_kb() - before < 8_000


# The fallback gives the same rows as the native path

CORPUS = [
    data.markdown_reply(12_000, seed=1),
    data.markdown_reply(30_000, seed=2),
    data.markdown_reply(60_000, seed=3),
    "Ünïcödé, emoji 😀 and 中文 — *and more*\n\n" * 400,
    "```python\n" + "print('a line of code')\n" * 600 + "```\n\nAfter the code.",
    "| a | b |\n|---|---|\n" + "| cell | another cell |\n" * 500,
]


@pytest.fixture
def both_engines(
    event_loop: object, executors: Executors, tasks: TaskGroup
) -> Iterator[dict[str, Rendering]]:
    made = {
        "native": Rendering.create(executors.io, tasks.child("native"), environ={}),
        "pyside": Rendering.create(
            executors.io, tasks.child("pyside"), environ={ENV_PURE_QT: "1"}
        ),
    }
    yield made
    for rendering in made.values():
        rendering.shutdown()


def built_on_the_layout_worker(
    qtbot: QtBot, rendering: Rendering, text: str, width: int
) -> StackedDocument:
    """``text`` laid out as the delegate has a long text laid out: on the layout worker,
    helper thread included, through the rendering's text engine."""
    font = QFont()
    typesetter = rendering.typesetter
    start = typesetter.build(text[:600], width, font)
    helper_wanted = threading.Event()
    helper_wanted.set()
    home = QThread.currentThread()
    results: list[StackedDocument | None] = []
    rendering.renderer.prepare_for_threads()
    rendering.layouts.submit(
        lambda: typesetter.build_for_thread(text, start, font, home, helper_wanted),
        lambda document, _error: results.append(document),
    )
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results[0] is not None
    return results[0]


@pytest.mark.parametrize("width", [320, 640])
def test_the_pyside_fallback_finds_the_same_row_heights(
    qtbot: QtBot, both_engines: dict[str, Rendering], width: int
) -> None:
    engines = {name: r.typesetter.engine.name for name, r in both_engines.items()}
    assert engines["pyside"] == "pyside"
    if sys.platform.startswith("linux"):
        assert engines["native"] == "native"
    pieces = 0
    for text in CORPUS:
        native, pyside = (
            built_on_the_layout_worker(qtbot, both_engines[name], text, width)
            for name in ("native", "pyside")
        )
        assert [p.height for p in native.pieces] == [p.height for p in pyside.pieces]
        assert native.height == pyside.height
        pieces += len(native.pieces)
    assert pieces > 2 * len(CORPUS)  # (most are cut in pieces, the helper builds some)



def test_a_worker_s_own_font_is_the_same_font(qapp: object) -> None:
    font = QFont(QFont().families(), 13)  # (a font with settings of its own)
    font.setItalic(True)
    font.setFamilies([*font.families(), "Noto Color Emoji"])
    own = unshared_font(font)
    assert own == font
    assert own.families() == font.families()
    assert own.resolveMask() == font.resolveMask()
