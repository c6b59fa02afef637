"""Word documents (.docx): the text of ``word/document.xml``, read with the standard
library (zipfile and ElementTree): paragraphs are lines, tabs and breaks kept, table cells
separated by " | ". (python-docx would add lxml, ~10 MB installed, for text we read in
forty lines.) The XML's unzipped size is checked first, so a zip bomb is refused."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from mixtral_desktop.core.services.documents.errors import Corrupt
from mixtral_desktop.core.services.documents.extracted import Extracted
from mixtral_desktop.core.services.documents.files import checked_size, size_text, unreadable
from mixtral_desktop.core.services.documents.limits import DOCX_MAX_BYTES, DOCX_MAX_XML_BYTES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY = "word/document.xml"


def read_docx(path: Path) -> Extracted:
    checked_size(path, DOCX_MAX_BYTES)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(BODY)
            except KeyError:
                raise Corrupt(path, "not a Word document (it has no document body)") from None
            if info.file_size > DOCX_MAX_XML_BYTES:
                raise Corrupt(path, f"its text would unpack to {size_text(info.file_size)}; "
                                    f"the limit is {size_text(DOCX_MAX_XML_BYTES)}")
            with archive.open(info) as body:
                text = _text(body)
    except OSError as error:
        raise unreadable(path, error) from error
    except (zipfile.BadZipFile, ElementTree.ParseError, EOFError) as error:
        raise Corrupt(path, "the Word document is damaged or incomplete") from error
    return Extracted(name=path.name, kind="docx", text=text)


def _text(body: IO[bytes]) -> str:
    lines: list[str] = []  # the document's paragraphs and table rows
    run: list[str] = []  # the paragraph being read
    cell: list[str] = []  # the paragraphs of the table cell being read
    row: list[str] = []  # the cells of the table row being read
    in_cell = 0
    for event, element in ElementTree.iterparse(body, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == W + "tc":
                in_cell += 1
            continue
        if tag == W + "t":
            run.append(element.text or "")
        elif tag == W + "tab":
            run.append("\t")
        elif tag in (W + "br", W + "cr"):
            run.append("\n")
        elif tag == W + "p":
            (cell if in_cell else lines).append("".join(run))
            run = []
            element.clear()
        elif tag == W + "tc":
            in_cell -= 1
            row.append(" ".join(p for p in cell if p))
            cell = []
        elif tag == W + "tr":
            lines.append(" | ".join(row))
            row = []
            element.clear()
    return "\n".join(lines).strip("\n")
