"""Opening a file to read it: its size checked against a limit before anything is read,
and every OS error turned into an :class:`~.errors.Unreadable` that says why."""

from __future__ import annotations

import math
import stat
from pathlib import Path

from mixtral_desktop.core.services.documents.errors import TooLarge, Unreadable
from mixtral_desktop.core.services.documents.limits import MB


def unreadable(path: Path, error: OSError) -> Unreadable:
    """The error a user reads for an OS error on ``path``."""
    if isinstance(error, FileNotFoundError):
        reason = "the file no longer exists (it was moved or deleted)"
    elif isinstance(error, IsADirectoryError):
        reason = "it is a folder, not a file"
    elif isinstance(error, PermissionError):
        reason = "the app is not allowed to read it (check its permissions)"
    else:
        reason = f"the file could not be read ({error.strerror or error})"
    return Unreadable(path, reason)


def checked_size(path: Path, limit: int) -> int:
    """The size of ``path`` in bytes; :class:`TooLarge` over ``limit`` (nothing read)."""
    try:
        info = path.stat()
    except OSError as error:
        raise unreadable(path, error) from error
    if stat.S_ISDIR(info.st_mode):
        raise unreadable(path, IsADirectoryError(path))
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(path, "it is not a regular file (a device or a pipe?)")
    if info.st_size > limit:
        raise TooLarge(path, f"the file is {size_text(info.st_size)}; the limit for this "
                             f"kind of file is {size_text(limit)}")
    return info.st_size


def size_text(size: int) -> str:
    """A size as a user reads it: whole megabytes when exact, else rounded up to a tenth
    (a file just over a limit never reads as the limit itself): "200 MB", "1.1 MB", "12 KB"."""
    if size < MB:
        return f"{math.ceil(size / 1024)} KB"
    if size % MB == 0:
        return f"{size // MB} MB"
    return f"{math.ceil(size * 10 / MB) / 10:g} MB"
