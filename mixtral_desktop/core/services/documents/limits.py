"""How much the app reads: the size limit of each kind and the time limit of a reading.
A file over its limit is refused before anything is read into memory."""

from __future__ import annotations

MB = 1024 * 1024
TEXT_MAX_BYTES = 20 * MB  # ~5 M tokens: far past the 64K window, still cheap to read
PDF_MAX_BYTES = 200 * MB
DOCX_MAX_BYTES = 50 * MB
DOCX_MAX_XML_BYTES = 200 * MB  # the document's XML once unzipped (a zip bomb stops here)
TIME_LIMIT_S = 60.0  # a file crafted to be slow ends with TimedOut
