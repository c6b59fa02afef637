"""Which reader a file goes to: by its extension and its first bytes. Anything not known
to be another format is tried as text (source code in any language, logs, configs); its
content decides."""

from __future__ import annotations

from pathlib import Path

from mixtral_desktop.core.services.documents.errors import Unsupported

SUPPORTED = "text and source code, Markdown, CSV, JSON, HTML, PDF and Word (.docx)"

KINDS = {
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html",
    ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json",
}
# Formats that are not text and that the app does not read: said at once, by name.
NOT_READ = frozenset({
    ".doc", ".odt", ".rtf", ".pages", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".odp",
    ".key", ".epub", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tiff", ".heic",
    ".svgz", ".mp3", ".wav", ".flac", ".ogg", ".mp4", ".mov", ".mkv", ".avi", ".zip",
    ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".exe", ".dll", ".so", ".dylib",
    ".bin", ".iso", ".dmg", ".sqlite", ".sqlite3", ".db", ".pyc", ".class", ".jar", ".o",
})
PDF_MAGIC = b"%PDF-"


def kind_of(path: Path, head: bytes) -> str:
    """"pdf", "docx", "html", "markdown", "csv", "json" or "text"; :class:`Unsupported`
    for a format the app does not read. ``head``: the file's first bytes."""
    suffix = path.suffix.lower()
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if suffix in NOT_READ:
        raise Unsupported(path, f"{suffix} files are not read; the app reads {SUPPORTED}")
    return KINDS.get(suffix, "text")
