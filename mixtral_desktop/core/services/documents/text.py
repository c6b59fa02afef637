"""Text files (source code, Markdown, CSV, JSON, HTML before its reduction): the bytes
read in chunks (progress, Cancel), binary content refused, the encoding detected, not
assumed. UTF-8 (with or without a BOM) and UTF-16 with a BOM are recognised directly; a
file that is UTF-8 but for a few bad bytes stays UTF-8 with those bytes replaced (and
counted); Windows-1252 / Latin-1 text in the product's five languages is recognised next (charset-
normalizer alone takes short French or German text for Polish or Baltic code pages);
anything else goes to charset-normalizer (already installed with requests, imported
only then)."""

from __future__ import annotations

import codecs
from pathlib import Path

from mixtral_desktop.core.services.documents.errors import Cancelled, NotText, TooLarge
from mixtral_desktop.core.services.documents.extracted import Extracted, IsCancelled, Progress
from mixtral_desktop.core.services.documents.files import checked_size, size_text, unreadable
from mixtral_desktop.core.services.documents.limits import MB, TEXT_MAX_BYTES

CHUNK = MB
SAMPLE = 8192
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
REPLACEMENT = "\ufffd"


def read_text(
    path: Path, *, kind: str = "text", progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> Extracted:
    """The text of ``path``; :class:`NotText` for binary content."""
    size = checked_size(path, TEXT_MAX_BYTES)
    data = _read(path, size, progress, cancelled)
    text, encoding = decode(path, data)
    return Extracted(
        name=path.name, kind=kind, text=text.replace("\r\n", "\n"),
        replacements=text.count(REPLACEMENT), encoding=encoding,
    )


def _read(path: Path, size: int, progress: Progress | None,
          cancelled: IsCancelled | None) -> bytes:
    chunks: list[bytes] = []
    done = 0
    try:
        with path.open("rb") as file:
            while True:
                if cancelled is not None and cancelled():
                    raise Cancelled(path, "reading was cancelled")
                chunk = file.read(CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                done += len(chunk)
                if done > TEXT_MAX_BYTES:  # it grew while being read
                    raise TooLarge(path, "the file grew past the limit of "
                                         f"{size_text(TEXT_MAX_BYTES)} while it was read")
                if progress is not None:
                    progress(done, max(size, done))
    except OSError as error:
        raise unreadable(path, error) from error
    return b"".join(chunks)


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding) of ``data``; :class:`NotText` when it is not text."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    if b"\x00" in data[:SAMPLE]:
        raise NotText(path, "not a text document (it holds binary data)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count(REPLACEMENT)
    wide = sum(1 for ch in text if ord(ch) > 0x7F) - bad  # valid multi-byte characters
    if wide > 0 and bad <= max(3, wide // 10):  # UTF-8 with a few damaged bytes
        return text, "utf-8"
    western = _western(data)
    if western is not None:
        return western, "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise NotText(path, "not a text document (no text encoding fits its bytes)")
    return data.decode(best.encoding, errors="replace"), best.encoding


# Non-ASCII characters Western text uses that are not letters.
WESTERN_MARKS = frozenset("€£«»“”‘’„–—…°©®¿¡·×÷§¶¢¥\u00a0ºª")


def _western(data: bytes) -> str | None:
    """``data`` as Windows-1252 if it reads as Western European text: accented letters
    are a minority of its letters (Cyrillic or Greek read this way is all accents) and
    other non-ASCII signs are rare (Asian encodings read this way are mostly signs)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = accented = signs = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            accented += ord(ch) > 0x7F
        elif ord(ch) > 0x7F and ch not in WESTERN_MARKS:
            signs += 1
        elif ord(ch) < 0x20 and ch not in "\t\n\r\f":
            return None
    if letters and accented <= 0.5 * letters and signs <= 0.01 * len(text):
        return text
    return None
