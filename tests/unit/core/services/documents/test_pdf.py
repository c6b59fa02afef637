"""The PDF reader (core/services/documents/pdf.py) on PDFs written by tests/fakes/pdf_files.py:
text and pages, progress, cancelling, the time limit, passwords, scanned pages, damaged,
missing and oversized files, and pypdfium2 staying out of start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from mixtral_desktop.core.services.documents import limits, pdf
from mixtral_desktop.core.services.documents.errors import (
    Cancelled,
    Corrupt,
    NoText,
    PasswordRequired,
    TimedOut,
    TooLarge,
    Unreadable,
    WrongPassword,
)
from mixtral_desktop.core.services.documents.pdf import read_pdf
from tests.fakes.pdf_files import (
    write_encrypted_pdf,
    write_garbage,
    write_pdf,
    write_truncated_pdf,
)

THREE = ["First page (one)\nits second line", "Second page", "Third page"]


def test_reads_every_page_joined_by_a_blank_line(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "report.pdf", THREE)
    got = read_pdf(path)
    assert got.text == "First page (one)\nits second line\n\nSecond page\n\nThird page"
    assert (got.name, got.kind, got.pages, got.empty_pages) == ("report.pdf", "pdf", 3, ())
    assert "\r" not in got.text


def test_progress_after_each_page(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    read_pdf(write_pdf(tmp_path / "a.pdf", THREE), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_cancelled_after_page_two(tmp_path: Path) -> None:
    done: list[int] = []
    with pytest.raises(Cancelled) as caught:
        read_pdf(
            write_pdf(tmp_path / "a.pdf", THREE),
            progress=lambda d, t: done.append(d),
            cancelled=lambda: len(done) >= 2,
        )
    assert str(caught.value) == "a.pdf: reading was cancelled"
    assert done == [1, 2]


def fake_clock(times: list[float]) -> Callable[[], float]:
    values: Iterator[float] = iter(times)
    last = [0.0]

    def clock() -> float:
        last[0] = next(values, last[0])
        return last[0]

    return clock


def test_time_limit(tmp_path: Path) -> None:
    done: list[int] = []
    # the start, page 1 (10 s in), then the clock jumps past the 60 s limit
    with pytest.raises(TimedOut) as caught:
        read_pdf(
            write_pdf(tmp_path / "slow.pdf", THREE),
            progress=lambda d, t: done.append(d),
            clock=fake_clock([0.0, 10.0, 61.0]),
        )
    assert done == [1]
    assert str(caught.value) == (
        "slow.pdf: reading took longer than 60 s; the file may be crafted to be slow"
    )


def test_within_the_time_limit(tmp_path: Path) -> None:
    got = read_pdf(write_pdf(tmp_path / "a.pdf", THREE), clock=fake_clock([0, 20, 40, 59.9]))
    assert got.pages == 3


def test_three_hundred_pages(tmp_path: Path) -> None:
    texts = [f"Page number {n}" for n in range(1, 301)]
    calls: list[tuple[int, int]] = []
    path = write_pdf(tmp_path / "big.pdf", texts)
    got = read_pdf(path, progress=lambda d, t: calls.append((d, t)))
    assert got.pages == 300 and got.empty_pages == ()
    assert got.text == "\n\n".join(texts)
    assert len(calls) == 300 and calls[-1] == (300, 300)


def test_encrypted_needs_its_password(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "secret.pdf", ["Top secret", "More"], "s3cret")
    with pytest.raises(PasswordRequired) as caught:
        read_pdf(path)
    assert type(caught.value) is PasswordRequired
    assert str(caught.value) == "secret.pdf: the PDF is encrypted; enter its password to read it"
    with pytest.raises(PasswordRequired) as caught:
        read_pdf(path, password="")
    assert type(caught.value) is PasswordRequired
    with pytest.raises(WrongPassword) as wrong:
        read_pdf(path, password="guess")
    assert str(wrong.value) == "secret.pdf: the password does not open this PDF"
    got = read_pdf(path, password="s3cret")
    assert (got.text, got.pages) == ("Top secret\n\nMore", 2)


def test_scanned_pdf_has_no_text(tmp_path: Path) -> None:
    with pytest.raises(NoText) as caught:
        read_pdf(write_pdf(tmp_path / "scan.pdf", [""] * 12))
    assert str(caught.value) == "scan.pdf: no text found on pages 1–12; scanned pages are not read"


def test_one_scanned_page(tmp_path: Path) -> None:
    with pytest.raises(NoText) as caught:
        read_pdf(write_pdf(tmp_path / "scan.pdf", [""]))
    assert str(caught.value) == "scan.pdf: no text found on page 1; scanned pages are not read"


def test_whitespace_only_pages_count_as_empty(tmp_path: Path) -> None:
    got = read_pdf(write_pdf(tmp_path / "a.pdf", ["Text", "   ", "More  "]))
    assert (got.text, got.empty_pages) == ("Text\n\nMore", (2,))


def test_some_pages_empty(tmp_path: Path) -> None:
    got = read_pdf(write_pdf(tmp_path / "mixed.pdf", ["One", "", "", "Four", "Five"]))
    assert got.empty_pages == (2, 3)
    assert got.pages == 5
    assert got.text == "One\n\nFour\n\nFive"


def test_truncated_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(Corrupt) as caught:
        read_pdf(write_truncated_pdf(tmp_path / "cut.pdf", THREE))
    assert str(caught.value) == "cut.pdf: the PDF is damaged or incomplete"


@pytest.mark.parametrize("maker", [
    lambda p: write_garbage(p),
    lambda p: p.write_bytes(b""),
    lambda p: p.write_text("just some text, not a PDF\n"),
])
def test_not_a_pdf_is_corrupt(tmp_path: Path, maker: Callable[[Path], Any]) -> None:
    path = tmp_path / "fake.pdf"
    maker(path)
    with pytest.raises(Corrupt, match=r"^fake\.pdf: the PDF is damaged or incomplete$"):
        read_pdf(path)


def test_vanished_file_is_unreadable(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "gone.pdf", THREE)
    path.unlink()
    with pytest.raises(Unreadable) as caught:
        read_pdf(path)
    assert str(caught.value) == "gone.pdf: the file no longer exists (it was moved or deleted)"


def test_vanished_between_size_check_and_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "checked_size", lambda path, limit: 0)
    with pytest.raises(Unreadable, match=r"no longer exists \(it was moved or deleted\)$"):
        read_pdf(tmp_path / "gone.pdf")


def test_folder_is_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    with pytest.raises(Unreadable) as caught:
        read_pdf(folder)
    assert str(caught.value) == "folder.pdf: it is a folder, not a file"


def test_over_the_limit_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    os.truncate(path, 250 * limits.MB)  # sparse: no real 250 MB written
    with pytest.raises(TooLarge) as caught:
        read_pdf(path)
    assert str(caught.value) == (
        "huge.pdf: the file is 250 MB; the limit for this kind of file is 200 MB"
    )


def test_just_over_a_smaller_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "PDF_MAX_BYTES", limits.MB)
    path = write_pdf(tmp_path / "a.pdf", THREE)
    os.truncate(path, limits.MB + 1)
    over = r"^a\.pdf: the file is 1\.1 MB; the limit for this kind of file is 1 MB$"
    with pytest.raises(TooLarge, match=over):
        read_pdf(path)
    os.truncate(path, limits.MB)  # at the limit is read (PDFium ignores the zero padding)
    assert read_pdf(path).pages == 3


class SpyDocument(pypdfium2.PdfDocument):  # type: ignore[misc]
    """Records what it was opened from and whether it was closed."""

    opened: list[SpyDocument] = []  # noqa: RUF012

    def __init__(self, source: object, password: str | None = None) -> None:
        self.source = source
        self.closed = False
        super().__init__(source, password=password)
        SpyDocument.opened.append(self)

    def close(self) -> None:
        self.closed = True
        super().close()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[SpyDocument]:
    SpyDocument.opened = []
    monkeypatch.setattr(pypdfium2, "PdfDocument", SpyDocument)
    return SpyDocument.opened


def test_opened_from_the_path_and_closed(tmp_path: Path, spy: list[SpyDocument]) -> None:
    read_pdf(write_pdf(tmp_path / "a.pdf", THREE))
    assert isinstance(spy[0].source, Path) and spy[0].closed


def test_closed_when_cancelled(tmp_path: Path, spy: list[SpyDocument]) -> None:
    with pytest.raises(Cancelled):
        read_pdf(write_pdf(tmp_path / "a.pdf", THREE), cancelled=lambda: True)
    assert spy[0].closed


def test_closed_when_there_is_no_text(tmp_path: Path, spy: list[SpyDocument]) -> None:
    with pytest.raises(NoText):
        read_pdf(write_pdf(tmp_path / "a.pdf", ["", ""]))
    assert spy[0].closed


def test_import_does_not_load_pypdfium2() -> None:
    code = (
        "import sys, mixtral_desktop.core.services.documents.pdf\n"
        "print(sorted(m for m in sys.modules if m.startswith('pypdfium2')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("code", "error", "reason"), [
    (pypdfium2.raw.FPDF_ERR_FILE, Unreadable, "the file could not be read"),
    (pypdfium2.raw.FPDF_ERR_SECURITY, Corrupt,
     "the PDF is protected in a way that cannot be opened"),
    (pypdfium2.raw.FPDF_ERR_UNKNOWN, Corrupt, "the PDF is damaged or incomplete"),
])
def test_pdfium_load_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, error: type, reason: str
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise pypdfium2.PdfiumError("Failed to load document", err_code=code)

    monkeypatch.setattr(pypdfium2, "PdfDocument", fail)
    with pytest.raises(error) as caught:
        read_pdf(write_pdf(tmp_path / "a.pdf", THREE))
    assert type(caught.value) is error and caught.value.reason == reason
