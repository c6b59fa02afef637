"""A long text arriving at once (a burst of chunks) is laid out on a worker thread.

The window keeps painting meanwhile: the row shows the start of the text, then all of
it, exactly as tall as the text laid out in one go, with code coloured as usual.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench.data import markdown_reply
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages.rendering import Rendering
from mixtral_desktop.ui.messages.style import body_width
from mixtral_desktop.ui.messages.view import ConversationView
from mixtral_desktop.ui.text.document import WORKER_PIECE_CHARS, StackedDocument


def laid_out_whole(view: ConversationView, message: Message) -> bool:
    delegate = view.message_delegate()
    return not delegate.building() and delegate.is_measured(message, view.viewport().width())


class HeldBuilds:
    """Layouts on the worker thread, held until ``release`` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, rendering: Rendering) -> None:
        self.started, self.release, self.finished = (
            threading.Event(), threading.Event(), threading.Event()
        )
        self.helper_wanted: list[threading.Event] = []  # each build's
        self._build = rendering.typesetter.build_for_thread
        monkeypatch.setattr(rendering.typesetter, "build_for_thread", self._held)

    def _held(self, *args: object) -> StackedDocument:
        self.helper_wanted.append(args[4])  # type: ignore[arg-type]  # (helper_wanted)
        self.started.set()
        self.release.wait(10)
        document = self._build(*args)  # type: ignore[arg-type]
        self.finished.set()
        return document


def test_a_burst_shows_the_start_at_once_then_all_of_it(
    qtbot: QtBot, view: ConversationView, monkeypatch: pytest.MonkeyPatch, rendering: Rendering
) -> None:
    grown_on: dict[int, str] = {}  # text length -> the thread that laid it out
    grow = rendering.typesetter.grow

    def spy(stack: StackedDocument, text: str, *args: object, **kwargs: int) -> StackedDocument:
        grown_on[len(text)] = threading.current_thread().name
        return grow(stack, text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rendering.typesetter, "grow", spy)
    model = view.conversation_model()
    row = model.append(Message(Role.ASSISTANT, "Sure.", state=MessageState.STREAMING))
    view.scroll_to_end()
    qtbot.waitUntil(lambda: laid_out_whole(view, model.message(row)))
    text = "Sure. " + markdown_reply(40_000)
    model.replace(row, model.message(row).with_content(text))
    message = model.message(row)
    delegate = view.message_delegate()
    width = body_width(view.viewport().width(), Role.ASSISTANT)

    assert delegate.building()  # the row shows the text's start meanwhile
    shown = delegate.document_for(text, width, model.index(row, 0), progressive=True)
    assert len(shown.text) < len(text) and text.startswith(shown.text)
    qtbot.waitUntil(lambda: laid_out_whole(view, message), timeout=10_000)

    whole = delegate.document_for(text, width)
    assert whole.text == text
    assert whole.height == rendering.typesetter.build(text, width, view.font()).height
    assert len(whole.pieces) > 2  # in longer pieces than the GUI thread grows a stream by
    assert all(
        p.segment.end - p.segment.start >= WORKER_PIECE_CHARS
        for p in whole.pieces[:-1]
    )
    assert grown_on[len(text)] != threading.main_thread().name
    gui_thread = QApplication.instance().thread()  # type: ignore[union-attr]
    assert all(piece.document.thread() == gui_thread for piece in whole.pieces)
    row_rect = view.visualRect(model.index(row, 0))
    assert row_rect.height() > whole.height  # the view was laid out again, whole
    assert view.is_following()


def test_a_layout_started_before_a_font_change_is_not_used(
    qtbot: QtBot, view: ConversationView, monkeypatch: pytest.MonkeyPatch, rendering: Rendering
) -> None:
    held = HeldBuilds(monkeypatch, rendering)
    model = view.conversation_model()
    text = markdown_reply(20_000)
    row = model.append(Message(Role.ASSISTANT, "", state=MessageState.STREAMING))
    model.replace(row, model.message(row).with_content(text))
    delegate = view.message_delegate()
    qtbot.waitUntil(delegate.building)
    font = QFont(view.font())
    font.setPointSize(font.pointSize() + 4)
    view.setFont(font)  # while the old font's layout is under way
    held.release.set()
    message = model.message(row)
    qtbot.waitUntil(lambda: laid_out_whole(view, message), timeout=10_000)

    width = body_width(view.viewport().width(), Role.ASSISTANT)
    assert delegate.document_for(text, width).height == (
        rendering.typesetter.build(text, width, font).height
    )


def test_quitting_joins_the_layout_worker(
    qtbot: QtBot, view: ConversationView, monkeypatch: pytest.MonkeyPatch, rendering: Rendering
) -> None:
    held = HeldBuilds(monkeypatch, rendering)
    model = view.conversation_model()
    row = model.append(Message(Role.ASSISTANT, "", state=MessageState.STREAMING))
    model.replace(row, model.message(row).with_content(markdown_reply(20_000)))
    qtbot.waitUntil(held.started.is_set)  # (streaming: once the stream outran its layout)
    threading.Timer(0.2, held.release.set).start()
    assert rendering.layouts.wait(5000)
    assert held.finished.is_set()


