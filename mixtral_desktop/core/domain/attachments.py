"""Documents attached to a message, and the one form in which they are sent.

An attachment is a reference to an extracted text, stored once by its digest (the same
file attached in ten chats is kept once). A user message with attachments is sent as
each document, delimited and named, then the user's own text::

    <document name="report.pdf">
    …the extracted text…
    </document>

    What does the report conclude?

The model gets exactly this; "View as sent" shows exactly this. A ``"`` in a name is
written ``&quot;`` (and ``&`` ``&amp;``) so the delimiter always parses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    name: str  # the file's name, never its folder
    kind: str  # "text", "markdown", "csv", "json", "html", "pdf", "docx"
    digest: str  # of its text: see text_digest
    pages: int | None = None
    empty_pages: tuple[int, ...] = field(default=())
    replacements: int = 0
    text: str = field(default="", compare=False, repr=False)
    """The extracted text, in memory (stored apart, once, under ``digest``)."""

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1 if self.text else 0


def describe(attachment: Attachment) -> str:
    """What a chip says of a document besides its name: "12 pages (2 without text)",
    "340 lines", "3 undecodable bytes replaced"."""
    a = attachment
    if a.pages is not None:
        parts = [_plural(a.pages, "page")]
        if a.empty_pages:
            parts[0] += f" ({len(a.empty_pages)} without text)"
    else:
        parts = [_plural(a.lines, "line")]
    if a.replacements:
        parts.append(f"{_plural(a.replacements, 'undecodable byte')} replaced")
    return ", ".join(parts)


def attached_line(attachments: Sequence[Attachment]) -> str:
    """The note under a sent message: "Attached: report.pdf (12 pages) · notes.md (3 lines)"."""
    return "Attached: " + attached_names(attachments)


def attached_names(attachments: Sequence[Attachment]) -> str:
    """"report.pdf (12 pages) · notes.md (3 lines)"."""
    return " · ".join(f"{a.name} ({describe(a)})" for a in attachments)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def text_digest(text: str) -> str:
    """The key a document's text is stored under: SHA-256 of its UTF-8, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_block(name: str, text: str) -> str:
    quoted = name.replace("&", "&amp;").replace('"', "&quot;")
    return f'<document name="{quoted}">\n{text}\n</document>'


def as_sent(content: str, attachments: Sequence[Attachment],
            text_of: Callable[[str], str] | None = None) -> str:
    """The text the model gets for a message: its documents (their own texts, or
    ``text_of(digest)``), then its own ``content``."""
    if not attachments:
        return content
    blocks = [
        document_block(a.name, a.text if text_of is None else text_of(a.digest))
        for a in attachments
    ]
    return "\n\n".join([*blocks, content]) if content else "\n\n".join(blocks)
