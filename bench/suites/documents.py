"""Documents (issue 19): a 300-page PDF read by the app's reader against pypdfium2's own
loop over the same file, interleaved in one process (``bench/drivers/documents.py``), and
a 5 MB source file read and counted as a chip counts it. The GUI-side figures (the event
loop while a PDF is read, memory after attaching and removing one) come with the
attachments in the composer."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.context import Context
from bench.procs import run_driver, user_dirs
from bench.results import Figure, Goal, figure
from bench.stats import median

PDF_RATIO = 1.5
SOURCE_MS = 1000.0


def run(ctx: Context) -> list[Figure]:
    pages, source = ctx.scale.pdf_pages, ctx.scale.source_bytes
    with tempfile.TemporaryDirectory(prefix="bench-home-", dir=ctx.work) as home:
        report = run_driver(
            "bench.drivers.documents",
            ["--runs", str(ctx.runs), "--pages", str(pages), "--source-bytes", str(source)],
            ctx.env | user_dirs(Path(home)),
        ).report
    ctx.log(f"  documents: {pages}-page PDF app " + ", ".join(f"{v:.0f}" for v in report["app_ms"])
            + " ms, pypdfium2 " + ", ".join(f"{v:.0f}" for v in report["raw_ms"])
            + f" ms; {source / 2**20:.1f} MB source read and counted "
            + ", ".join(f"{v:.0f}" for v in report["source_ms"])
            + f" ms ({report['source_tokens']:,} tokens)")
    return [
        figure("pdf_extract", f"{pages}-page PDF read into text", "ms", report["app_ms"],
               Goal.ratio_at_most(PDF_RATIO), baseline_samples=report["raw_ms"],
               baseline_label="pypdfium2's own loop",
               notes={"pages": pages, "characters": report["chars"]}),
        figure("source_attach", f"{source / 2**20:.1f} MB source file read and counted",
               "ms", report["source_ms"], Goal.at_most(SOURCE_MS, "ms"),
               baseline=SOURCE_MS, baseline_label="goal",
               notes={"tokens": report["source_tokens"],
                      "median_ms": round(median(report["source_ms"]), 1)}),
    ]
