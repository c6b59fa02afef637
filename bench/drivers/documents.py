"""Documents read into text: ``python -m bench.drivers.documents REPORT --runs N [--pages P]``.

- a PDF of ``P`` pages (40 lines of text each, ~2,900 characters, written by
  ``tests/fakes/pdf_files.py``) read by the app's ``read_pdf`` (progress and cancel
  callbacks as the app passes them), interleaved with pypdfium2's own loop over the same
  file (open, each page's text page, ``get_text_bounded``, close): the library's floor;
- a 5 MB source file read by ``extract`` (encoding detection included) and counted by the
  app's ``TokenCounter.count_text``: attached and counted, as a chip shows it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes.pdf_files import write_pdf

LINE = "The committee reviewed the proposal and found the budget sound, if tight. "


def raw_pypdfium2(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    chars = 0
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_bounded())
            textpage.close()
            page.close()
    finally:
        document.close()
    return chars


def source_file(path: Path, size: int) -> None:
    block = "".join(
        f"def handler_{i}(request: Request) -> Response:\n"
        f"    \"\"\"Handle request {i}: ça marche, größer, más rápido.\"\"\"\n"
        f"    return Response(status=200, body=render(request, {i}))\n\n"
        for i in range(200)
    )
    path.write_text((block * (size // len(block) + 1))[:size], encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--source-bytes", type=int, default=5 * 1024 * 1024)
    args = parser.parse_args(argv)
    from mixtral_desktop.core.domain.tokens import TokenCounter
    from mixtral_desktop.core.services.documents.extract import extract
    from mixtral_desktop.core.services.documents.pdf import read_pdf

    report: dict[str, Any] = {"app_ms": [], "raw_ms": [], "source_ms": []}
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        pdf = write_pdf(Path(folder) / "report.pdf",
                        [(LINE + "\n") * 40 + f"Page {n + 1}." for n in range(args.pages)])
        source = Path(folder) / "server.py"
        source_file(source, args.source_bytes)
        counter = TokenCounter()
        counter.count_text("warm up")  # the tokenizer loaded: a chip counts with the window's
        raw_pypdfium2(pdf)  # the library imported and the file in the page cache
        for _ in range(args.runs):
            started = time.perf_counter()
            chars = raw_pypdfium2(pdf)
            report["raw_ms"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            result = read_pdf(pdf, progress=lambda _d, _t: None, cancelled=lambda: False)
            report["app_ms"].append((time.perf_counter() - started) * 1000)
            # (PDFium ends lines with \r\n; the reader with \n)
            if result.pages != args.pages or abs(len(result.text) - chars) > 45 * args.pages:
                raise RuntimeError(f"read {len(result.text)} characters of {chars}")
            started = time.perf_counter()
            text = extract(source).text
            tokens = counter.count_text(text + f"\n# run {_}")  # (not the cached count)
            report["source_ms"].append((time.perf_counter() - started) * 1000)
        report.update(pages=args.pages, chars=chars, source_bytes=args.source_bytes,
                      source_tokens=tokens)
    Path(args.report).write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
