"""The conversation pane: Markdown, model, delegate and view, as a user meets them."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPainter,
    QTextCursor,
    QTextDocument,
    QTextTable,
)
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from bench.data import markdown_reply
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.ui.messages.browser import MessageBrowser
from mixtral_desktop.ui.messages.delegate import MessageDelegate
from mixtral_desktop.ui.messages.message_actions import plain_text
from mixtral_desktop.ui.messages.model import ConversationModel, MessageRole
from mixtral_desktop.ui.messages.rendering import Rendering
from mixtral_desktop.ui.messages.style import NOTE_COLOURS, body_width, bubble_style
from mixtral_desktop.ui.messages.view import ConversationView
from mixtral_desktop.ui.text import lexers as lexer_loader
from mixtral_desktop.ui.text.document import configure_document
from mixtral_desktop.ui.text.markdown import code_blocks
from mixtral_desktop.ui.text.renderer import MarkdownRenderer
from mixtral_desktop.ui.theme.palette import LIGHT as PALETTE

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

TWO_BLOCKS = """Two snippets:

```python
print("first")
```

and

```bash
echo second
ls -l
```
"""

RICH_REPLY = """## Reading a file

Use a `with` block so the file closes:

```python
from pathlib import Path

def count_lines(path: Path) -> int:
    # iterate lazily, one line at a time
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)
```

- **open()**: the built-in, works everywhere
- **pathlib**: object-oriented paths
  1. `Path.read_text()` for small files
  2. `Path.open()` for large ones

| Approach | Memory | Notes |
|---|---|---|
| `for line in f` | O(1) | lazy |
| `f.readlines()` | O(n) | loads everything |