@pytest.mark.parametrize("more_at_the_end", [True, False])
def test_the_layout_helper_waits_for_the_stream_to_end(
    qtbot: QtBot, view: ConversationView, monkeypatch: pytest.MonkeyPatch,
    more_at_the_end: bool, rendering: Rendering,
) -> None:
    """While a reply streams its layout runs on one thread (the window and the reader
    need the CPU); once it has ended, the build under way takes the helper thread."""
    held = HeldBuilds(monkeypatch, rendering)
    wanted = held.helper_wanted
    model = view.conversation_model()
    row = model.append(Message(Role.ASSISTANT, "Sure.", state=MessageState.STREAMING))
    text = "Sure. " + markdown_reply(40_000)
    model.replace(row, model.message(row).with_content(text))  # a burst
    qtbot.waitUntil(lambda: bool(wanted))
    assert not wanted[0].is_set()
    final = text + ("\n\nThe end." if more_at_the_end else "")
    model.replace(row, Message(Role.ASSISTANT, final, state=MessageState.DONE))
    qtbot.waitUntil(wanted[0].is_set)  # the build in flight gets the helper
    held.release.set()
    qtbot.waitUntil(lambda: laid_out_whole(view, model.message(row)), timeout=10_000)
    assert all(event.is_set() for event in wanted[1:])  # and every build after it


