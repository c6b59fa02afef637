"""Every way reading a document can fail, each with a message naming the file and the
reason in words a user can act on ("report.pdf: the file is encrypted; enter its
password")."""

from __future__ import annotations

from pathlib import Path


class DocumentError(Exception):
    """A file that could not be read into text. ``str()`` is the whole message."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class Unsupported(DocumentError):
    """A kind of file the app does not read (the message names the ones it does)."""


class NotText(DocumentError):
    """Binary content in a file that claims (or was taken) to be text."""


class TooLarge(DocumentError):
    """Over the size limit for its kind; never read into memory."""


class Unreadable(DocumentError):
    """Missing, vanished, not a file, or not readable (permissions, I/O error)."""


class Corrupt(DocumentError):
    """A damaged or truncated PDF or DOCX."""


class NoText(DocumentError):
    """A file with no text at all (a scanned PDF: no text layer on any page)."""


class PasswordRequired(DocumentError):
    """An encrypted PDF: ask for its password and read it again with it."""


class WrongPassword(PasswordRequired):
    """The password given does not open the PDF."""


class TimedOut(DocumentError):
    """Reading took longer than the time limit (a file crafted to be slow)."""


class Cancelled(DocumentError):
    """The user cancelled the reading."""
