"""Documents in the real window against the fake Segmind: attached from the button's
dialog, Ctrl+U, a drop, a paste; read on a worker with progress and Cancel; chips with
their token counts in the meter; sent in the documented form ("View as sent" shows it);
kept in the draft across a restart; and every bad file says which file and why while
the draft and the other documents stay."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.attachments import document_block
from mixtral_desktop.core.domain.tokens import TokenCounter
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.attachments.chips import AttachmentChip, ReadingChip
from mixtral_desktop.ui.attachments.dialogs import TextViewer
from mixtral_desktop.ui.shell.chat_tab import ChatTab
from mixtral_desktop.ui.shell.main_window import MainWindow
from tests.conftest import FAST_RETRY
from tests.fakes.pdf_files import write_encrypted_pdf, write_pdf
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

WAIT_MS = 15_000
OpenWindow = Callable[[], MainWindow]
NOTES = "# Notes\n\nThe launch is on Tuesday.\nBring the slides.\n"


@pytest.fixture
def open_window(qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind) -> OpenWindow:
    """Each call is a new start of the app on the same profile."""
    fake_segmind.configure(reply="Understood.")

    def make() -> MainWindow:
        config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=30)
        clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config,
                                 retry=FAST_RETRY)
        window = windows.open(clients, Store.open(paths.history_file()))
        window.resize(1000, 720)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    return make


@pytest.fixture
def window(open_window: OpenWindow) -> Iterator[MainWindow]:
    made = open_window()
    yield made
    made.close()


def chips(tab: ChatTab) -> list[AttachmentChip]:
    return tab.documents.tray.chips()


def attached(qtbot: QtBot, tab: ChatTab, count: int) -> list[AttachmentChip]:
    """Wait for ``count`` chips, each with its token count."""
    qtbot.waitUntil(
        lambda: len(chips(tab)) == count and all(c.tokens is not None for c in chips(tab)),
        timeout=WAIT_MS,
    )
    return chips(tab)


def problem(tab: ChatTab) -> str:
    line = tab.documents.tray.problem
    return line.label.text() if line.isVisibleTo(tab) else ""


def files_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(widget: QWidget, mime: QMimeData) -> None:
    at = QPointF(widget.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(at, Qt.DropAction.CopyAction, mime, buttons, mods))


def test_a_document_is_sent_with_the_question_and_shown_as_sent(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    tab = window.current_tab()
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    counts: list[int] = []
    tab.context.counted.connect(counts.append)
    qtbot.keyClicks(tab.composer.input, "Wh")
    qtbot.waitUntil(lambda: bool(counts), timeout=WAIT_MS)
    before = counts[-1]
    drop(tab.composer.input, files_mime(notes))
    (chip,) = attached(qtbot, tab, 1)
    block = document_block("notes.md", NOTES)
    assert chip.tokens == TokenCounter().count_text(block)
    assert "notes.md" in chip.label.text() and "5 lines" in chip.label.text()
    assert f"{chip.tokens:,} tokens" in chip.label.text()
    assert chip.accessibleName() == "Attached document notes.md"
    # The meter counts the document with the draft.
    tokens = chip.tokens
    qtbot.waitUntil(lambda: counts[-1] > before + tokens - 5, timeout=WAIT_MS)
    assert tab.composer.meter.label.text() == f"{counts[-1]:,} / 65,536"
    # View text shows what was read.
    chip.view_button.click()
    viewer = tab.findChild(TextViewer)
    assert viewer is not None and viewer.text.toPlainText() == NOTES
    viewer.close()
    qtbot.keyClicks(tab.composer.input, "en is the launch?")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(fake_segmind.chat_requests) == 1, timeout=WAIT_MS)
    sent = fake_segmind.chat_requests[0].json["messages"][-1]
    assert sent == {"role": "user", "content": f"{block}\n\nWhen is the launch?"}
    assert chips(tab) == [] and tab.composer.text() == ""
    question = tab.model.message(0)
    assert [a.name for a in question.attachments] == ["notes.md"]
    assert "with attached notes.md (5 lines)" in tab.model.data(tab.model.index(0, 0),
                                                   Qt.ItemDataRole.AccessibleTextRole)
    tab.documents._view_as_sent(0)  # (the message menu's "View as sent")
    shown = [v for v in tab.findChildren(TextViewer) if v.isVisible()]
    assert shown[-1].windowTitle() == "As sent to the model"
    assert shown[-1].text.toPlainText() == sent["content"]


def test_ctrl_u_opens_the_file_dialog_for_several_files(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    (tmp_path / "a.txt").write_text("alpha\n", encoding="utf-8")
    write_pdf(tmp_path / "b.pdf", ["Page one text.", "Page two text."])
    tab.composer.input.setFocus()
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    dialog = tab.documents.picker.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert dialog.fileMode() is QFileDialog.FileMode.ExistingFiles
    dialog.setDirectory(str(tmp_path))
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name is not None
    name.setText('"a.txt" "b.pdf"')
    dialog.accept()
    first, second = attached(qtbot, tab, 2)
    assert (first.attachment.name, second.attachment.name) == ("a.txt", "b.pdf")
    assert "2 pages" in second.label.text()
    # The button opens the same dialog.
    tab.composer.attach_button.click()
    assert tab.documents.picker.dialog is not None
    tab.documents.picker.dialog.reject()


def test_files_pasted_and_a_long_text_pasted_become_documents(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    source = tmp_path / "main.py"
    source.write_text("print('hello')\n" * 20, encoding="utf-8")
    QGuiApplication.clipboard().setMimeData(files_mime(source))
    tab.composer.input.paste()
    attached(qtbot, tab, 1)
    assert tab.composer.text() == ""  # (the file's path is not pasted as text)
    long_text = "A long log line that goes on.\n" * 400
    QGuiApplication.clipboard().setText(long_text)
    tab.composer.input.paste()
    offer = tab.findChild(QMessageBox, "long_paste_dialog")
    assert offer is not None and offer.isVisible()
    offer.findChild(QPushButton, "long_paste_attach").click()
    _, pasted = attached(qtbot, tab, 2)
    assert pasted.attachment.name == "Pasted text 1.txt"
    assert pasted.attachment.text == long_text and tab.composer.text() == ""
    # Removed, a chip is gone and the rest stays.
    pasted.remove_button.click()
    assert [c.attachment.name for c in chips(tab)] == ["main.py"]


def test_drop_on_the_conversation_attaches(qtbot: QtBot, window: MainWindow,
                                           tmp_path: Path) -> None:
    tab = window.current_tab()
    data = tmp_path / "table.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    drop(tab.view.viewport(), files_mime(data))
    (chip,) = attached(qtbot, tab, 1)
    assert chip.attachment.kind == "csv"


@pytest.mark.parametrize(
    ("name", "write", "reason"),
    [
        ("data.dat", lambda p: p.write_bytes(b"\x00\x01\x02binary" * 100), "not a text document"),
        ("sheet.xlsx", lambda p: p.write_bytes(b"PK"), "the app reads text and source code"),
        ("scan.pdf", lambda p: write_pdf(p, ["", "", ""]), "no text found on pages 1–3"),
        ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n garbage"), "broken.pdf"),
        ("gone.txt", lambda p: None, "gone.txt"),
    ],
)
def test_a_bad_file_says_which_and_why_and_loses_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, name: str,
    write: Callable[[Path], object], reason: str,
) -> None:
    tab = window.current_tab()
    good = tmp_path / "good.txt"
    good.write_text("Kept.\n", encoding="utf-8")
    tab.documents.attach([good])
    attached(qtbot, tab, 1)
    qtbot.keyClicks(tab.composer.input, "my half-written question")
    bad = tmp_path / name
    write(bad)
    tab.documents.attach([bad])
    qtbot.waitUntil(lambda: bool(problem(tab)), timeout=WAIT_MS)
    assert f"Could not attach {name}" in problem(tab) and reason in problem(tab)
    assert [c.attachment.name for c in chips(tab)] == ["good.txt"]
    assert tab.composer.text() == "my half-written question"
    assert tab.documents.tray.reading() == []


def test_an_encrypted_pdf_asks_for_its_password(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    secret = write_encrypted_pdf(tmp_path / "secret.pdf", ["Top secret page."], "opensesame")
    tab.documents.attach([secret])

    def asked() -> QInputDialog | None:
        found = [d for d in tab.findChildren(QInputDialog, "pdf_password_dialog")
                 if d.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: asked() is not None, timeout=WAIT_MS)
    dialog = asked()
    assert dialog is not None and "protected by a password" in dialog.labelText()
    assert dialog.textEchoMode() is QLineEdit.EchoMode.Password
    dialog.setTextValue("wrong")
    dialog.accept()
    qtbot.waitUntil(lambda: asked() is not None and "wrong" in asked().labelText(),
                    timeout=WAIT_MS)
    again = asked()
    assert again is not None
    again.setTextValue("opensesame")
    again.accept()
    (chip,) = attached(qtbot, tab, 1)
    assert chip.attachment.text == "Top secret page."


def test_a_long_read_shows_its_pages_and_can_be_cancelled(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    qtbot.keyClicks(tab.composer.input, "draft")
    # (~2 s to read here: 3,000 pages of 3,000 characters)
    pages = [f"Page {n} " + "of the long report, " * 150 for n in range(3000)]
    big = write_pdf(tmp_path / "big.pdf", pages)
    tab.documents.attach([big])

    def reading() -> ReadingChip | None:
        found = tab.documents.tray.reading()
        return found[0] if found else None

    qtbot.waitUntil(lambda: reading() is not None and "/ 3,000" in reading().label.text(),
                    timeout=WAIT_MS)
    chip = reading()
    assert chip is not None and chip.label.text().startswith("Reading big.pdf… page ")
    # Sending waits for it, saying so; nothing is lost.
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    assert "big.pdf is still being read" in problem(tab)
    assert tab.model.rowCount() == 0 and tab.composer.text() == "draft"
    chip.cancel_button.click()
    qtbot.waitUntil(lambda: tab.documents.tray.reading() == [], timeout=WAIT_MS)
    assert chips(tab) == [] and tab.composer.text() == "draft"


def test_the_drafts_documents_survive_a_restart(
    qtbot: QtBot, open_window: OpenWindow, tmp_path: Path
) -> None:
    window = open_window()
    tab = window.current_tab()
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    tab.documents.attach([notes])
    attached(qtbot, tab, 1)
    reader = Store.open(paths.history_file())
    qtbot.waitUntil(lambda: bool(reader.list_conversations()), timeout=WAIT_MS)
    conversation = reader.list_conversations()[0].id
    # Saved at once (a kill now loses nothing), the text with it.
    assert [a.text for a in reader.attachments.of_draft(conversation)] == [NOTES]
    reader.close()
    notes.unlink()  # (the original is not needed again: the text is kept)
    window.close()
    window.store.close()
    again = open_window()
    restored = again.current_tab()
    (chip,) = chips(restored)
    assert chip.attachment.name == "notes.md" and chip.attachment.text == NOTES
    assert restored.composer.send_button.isEnabled()
    qtbot.keyClick(restored.composer.input, Qt.Key.Key_Return)  # (sent with no text)
    qtbot.waitUntil(lambda: restored.model.rowCount() == 2, timeout=WAIT_MS)
    assert restored.model.message(0).attachments[0].name == "notes.md"
    again.close()
    again.store.close()




def test_a_document_larger_than_the_room_left_offers_to_keep_part(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tab = window.current_tab()
    huge = tmp_path / "log.txt"
    lines = [f"line {n}: the service answered in {n % 97} ms" for n in range(12_000)]
    huge.write_text("\n".join(lines), encoding="utf-8")
    tab.documents.attach([huge])
    (chip,) = attached(qtbot, tab, 1)
    assert chip.tokens is not None and chip.tokens > 65_536
    qtbot.waitUntil(lambda: chip.keep_part_button.isVisibleTo(tab), timeout=WAIT_MS)
    assert "Larger than the room left" in chip.warning.text()
    assert "Keep only some lines" in chip.warning.text()
    chip.keep_part_button.click()
    dialog = tab.findChild(QWidget, "keep_part_dialog")
    assert dialog is not None and dialog.isVisible()
    first, last = dialog.first, dialog.last  # type: ignore[attr-defined]
    assert 1 < last.value() < 12_000  # (what fits, suggested)
    first.setValue(101)
    last.setValue(200)
    dialog.accept()  # type: ignore[attr-defined]
    (part,) = attached(qtbot, tab, 1)
    assert part.attachment.name == "log.txt (lines 101–200)"
    assert part.attachment.text == "\n".join(lines[100:200])
    qtbot.waitUntil(lambda: not part.warning.isVisibleTo(tab), timeout=WAIT_MS)


def test_edit_and_regenerate_keep_the_documents(
    qtbot: QtBot, window: MainWindow, fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    tab = window.current_tab()
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    tab.documents.attach([notes])
    attached(qtbot, tab, 1)
    qtbot.keyClicks(tab.composer.input, "Summarise")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.is_busy() and tab.model.rowCount() == 2, timeout=WAIT_MS)
    block = document_block("notes.md", NOTES)
    tab.branching.regenerate()
    qtbot.waitUntil(lambda: len(fake_segmind.chat_requests) == 2 and not tab.is_busy(),
                    timeout=WAIT_MS)
    assert fake_segmind.chat_requests[1].json["messages"][-1]["content"] == (
        f"{block}\n\nSummarise")
    tab.begin_edit(0)
    tab.composer.set_text("Summarise in one line")
    qtbot.keyClick(tab.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(fake_segmind.chat_requests) == 3 and not tab.is_busy(),
                    timeout=WAIT_MS)
    assert fake_segmind.chat_requests[2].json["messages"][-1]["content"] == (
        f"{block}\n\nSummarise in one line")
    assert tab.model.message(0).attachments[0].name == "notes.md"
    assert tab.model.version(0) == (2, 2)
