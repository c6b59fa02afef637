"""The PDF reader: a PDF's text layer, page by page, through pypdfium2 (PDFium).

pypdfium2 is imported only when a PDF is read, so start-up never pays for it. The file is
opened from its path (PDFium reads what it needs), never read into memory first; its size
is checked before that. Scanned pages (images without a text layer) are not read: they
are listed in :attr:`~.extracted.Extracted.empty_pages`, and a file with no text at all
ends with :class:`~.errors.NoText`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from . import limits
from .errors import (
    Cancelled,
    Corrupt,
    DocumentError,
    NoText,
    PasswordRequired,
    TimedOut,
    Unreadable,
    WrongPassword,
)
from .extracted import Extracted, IsCancelled, Progress, page_ranges
from .files import checked_size, unreadable

if TYPE_CHECKING:  # never at run time: pypdfium2 is imported when a PDF is read
    import pypdfium2

DAMAGED = "the PDF is damaged or incomplete"


def read_pdf(
    path: Path,
    *,
    password: str | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
    time_limit: float = limits.TIME_LIMIT_S,
    clock: Callable[[], float] = time.monotonic,
) -> Extracted:
    """The text of every page of the PDF at ``path``, pages joined by a blank line.

    ``progress(done, total)`` is called after each page; ``cancelled()`` and the time
    limit are checked before each one. Raises a :class:`~.errors.DocumentError`.
    """
    started = clock()
    checked_size(path, limits.PDF_MAX_BYTES)
    import pypdfium2  # here, not at the top: ~30 ms and an 8 MB native library

    document = _open(pypdfium2, path, password)
    try:
        total = len(document)
        texts: list[str] = []
        spans: list[tuple[int, int, int]] = []
        at = 0
        empty: list[int] = []
        for index in range(total):
            if cancelled is not None and cancelled():
                raise Cancelled(path, "reading was cancelled")
            if clock() - started > time_limit:
                raise TimedOut(
                    path,
                    f"reading took longer than {time_limit:g} s; "
                    "the file may be crafted to be slow",
                )
            text = _page_text(pypdfium2, document, index, path)
            if text.strip():
                if texts:
                    at += 2  # (the blank line between pages)
                spans.append((index + 1, at, at + len(text)))
                at += len(text)
                texts.append(text)
            else:
                empty.append(index + 1)
            if progress is not None:
                progress(index + 1, total)
    finally:
        document.close()
    if total and len(empty) == total:
        where = f"page {empty[0]}" if total == 1 else f"pages {page_ranges(tuple(empty))}"
        raise NoText(path, f"no text found on {where}; scanned pages are not read")
    return Extracted(
        name=path.name, kind="pdf", text="\n\n".join(texts), pages=total,
        empty_pages=tuple(empty), page_spans=tuple(spans),
    )


def _open(
    pdfium: ModuleType, path: Path, password: str | None
) -> pypdfium2.PdfDocument:
    try:
        return pdfium.PdfDocument(path, password=password or None)
    except pdfium.PdfiumError as exc:
        raise _load_error(pdfium, path, password, exc) from exc
    except OSError as exc:  # FileNotFoundError: it vanished (or became a folder)
        raise unreadable(path, exc) from exc


def _load_error(
    pdfium: ModuleType, path: Path, password: str | None, exc: Exception
) -> DocumentError:
    code = getattr(exc, "err_code", None)
    if code == pdfium.raw.FPDF_ERR_PASSWORD:
        if password:
            return WrongPassword(path, "the password does not open this PDF")
        return PasswordRequired(path, "the PDF is encrypted; enter its password to read it")
    if code == pdfium.raw.FPDF_ERR_FILE:  # PDFium could not open or read the file
        try:
            with open(path, "rb"):
                pass
        except OSError as os_error:
            return unreadable(path, os_error)
        return Unreadable(path, "the file could not be read")
    if code == pdfium.raw.FPDF_ERR_SECURITY:
        return Corrupt(path, "the PDF is protected in a way that cannot be opened")
    return Corrupt(path, DAMAGED)


def _page_text(pdfium: ModuleType, document: pypdfium2.PdfDocument, index: int,
               path: Path) -> str:
    """Page ``index``'s text, "\\n" line breaks and no trailing whitespace."""
    page = textpage = None
    try:
        page = document[index]
        textpage = page.get_textpage()
        text: str = textpage.get_text_bounded()
    except pdfium.PdfiumError as exc:
        raise Corrupt(path, DAMAGED) from exc
    finally:
        if textpage is not None:
            textpage.close()
        if page is not None:
            page.close()
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
