"""Logging to a rotating file in the user's log folder, with secrets redacted.

Nothing is configured at import time: :func:`setup_logging` is called once by the
composition root. Every record passes :class:`SecretRedactor`, so a secret registered
with the app's :class:`Redactor` (the API key) is replaced by ``***`` even if some code
formats it by mistake.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

from mixtral_desktop.core.config import paths

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s]: %(message)s"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

class Redactor:
    """The secrets (the API key) no log line, traceback or dialog may show; thread-safe.

    The composition root makes one, hands it to :func:`setup_logging`, to the key store
    (which registers every key it learns) and to the crash handler.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def register(self, secret: str) -> None:
        """Make every later :meth:`redact` (so every log record) replace ``secret`` with ``***``."""
        if len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``***``."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


class SecretRedactor(logging.Filter):
    """Formats the record's message early and redacts it (args, exceptions included)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redact = self._redactor.redact
        message = redact(record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record.msg = message
        record.args = None
        return True


def setup_logging(
    redactor: Redactor, level: int = logging.INFO, log_path: Path | None = None
) -> Path:
    """Send the ``mixtral_desktop`` loggers (and warnings) to a rotating file.

    Also logs to stderr when there is one (a windowed Windows build has none).
    Returns the log file's path.
    """
    path = log_path or paths.log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(level)
    redacting = SecretRedactor(redactor)
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    file_handler.addFilter(redacting)
    root.addHandler(file_handler)
    if sys.stderr is not None:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        stream_handler.setLevel(logging.WARNING)
        stream_handler.addFilter(redacting)
        root.addHandler(stream_handler)
    logging.captureWarnings(True)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    return path
