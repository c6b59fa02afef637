"""PDFs for the document readers' tests, written here instead of checked in.

A tiny writer: a catalog, a page tree, one Helvetica (Type1, standard 14) font, and per
page a content stream (``BT /F1 12 Tf x y Td (line) Tj ET`` for each line of its text, or
nothing), with a correct cross-reference table. Also a truncated PDF and garbage bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def _escape(text: str) -> bytes:
    """A PDF literal string's body (Latin-1, the font's WinAnsi-like encoding)."""
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(text: str) -> bytes:
    """The page's content stream: one text object per line, 14 points apart."""
    ops = []
    for number, line in enumerate(text.splitlines()):
        ops.append(b"BT /F1 12 Tf 72 %d Td (%s) Tj ET" % (720 - 14 * number, _escape(line)))
    return b"\n".join(ops)


def pdf_bytes(pages: Sequence[str]) -> bytes:
    """A valid PDF with one page per item; "" gives a page with an empty content stream."""
    count = len(pages)
    page_ids = [4 + 2 * i for i in range(count)]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % i for i in page_ids), count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for page_id, text in zip(page_ids, pages, strict=True):
        stream = _content(text)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref,
    )
    return bytes(out)


def write_pdf(path: Path, pages: Sequence[str]) -> Path:
    path.write_bytes(pdf_bytes(pages))
    return path


def write_truncated_pdf(path: Path, pages: Sequence[str]) -> Path:
    """A valid PDF cut in half (a download that stopped)."""
    data = pdf_bytes(pages)
    path.write_bytes(data[: len(data) // 2])
    return path


def write_garbage(path: Path, size: int = 4096) -> Path:
    """Bytes that are not a PDF at all (same every time)."""
    path.write_bytes(bytes((i * 131 + 7) % 256 for i in range(size)))
    return path


def write_encrypted_pdf(path: Path, pages: Sequence[str], password: str) -> Path:
    """The PDF encrypted with ``password`` (RC4-128: pypdf needs no cryptography for it)."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    with path.open("wb") as file:
        writer.write(file)
    return path