See the [pathlib docs](https://docs.python.org/3/library/pathlib.html).
"""


def every_kind_of_message() -> list[Message]:
    return [
        Message(Role.SYSTEM, "Be brief."),
        Message(Role.USER, "Hello **there**"),
        Message(Role.ASSISTANT, RICH_REPLY),
        Message(Role.ASSISTANT, "Half a sen", state=MessageState.STREAMING),
        Message(Role.ASSISTANT, "", state=MessageState.WAITING),
        Message(Role.ASSISTANT, "Cut short", state=MessageState.INCOMPLETE, error="timeout"),
        Message(Role.ASSISTANT, "", state=MessageState.FAILED, error="HTTP 500"),
    ]


def many_messages(count: int) -> list[Message]:
    texts = [
        "Short question?",
        "A longer answer with **bold** text and a list:\n\n- one\n- two\n- three",
        "Some code:\n\n```python\nfor i in range(3):\n    print(i)\n```\n",
        "A paragraph " * 40,
    ]
    roles = [Role.USER, Role.ASSISTANT]
    return [
        Message(roles[i % 2], f"{i}: {texts[i % len(texts)]}", created=1_700_000_000.0 + i)
        for i in range(count)
    ]


def bar_at_bottom(view: ConversationView) -> bool:
    bar = view.verticalScrollBar()
    return bar.maximum() > 0 and bar.value() == bar.maximum()


def row_near_the_middle(view: ConversationView) -> QModelIndex:
    """A row on screen near its middle (a point in the gap between rows finds none)."""
    middle = view.viewport().rect().center()
    for dy in range(0, middle.y(), 4):
        index = view.indexAt(middle + QPoint(0, dy))
        if index.isValid():
            return index
    raise AssertionError("no row on screen")


def settle(qtbot: QtBot, view: ConversationView) -> None:
    """Let delayed layouts and size-hint updates run until the view stops changing."""
    last: tuple[int, int] | None = None

    def stable() -> bool:
        nonlocal last
        bar = view.verticalScrollBar()
        now = (bar.maximum(), bar.value(), view.viewport().width())
        done = now == last and not view.layout_pending()
        last = now
        return done

    qtbot.waitUntil(stable, timeout=5000)


# Markdown


def rendered_in_colour(qtbot: QtBot, rendering: Rendering, text: str) -> str:
    """``render(text)`` once the lexers its code needs are loaded."""
    renderer = rendering.renderer
    html = renderer.render(text)
    if rendering.lexers.is_loading():
        with qtbot.waitSignal(renderer.colours_ready, timeout=10_000):
            pass
        html = renderer.render(text)
    return html


def test_markdown_renders_headings_lists_tables_links_and_code(
    qtbot: QtBot, rendering: Rendering
) -> None:
    html = rendered_in_colour(qtbot, rendering, RICH_REPLY)
    assert "<h2>Reading a file</h2>" in html
    assert "<ul>" in html and "<ol>" in html and "<li>" in html
    assert '<table border="1"' in html and "<th>Approach</th>" in html
    assert '<a href="https://docs.python.org/3/library/pathlib.html">pathlib docs</a>' in html
    assert "<strong>open()</strong>" in html
    assert "<code>with</code>" in html
    # pygments colours keywords with inline styles, inside a monospace <pre>
    assert '<span style="color: #008000; font-weight: bold">def</span>' in html
    assert "<pre " in html and "monospace" in html
    assert 'href="copy-code:0"' in html and ">copy</a>" in html


ERLANG_REPLY = "Erlang:\n\n```erlang\n-module(hello).\nstart() -> io:format(\"hi~n\").\n```\n"
COLOURED = '<span style="color: #00F">start</span>'


def test_code_shows_plain_while_its_lexer_loads_then_in_colour(
    qtbot: QtBot,
    view: ConversationView,
    monkeypatch: pytest.MonkeyPatch,
    renderer: MarkdownRenderer,
) -> None:
    """No paint waits for pygments: the code is drawn at once, coloured when ready."""
    # (No other test shows Erlang, so its lexer is not loaded yet.) The build is held
    # until the plain paint is checked: a pool thread may build a lexer within
    # milliseconds, and a check made after it would see the code already coloured.
    release = threading.Event()
    build = lexer_loader._build
    monkeypatch.setattr(lexer_loader, "_build", lambda name: release.wait(10) and build(name))
    view.conversation_model().append(Message(Role.ASSISTANT, ERLANG_REPLY))
    delegate = view.message_delegate()
    built = delegate.documents_built
    width = body_width(view.viewport().width(), Role.ASSISTANT)

    def shown_html() -> str:  # what the row's document holds (cached: no new layout)
        document = delegate.document_for(ERLANG_REPLY, width)
        return "".join(piece.segment.html for piece in document.pieces)

    qtbot.waitUntil(lambda: delegate.documents_built > built)
    assert "start() -&gt; io:format" in shown_html()  # plain, right away
    assert COLOURED not in shown_html()
    height = view.visualRect(view.conversation_model().index(0, 0)).height()
    painted = delegate.documents_built
    with qtbot.waitSignal(renderer.colours_ready, timeout=10_000):
        release.set()
    qtbot.waitUntil(lambda: delegate.documents_built > painted)  # the view paints it again
    assert COLOURED in shown_html()
    assert view.visualRect(view.conversation_model().index(0, 0)).height() == height


def test_markdown_qt_sees_the_table_and_the_link(
    qapp: QApplication, renderer: MarkdownRenderer
) -> None:
    document = QTextDocument()
    document.setHtml(renderer.render(RICH_REPLY))
    tables = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert len(tables) == 2, document.rootFrame().childFrames()  # code box + Markdown table
    assert "Approach" in document.toPlainText()


def test_a_table_is_ruled_with_single_one_pixel_lines(
    qapp: QApplication, renderer: MarkdownRenderer
) -> None:
    """Cells drawn as a grid of single rules, not each cell boxed on its own (2 px seams)."""
    document = QTextDocument()
    configure_document(document, QFont("DejaVu Sans", 10))
    document.setHtml(renderer.render("| a | b | c |\n|---|---|---|\n| one | two | three |\n"))
    document.setTextWidth(400)
    image = QImage(420, int(document.size().height()) + 20, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(10, 10)
    document.drawContents(painter)
    painter.end()
    border = QColor(PALETTE.code_border).rgb()

    def runs(pixels: list[bool]) -> list[int]:
        lengths: list[int] = []
        for inside, group in itertools.groupby(pixels):
            if inside:
                lengths.append(len(list(group)))
        return lengths

    middle = image.height() // 2  # through the body row
    across = runs([image.pixel(x, middle) == border for x in range(image.width())])
    assert across == [1, 1, 1, 1], across  # left edge, two seams, right edge
    first_column = next(x for x in range(image.width()) if image.pixel(x, middle) == border) + 3
    down = runs([image.pixel(first_column, y) == border for y in range(image.height())])
    assert down == [1, 1, 1], down  # top, under the header row, bottom


def test_raw_html_shows_as_text(qapp: QApplication, renderer: MarkdownRenderer) -> None:
    html = renderer.render('<script>alert("x")</script> and <b>bold?</b>')
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert plain_text("<b>bold?</b>", renderer) == "<b>bold?</b>"


def test_every_code_block_gets_its_numbered_copy_link(renderer: MarkdownRenderer) -> None:
    html = renderer.render(TWO_BLOCKS)
    assert html.index('href="copy-code:0"') < html.index('href="copy-code:1"')
    assert "copy-code:2" not in html
    assert code_blocks(TWO_BLOCKS) == ['print("first")', "echo second\nls -l"]
    assert code_blocks("no code here") == []


def test_unknown_or_missing_language_still_renders_the_code(
    qapp: QApplication, renderer: MarkdownRenderer
) -> None:
    source = "```klingon\nqapla'\n```\n\n```\nplain & simple\n```"
    document = QTextDocument()
    document.setHtml(renderer.render(source))
    assert "qapla'" in document.toPlainText()
    assert "plain & simple" in document.toPlainText()
    assert code_blocks("```klingon\nqapla'\n```") == ["qapla'"]


def test_strikethrough_and_images_are_safe(renderer: MarkdownRenderer) -> None:
    html = renderer.render("~~old~~ ![a cat](https://example.com/cat.png)")
    assert "<s>old</s>" in html
    assert "<img" not in html and '<a href="https://example.com/cat.png">' in html


# Model


def test_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ConversationModel()
    model.set_messages(every_kind_of_message())
    qtmodeltester.check(model)
    row = model.append(Message(Role.USER, "more"))
    model.replace(row, Message(Role.USER, "more, edited"))
    model.refresh(0)
    model.remove_row(1)
    model.set_messages([])
    qtmodeltester.check(model)


def test_model_api(qtbot: QtBot) -> None:
    model = ConversationModel()
    messages = every_kind_of_message()
    model.set_messages(messages)
    assert model.rowCount() == len(messages)
    assert model.messages() == messages and model.messages() is not messages
    index = model.index(2, 0)
    assert model.data(index) == RICH_REPLY
    assert model.data(index, MessageRole) is messages[2]
    assert model.append(Message(Role.USER, "again")) == len(messages)

    def only_row_3(top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> bool:
        return top.row() == bottom.row() == 3

    streamed = messages[3].with_content("Half a sentence")
    with qtbot.waitSignal(model.dataChanged, check_params_cb=only_row_3):
        model.replace(3, streamed)
    assert model.message(3) is streamed
    with qtbot.waitSignal(model.dataChanged, check_params_cb=only_row_3):
        model.refresh(3)
    model.remove_row(model.rowCount() - 1)
    assert model.rowCount() == len(messages)
    model.remove_row(1)  # a message goes with every turn after it
    assert model.rowCount() == 1
    with pytest.raises(IndexError):
        model.replace(99, streamed)
    model.set_messages([])
    assert model.rowCount() == 0


# Delegate


def test_roles_are_painted_in_distinct_colours(qtbot: QtBot, view: ConversationView) -> None:
    model = view.conversation_model()
    model.set_messages(
        [Message(Role.USER, "Hi"), Message(Role.ASSISTANT, "Hello"), Message(Role.SYSTEM, "Rules")]
    )
    settle(qtbot, view)
    image = view.viewport().grab().toImage()
    colours = []
    for row in range(3):
        bubble = (
            view.message_delegate()
            .row_layout(view.visualRect(model.index(row, 0)), model.message(row))
            .bubble
        )
        # inside the bubble, in its bottom padding: no text there
        colour = image.pixelColor(bubble.right() - 6, bubble.bottom() - 4)
        colours.append(colour.name())
        assert colour.name() == QColor(bubble_style(model.message(row).role).background).name()
    assert len(set(colours)) == 3
    user, assistant = (view.visualRect(model.index(r, 0)) for r in range(2))
    delegate = view.message_delegate()
    user_bubble = delegate.row_layout(user, model.message(0)).bubble
    assistant_bubble = delegate.row_layout(assistant, model.message(1)).bubble
    assert user_bubble.left() > assistant_bubble.left()  # the user's turns sit to the right


def test_waiting_row_shows_elapsed_seconds(qtbot: QtBot, rendering: Rendering) -> None:
    now = 1_700_000_100.0
    delegate = MessageDelegate(rendering, clock=lambda: now)
    waiting = Message(Role.ASSISTANT, "", state=MessageState.WAITING, created=now - 42.7)
    assert delegate.status_text(waiting) == "Waiting for Mixtral… 42 s"
    now += 1
    assert delegate.status_text(waiting) == "Waiting for Mixtral… 43 s"


def test_state_notes(qtbot: QtBot, rendering: Rendering) -> None:
    delegate = MessageDelegate(rendering)
    done = Message(Role.ASSISTANT, "ok")
    incomplete = Message(Role.ASSISTANT, "par", state=MessageState.INCOMPLETE)
    failed = Message(Role.ASSISTANT, "", state=MessageState.FAILED, error="HTTP 500")
    assert delegate.status_text(done) is None
    assert delegate.status_text(incomplete) == "Reply incomplete"
    assert delegate.status_text(failed) == "Reply failed: HTTP 500"
    assert QColor(NOTE_COLOURS[MessageState.FAILED]).red() > 150


def test_waiting_row_repaints_with_the_new_count(
    qtbot: QtBot, view: ConversationView, rendering: Rendering
) -> None:
    clock = [1_700_000_000.0]
    delegate = MessageDelegate(rendering, view, clock=lambda: clock[0])
    view.setItemDelegate(delegate)
    model = view.conversation_model()
    model.append(Message(Role.ASSISTANT, "", state=MessageState.WAITING, created=clock[0] - 3))
    settle(qtbot, view)
    before = view.viewport().grab().toImage()
    clock[0] += 5
    model.refresh(0)
    qtbot.waitUntil(lambda: view.viewport().grab().toImage() != before)


def test_size_hint_of_an_unpainted_row_lays_no_text_out(qtbot: QtBot, rendering: Rendering) -> None:
    view = ConversationView(rendering)
    qtbot.addWidget(view)
    view.conversation_model().set_messages(many_messages(50))
    delegate = view.message_delegate()
    for row in range(50):
        assert view.sizeHintForIndex(view.model().index(row, 0)).height() > 0
    assert delegate.documents_built == 0


def test_a_bigger_font_makes_taller_rows(qtbot: QtBot, view: ConversationView) -> None:
    model = view.conversation_model()
    model.set_messages([Message(Role.USER, "Some words"), Message(Role.ASSISTANT, RICH_REPLY)])
    settle(qtbot, view)
    before = view.visualRect(model.index(1, 0)).height()
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    view.setFont(font)
    qtbot.waitUntil(lambda: view.visualRect(model.index(1, 0)).height() > before)


# View: auto-scroll


def test_follows_new_rows_at_the_bottom_and_stays_put_when_scrolled_up(
    qtbot: QtBot, view: ConversationView
) -> None:
    model = view.conversation_model()
    model.set_messages(many_messages(30))
    view.scroll_to_end()
    settle(qtbot, view)
    assert bar_at_bottom(view) and view.is_following()

    bar = view.verticalScrollBar()
    old_max = bar.maximum()
    model.append(Message(Role.USER, "A new question\n\nwith two paragraphs"))
    qtbot.waitUntil(lambda: bar.maximum() > old_max and bar.value() == bar.maximum())

    bar.setValue(bar.maximum() // 2)  # the user scrolls up to read
    assert not view.is_following()
    settle(qtbot, view)
    reading = row_near_the_middle(view)
    position, old_max = view.visualRect(reading).top(), bar.maximum()
    model.append(Message(Role.ASSISTANT, "An answer they did not ask to jump to"))
    qtbot.waitUntil(lambda: bar.maximum() > old_max)
    settle(qtbot, view)
    assert view.visualRect(reading).top() == position and not view.is_following()

    bar.setValue(bar.maximum())  # back at the bottom: following again
    assert view.is_following()
    old_max = bar.maximum()
    model.append(Message(Role.USER, "And one more"))
    qtbot.waitUntil(lambda: bar.maximum() > old_max and bar.value() == bar.maximum())


def test_measuring_rows_above_does_not_move_the_text_being_read(
    qtbot: QtBot, view: ConversationView
) -> None:
    model = view.conversation_model()
    # tables, lists and code: their estimated heights are well off the exact ones
    model.set_messages([Message(Role.ASSISTANT, f"{i}\n\n{RICH_REPLY}") for i in range(500)])
    view.scroll_to_end()
    settle(qtbot, view)
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)  # far into rows whose heights are estimates
    reading = row_near_the_middle(view)
    top = view.visualRect(reading).top()
    drain(view)
    assert view.visualRect(reading).top() == top  # the rows came in measured
    settle(qtbot, view)  # the pause in scrolling measures a wide band and relayouts
    assert view.visualRect(reading).top() == top
    assert not view.is_following()


def test_a_growing_streaming_row_keeps_the_view_at_the_bottom(
    qtbot: QtBot, view: ConversationView
) -> None:
    model = view.conversation_model()
    model.set_messages(many_messages(20))
    text = "The reply starts.\n\n"
    row = model.append(Message(Role.ASSISTANT, text, state=MessageState.STREAMING))
    view.scroll_to_end()
    settle(qtbot, view)
    bar = view.verticalScrollBar()
    for chunk in range(12):
        text += f"Line {chunk} of a reply that keeps coming.\n\n"
        old_max = bar.maximum()
        model.replace(row, model.message(row).with_content(text))
        qtbot.waitUntil(lambda old=old_max: bar.maximum() > old and bar.value() == bar.maximum())
    assert view.is_following()


# View: selection, links, copying


def find_link(browser: MessageBrowser, href: str) -> QPoint:
    """Where in the browser's viewport the link ``href`` is drawn."""
    document = browser.document()
    cursor = document.find("copy")
    while not cursor.isNull():
        probe = QTextCursor(document)
        probe.setPosition(cursor.selectionStart() + 1)
        if probe.charFormat().anchorHref() == href:
            return browser.cursorRect(probe).center()
        cursor = document.find("copy", cursor)
    raise AssertionError(f"no link {href}")


def test_clicking_copy_under_a_code_block_copies_that_block(
    qtbot: QtBot, view: ConversationView
) -> None:
    model = view.conversation_model()
    model.set_messages([Message(Role.USER, "Show me"), Message(Role.ASSISTANT, TWO_BLOCKS)])
    settle(qtbot, view)
    QGuiApplication.clipboard().setText("before")
    browser = view.show_text_at(1)
    assert browser is not None and browser.isVisible()
    qtbot.waitUntil(browser.isVisible)
    position = find_link(browser, "copy-code:1")
    with qtbot.waitSignal(view.message_actions.code_copied) as copied:
        qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=position)
    assert copied.args == ["echo second\nls -l"]
    assert QGuiApplication.clipboard().text() == "echo second\nls -l"