def test_a_burst_over_within_the_delay_is_laid_out_once_whole_on_two_threads(
    qtbot: QtBot, view: ConversationView, monkeypatch: pytest.MonkeyPatch, rendering: Rendering
) -> None:
    """A burst (100 KB in ~30 ms) is not laid out in part while it arrives, when the
    reader and the window need the CPU: it is laid out once it has ended, with the
    layout helper from the start."""
    builds: list[tuple[int, bool]] = []  # (text length, helper wanted at the start)
    build = rendering.typesetter.build_for_thread

    def spy(*args: object) -> StackedDocument:
        builds.append((len(args[0]), args[4].is_set()))  # type: ignore[arg-type, attr-defined]
        return build(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(rendering.typesetter, "build_for_thread", spy)
    model = view.conversation_model()
    delegate = view.message_delegate()
    row = model.append(Message(Role.ASSISTANT, "Sure.", state=MessageState.STREAMING))
    text = "Sure. " + markdown_reply(40_000)
    model.replace(row, model.message(row).with_content(text[:20_000]))
    view.scroll_to_end()
    view.viewport().repaint()  # the burst's first part is painted: its start shows
    assert delegate.building() and builds == []
    model.replace(row, Message(Role.ASSISTANT, text, state=MessageState.DONE))
    qtbot.waitUntil(lambda: laid_out_whole(view, model.message(row)), timeout=10_000)
    # (the scroll bar that appears meanwhile narrows the view: laid out again at that width)
    assert builds and all(build == (len(text), True) for build in builds), builds


def test_a_row_waiting_for_its_layout_is_laid_out_once_not_on_every_pass(
    qtbot: QtBot, view: ConversationView, monkeypatch: pytest.MonkeyPatch, rendering: Rendering
) -> None:
    """A reply that ends while the layout of its start is still under way: the row
    shows the start until the whole is laid out. Its size was first estimated; the
    view must not lay itself out again on every event-loop pass meanwhile (each pass
    found the row "outgrown", and the window spent a core on it while the layout
    threads needed that core)."""
    held = HeldBuilds(monkeypatch, rendering)
    model = view.conversation_model()
    delegate = view.message_delegate()
    row = model.append(Message(Role.ASSISTANT, "Sure.", state=MessageState.STREAMING))
    text = "Sure. " + markdown_reply(40_000)
    model.replace(row, model.message(row).with_content(text))  # a burst
    qtbot.waitUntil(delegate.building)
    model.replace(row, Message(Role.ASSISTANT, text + "\n\nThe end.", state=MessageState.DONE))
    view.doItemsLayout()  # (as a window does for many reasons: here, before the row paints)
    layouts: list[int] = []
    begin = delegate.begin_layout
    monkeypatch.setattr(
        delegate, "begin_layout", lambda *args: (layouts.append(1), begin(*args))[1]
    )
    passes = _event_loop_passes(qtbot, 50)
    assert delegate.building()  # (still waiting for the held build)
    assert len(layouts) <= 3, f"{len(layouts)} layouts in {passes} event-loop passes"
    assert view.visualRect(model.index(row, 0)).height() < 1000  # the start shows
    held.release.set()
    qtbot.waitUntil(lambda: laid_out_whole(view, model.message(row)), timeout=10_000)
    width = body_width(view.viewport().width(), Role.ASSISTANT)
    whole = delegate.document_for(model.message(row).content, width)
    assert view.visualRect(model.index(row, 0)).height() > whole.height  # laid out, whole


def _event_loop_passes(qtbot: QtBot, count: int) -> int:
    """Let the event loop run ``count`` passes (a chain of 0 ms timers), painting too."""
    done: list[int] = []

    def step() -> None:
        done.append(1)
        if len(done) < count:
            QTimer.singleShot(0, step)

    QTimer.singleShot(0, step)
    qtbot.waitUntil(lambda: len(done) >= count, timeout=10_000)
    return len(done)


OCAML = "```ocaml\nlet square x = x * x\n```\n"


def test_code_in_a_text_laid_out_elsewhere_is_coloured(
    qtbot: QtBot, view: ConversationView, rendering: Rendering
) -> None:
    """The worker thread meets a language whose lexer is not loaded (no other test
    shows OCaml): it is loaded, and the row is laid out again, coloured."""
    text = "Here it is.\n\n" + "A line of filler text for the start.\n\n" * 200 + OCAML
    model = view.conversation_model()
    row = model.append(Message(Role.ASSISTANT, "", state=MessageState.STREAMING))
    with qtbot.waitSignal(rendering.renderer.colours_ready, timeout=10_000):
        model.replace(row, model.message(row).with_content(text))
    message = model.message(row)
    width = body_width(view.viewport().width(), Role.ASSISTANT)
    delegate = view.message_delegate()

    def coloured() -> bool:
        if not laid_out_whole(view, message):
            return False
        html = "".join(p.segment.html for p in delegate.document_for(text, width).pieces)
        return ">let</span>" in html

    qtbot.waitUntil(coloured, timeout=10_000)


def test_a_worker_thread_asking_for_a_lexer_gets_it_loaded(
    qtbot: QtBot, rendering: Rendering
) -> None:
    loader = rendering.lexers
    asked: list[tuple[bool, object]] = []
    worker = threading.Thread(target=lambda: asked.append(loader.lookup("smalltalk")))
    worker.start()
    worker.join()
    assert asked == [(False, None)]  # not there yet: the GUI thread starts loading it
    qtbot.waitUntil(lambda: loader.lookup("smalltalk")[0], timeout=10_000)
    assert loader.lookup("smalltalk")[1] is not None


QUIT_WHILE_LAYING_OUT = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench.data import markdown_reply
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.app.interpreter import settle_for_gui
from mixtral_desktop.ui.messages.view import ConversationView
from tests.gui.app_parts import script_rendering

app = QApplication([])
loop, rendering, shut_down = script_rendering(app)
view = ConversationView(rendering)
view.resize(700, 500)
view.show()
model = view.conversation_model()
row = model.append(Message(Role.ASSISTANT, "Sure.", state=MessageState.STREAMING))
settle_for_gui()


def burst() -> None:
    model.replace(row, model.message(row).with_content(markdown_reply(99_000)))
    app.processEvents()
    assert view.message_delegate().building()
    app.quit()


QTimer.singleShot(100, burst)
with loop:
    loop.run_forever()  # (until app.quit())
    shut_down()  # as the app does on quit: the layout worker is joined
print("quit")
"""


def run_fresh(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a new interpreter (nothing imported yet), from the repository."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=60,
    )


def test_quitting_while_a_long_text_is_laid_out_exits_cleanly() -> None:
    """The worker thread finishes after the window is gone: no error, no hang."""
    done = run_fresh(QUIT_WHILE_LAYING_OUT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "quit"
    assert "Error" not in done.stderr and "Traceback" not in done.stderr, done.stderr


FIRST_RENDER_ON_A_WORKER = """
import sys
import threading

from PySide6.QtWidgets import QApplication

import asyncio

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages.view import ConversationView
from tests.gui.app_parts import script_rendering

app = QApplication([])
loop, rendering, shut_down = script_rendering(app)
asyncio._set_running_loop(loop)  # (the loop runs as app.processEvents() below does)
imported_before_the_job: list[bool] = []
build = rendering.typesetter.build_for_thread


def noting(*args):
    imported_before_the_job.append("pygments.formatters.html" in sys.modules)
    return build(*args)


rendering.typesetter.build_for_thread = noting
view = ConversationView(rendering)
view.resize(700, 500)
view.show()
model = view.conversation_model()
row = model.append(Message(Role.ASSISTANT, "", state=MessageState.STREAMING))
text = "Plain prose to start with.\\n\\n" * 200 + "```python\\nprint(1)\\n```\\n"
model.replace(row, model.message(row).with_content(text))
while not imported_before_the_job or view.message_delegate().building():
    app.processEvents()
asyncio._set_running_loop(None)
shut_down()
print(imported_before_the_job)
"""


def test_what_rendering_imports_is_imported_before_a_worker_renders() -> None:
    """pygments loads names lazily, and two threads loading one at once can fail
    ("cannot import name 'HtmlFormatter'", seen once in a burst): the GUI thread
    imports them before the first job, even when the start it shows has no code."""
    done = run_fresh(FIRST_RENDER_ON_A_WORKER)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True]", done.stderr
