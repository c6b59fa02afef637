"""Read any supported file into text: the kind picked (:mod:`kinds`), the reader called
(PDF and DOCX readers imported only for their kind), HTML reduced to its text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mixtral_desktop.core.services.documents.extracted import Extracted, IsCancelled, Progress
from mixtral_desktop.core.services.documents.files import unreadable
from mixtral_desktop.core.services.documents.kinds import PDF_MAGIC, kind_of
from mixtral_desktop.core.services.documents.limits import TIME_LIMIT_S
from mixtral_desktop.core.services.documents.text import read_text


def extract(
    path: Path, *, password: str | None = None, progress: Progress | None = None,
    cancelled: IsCancelled | None = None, time_limit: float = TIME_LIMIT_S,
) -> Extracted:
    """The text of the file at ``path``; a :class:`~.errors.DocumentError` saying why
    not. Blocking: run it on a worker."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(len(PDF_MAGIC))
    except OSError as error:
        raise unreadable(path, error) from error
    kind = kind_of(path, head)
    if kind == "pdf":
        from mixtral_desktop.core.services.documents.pdf import read_pdf

        return read_pdf(path, password=password, progress=progress, cancelled=cancelled,
                        time_limit=time_limit)
    if kind == "docx":
        from mixtral_desktop.core.services.documents.docx import read_docx

        return read_docx(path)
    result = read_text(path, kind=kind, progress=progress, cancelled=cancelled)
    if kind == "html":
        from mixtral_desktop.core.services.documents.html import html_text

        result = replace(result, text=html_text(result.text))
    return result