def test_hovering_a_message_lays_selectable_text_over_it(
    qtbot: QtBot, view: ConversationView
) -> None:
    model = view.conversation_model()
    model.set_messages([Message(Role.USER, "Question"), Message(Role.ASSISTANT, RICH_REPLY)])
    settle(qtbot, view)
    view.entered.emit(model.index(1, 0))  # what moving the mouse there emits
    browser = view.text_browser()
    assert browser is not None and browser.source_text == RICH_REPLY
    rect = view.visualRect(model.index(1, 0))
    body = view.message_delegate().row_layout(rect, model.message(1)).body
    assert browser.geometry() == body  # exactly over the painted text
    assert browser.document().size().height() == body.height()
    assert browser.isReadOnly() and not browser.openLinks()

    browser.selectAll()
    qtbot.keyClick(browser, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert "Reading a file" in QGuiApplication.clipboard().text()

    # a selection survives hovering other rows, a click elsewhere moves the text on
    view.entered.emit(model.index(0, 0))
    assert view.text_browser() is browser
    first = view.visualRect(model.index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
    moved = view.text_browser()
    assert moved is not None and moved.source_text == "Question"


def test_selectable_text_over_a_long_message_reuses_what_the_row_rendered(
    qtbot: QtBot,
    view: ConversationView,
    monkeypatch: pytest.MonkeyPatch,
    renderer: MarkdownRenderer,
) -> None:
    rendered: list[str] = []  # what the text browser rendered from Markdown itself
    render = renderer.render
    monkeypatch.setattr(
        renderer, "render", lambda t, copy_links=True: rendered.append(t) or render(t, copy_links)
    )
    text = markdown_reply(30_000)
    model = view.conversation_model()
    model.set_messages([Message(Role.USER, "Long, please"), Message(Role.ASSISTANT, text)])
    view.scroll_to_end()
    settle(qtbot, view)
    view.show_text_at(0)  # (the pointer may have rested on the long row before it was laid out)
    rendered.clear()
    browser = view.show_text_at(1)
    assert browser is not None and browser.source_text == text
    assert rendered == []  # no Markdown render on hover: the row's pieces, joined
    whole = QTextDocument()
    whole.setHtml(renderer.render(text))
    assert browser.toPlainText() == whole.toPlainText()


def test_a_streaming_reply_gets_selectable_text_once_it_has_finished(
    qtbot: QtBot, view: ConversationView
) -> None:
    """The browser renders a whole text at every update: a reply still streaming is
    only painted (laid out a tail at a time), even under a resting pointer."""
    model = view.conversation_model()
    model.append(Message(Role.USER, "Question"))
    row = model.append(Message(Role.ASSISTANT, "Hel", state=MessageState.STREAMING))
    settle(qtbot, view)
    assert view.show_text_at(row) is None
    qtbot.mouseMove(view.viewport(), view.visualRect(model.index(row, 0)).center())
    model.replace(row, model.message(row).with_content("Hello, wor"))
    assert view.text_browser() is None
    model.replace(row, dataclasses.replace(
        model.message(row), content="Hello, world", state=MessageState.DONE
    ))
    settle(qtbot, view)
    qtbot.mouseMove(view.viewport(), view.visualRect(model.index(row, 0)).center() + QPoint(3, 0))
    browser = view.text_browser()
    assert browser is not None and browser.source_text == "Hello, world"
    assert "Hello, world" in browser.toPlainText()


def test_selectable_text_leaves_a_reply_that_streams_again(
    qtbot: QtBot, view: ConversationView
) -> None:
    """(Continue makes a cut-short reply stream again.)"""
    model = view.conversation_model()
    row = model.append(
        Message(Role.ASSISTANT, "Cut sh", state=MessageState.INCOMPLETE)
    )
    settle(qtbot, view)
    assert view.show_text_at(row) is not None
    model.replace(row, dataclasses.replace(
        model.message(row), content="Cut short, then", state=MessageState.STREAMING
    ))
    assert view.text_browser() is None


def test_context_menu_copies_source_plain_text_and_code(
    qtbot: QtBot, view: ConversationView
) -> None:
    model = view.conversation_model()
    model.set_messages([Message(Role.ASSISTANT, "# Title\n\n**bold** text\n\n" + TWO_BLOCKS)])
    menu = view.message_actions.menu(0, view)
    actions = {action.text(): action for action in menu.actions() if action.text()}
    assert list(actions) == [
        "Copy message (Markdown)",
        "Copy as plain text",
        "Copy code block 1",
        "Copy code block 2",
        "Edit",
        "Regenerate",
        "Delete",
    ]
    actions["Copy message (Markdown)"].trigger()
    assert QGuiApplication.clipboard().text() == model.message(0).content
    actions["Copy as plain text"].trigger()
    plain = QGuiApplication.clipboard().text()
    assert plain.startswith("Title\n") and "bold text" in plain and "**" not in plain
    assert "copy" not in plain
    with qtbot.waitSignal(view.message_actions.code_copied):
        actions["Copy code block 1"].trigger()
    assert QGuiApplication.clipboard().text() == 'print("first")'
    with_selection = view.message_actions.menu(0, view, "bold")
    assert with_selection.actions()[0].text() == "Copy"


def test_web_links_go_to_the_desktop(qtbot: QtBot, view: ConversationView, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    opened: list[QUrl] = []
    monkeypatch.setattr(
        "mixtral_desktop.ui.messages.message_actions.QDesktopServices.openUrl",
        lambda url: opened.append(url) or True,
    )
    view.conversation_model().append(Message(Role.ASSISTANT, "[x](https://example.com)"))
    view.message_actions.activate_link(0, QUrl("https://example.com"))
    view.message_actions.activate_link(0, QUrl("file:///etc/passwd"))
    assert opened == [QUrl("https://example.com")]


# Big conversations


def drain(view: ConversationView) -> None:
    """Run paints and the relayouts they ask for, without waiting on a clock."""
    for _ in range(50):
        QApplication.processEvents()
        if not view.message_delegate().rows.relayout_pending():
            return


def test_ten_thousand_messages_open_lazily(qtbot: QtBot, view: ConversationView) -> None:
    messages = many_messages(10_000)
    delegate = view.message_delegate()
    started = time.perf_counter()
    view.conversation_model().set_messages(messages)
    view.scroll_to_end()
    drain(view)
    opened = time.perf_counter() - started
    settle(qtbot, view)
    assert bar_at_bottom(view)
    assert view.indexAt(view.viewport().rect().bottomLeft() - QPoint(-20, 8)).row() == 9_999
    built_on_open = delegate.documents_built

    bar = view.verticalScrollBar()
    started = time.perf_counter()
    for step in range(1, 21):  # jump through the whole conversation, upwards
        bar.setValue(bar.maximum() - step * bar.maximum() // 20)
        drain(view)
    jumped = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):  # then wheel-sized steps down from the top
        bar.setValue(bar.value() + 120)
        drain(view)
    stepped = time.perf_counter() - started
    print(
        f"\n10k messages: open + scroll to end {opened:.3f}s ({built_on_open} documents); "
        f"20 jumps {jumped:.3f}s; 100 steps of 120 px {stepped:.3f}s; "
        f"{delegate.documents_built} documents built in all"
    )
    assert built_on_open < 60  # the rows at the end, not 10,000
    # each far jump measures a few screens around where it lands, not the rows between
    assert delegate.documents_built < 1_500
    assert opened < 10 and jumped < 10 and stepped < 10


class CountingDelegate(MessageDelegate):
    def __init__(self, rendering: Rendering) -> None:
        super().__init__(rendering)
        self.size_hints = 0

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # type: ignore[override]
        self.size_hints += 1
        return super().sizeHint(option, index)


def test_streaming_into_a_long_conversation_relayouts_only_when_a_line_is_added(
    qtbot: QtBot, rendering: Rendering,
) -> None:
    delegate = CountingDelegate(rendering)
    view = ConversationView(rendering, delegate=delegate)
    qtbot.addWidget(view)
    view.resize(720, 480)
    view.show()
    model = view.conversation_model()
    model.set_messages(many_messages(5_000))
    row = model.append(Message(Role.ASSISTANT, "One", state=MessageState.STREAMING))
    view.scroll_to_end()
    settle(qtbot, view)

    delegate.size_hints = 0
    started = time.perf_counter()
    for word in ("two", "three", "four"):  # same line: the height does not move
        model.replace(row, model.message(row).with_content(model.message(row).content + " " + word))
        qtbot.waitUntil(lambda: not delegate.rows.relayout_pending())
    settle(qtbot, view)
    same_line = time.perf_counter() - started
    assert delegate.size_hints < 50

    delegate.size_hints = 0
    bar = view.verticalScrollBar()
    old_max = bar.maximum()
    model.replace(row, model.message(row).with_content("One two three four\n\nfive"))
    qtbot.waitUntil(lambda: bar.maximum() > old_max and bar.value() == bar.maximum())
    assert 5_000 <= delegate.size_hints < 2 * 5_000 + 50  # one layout of every row
    print(f"\n3 same-line chunks into 5,000 rows: {same_line:.3f}s")


# What it looks like


def test_screenshot_of_representative_messages(qtbot: QtBot, view: ConversationView) -> None:
    view.resize(760, 1080)
    model = view.conversation_model()
    model.set_messages(
        [
            Message(Role.SYSTEM, "You are a concise assistant. Answer in **Markdown**."),
            Message(Role.USER, "How do I count the lines of a file in Python?"),
            Message(Role.ASSISTANT, RICH_REPLY),
            Message(Role.USER, "Thanks! And for a *huge* file?"),
            Message(
                Role.ASSISTANT,
                "Iterate lazily, as above; memory stays flat because",
                state=MessageState.STREAMING,
            ),
            Message(
                Role.ASSISTANT, "Partial reply", state=MessageState.INCOMPLETE, error="timeout"
            ),
            Message(Role.ASSISTANT, "", state=MessageState.FAILED, error="HTTP 500 from Segmind"),
            Message(Role.ASSISTANT, "", state=MessageState.WAITING, created=time.time() - 7),
        ]
    )
    view.scroll_to_end()
    settle(qtbot, view)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(ARTIFACTS / "conversation_view.png"))


def test_sizing_every_row_at_once_matches_asking_row_by_row(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, rendering: Rendering
) -> None:
    """The first layout's bulk sizing gives each row exactly the height sizeHint would."""
    messages = many_messages(400)
    messages[7] = dataclasses.replace(messages[7], state=MessageState.INCOMPLETE)  # a note line
    messages[9] = messages[9].with_content("")
    messages[11] = messages[11].with_content("A long finished reply.\n\n" * 400)  # > 6,000

    def row_heights() -> list[int]:
        view = ConversationView(rendering)
        qtbot.addWidget(view)
        view.resize(700, 500)
        view.show()
        view.conversation_model().set_messages(messages)
        view.doItemsLayout()
        model = view.conversation_model()
        return [view.rectForIndex(model.index(row, 0)).height() for row in range(len(messages))]

    in_bulk = row_heights()
    monkeypatch.setattr(MessageDelegate, "size_rows", lambda self, messages, width: None)
    one_by_one = row_heights()
    assert in_bulk == one_by_one
    assert len(set(in_bulk)) > 3
