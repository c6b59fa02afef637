"""From a file (or a long paste) to an :class:`~mixtral_desktop.core.domain.attachments.Attachment`
ready to send: read, digested, and cut down to some pages or lines on request. Blocking
where it reads: run it on a worker."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from mixtral_desktop.core.domain.attachments import Attachment, text_digest
from mixtral_desktop.core.services.documents.extract import extract
from mixtral_desktop.core.services.documents.extracted import Extracted, IsCancelled, Progress

PASTED_NAME = "Pasted text {}.txt"


@dataclass(frozen=True)
class Document:
    """An attachment with what reading it told us and the file does not keep."""

    attachment: Attachment
    page_spans: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)
    encoding: str | None = None


def read_document(
    path: Path, *, password: str | None = None, progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> Document:
    """Read the file at ``path`` (see :func:`extract`): a DocumentError says why not."""
    return from_extracted(extract(path, password=password, progress=progress,
                                  cancelled=cancelled))


def from_extracted(extracted: Extracted) -> Document:
    e = extracted
    attachment = Attachment(
        name=e.name, kind=e.kind, digest=text_digest(e.text), pages=e.pages,
        empty_pages=e.empty_pages, replacements=e.replacements, text=e.text,
    )
    return Document(attachment, e.page_spans, e.encoding)


def pasted(text: str, number: int) -> Document:
    """A long paste kept as a document ("Pasted text 1.txt")."""
    name = PASTED_NAME.format(number)
    return Document(Attachment(name, "text", text_digest(text), text=text))


def keep_pages(document: Document, first: int, last: int) -> Document:
    """Only pages ``first`` to ``last`` (1-based, inclusive) of a PDF."""
    spans = [s for s in document.page_spans if first <= s[0] <= last]
    if not spans:
        raise ValueError(f"pages {first}–{last} have no text")
    text = document.attachment.text
    kept = "\n\n".join(text[start:end] for _page, start, end in spans)
    name = f"{document.attachment.name} (pages {first}–{last})"
    return _cut(document, kept, name, pages=last - first + 1, empty=tuple(
        p for p in document.attachment.empty_pages if first <= p <= last))


def keep_lines(document: Document, first: int, last: int) -> Document:
    """Only lines ``first`` to ``last`` (1-based, inclusive)."""
    lines = document.attachment.text.split("\n")
    if not 1 <= first <= last or first > len(lines):
        raise ValueError(f"lines {first}–{last} are not in the document")
    kept = "\n".join(lines[first - 1:last])
    name = f"{document.attachment.name} (lines {first}–{min(last, len(lines))})"
    return _cut(document, kept, name, pages=None, empty=())


def _cut(document: Document, text: str, name: str, *, pages: int | None,
         empty: tuple[int, ...]) -> Document:
    attachment = replace(
        document.attachment, name=name, digest=text_digest(text), text=text, pages=pages,
        empty_pages=empty,
    )
    return Document(attachment, (), document.encoding)
