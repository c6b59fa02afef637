"""``python -m bench``: run every benchmark, print the table, write bench/results.json.

Exit status: 0 when every goal is met, 1 when one is missed, 2 when a benchmark
could not run.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.context import QUICK_SCALE, Context, Scale
from bench.procs import ROOT, DriverFailed, base_env
from bench.profiles import QUICK_SIZES, ProfileCache, Sizes
from bench.results import Figure, table, write_json
from bench.suites import documents, gui_loop, requests_search, startup, tokens

SUITES: dict[str, Callable[[Context], list[Figure]]] = {
    "startup": startup.run,
    "streaming": gui_loop.streaming,
    "long_chat": gui_loop.long_chat,
    "version_switch": gui_loop.version_switch,
    "ten_tabs": gui_loop.ten_tabs,
    "overhead": requests_search.overhead,
    "search": requests_search.search,
    "tokens": tokens.run,
    "typing": gui_loop.typing,
    "documents": documents.run,
}
DEFAULT_OUTPUT = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"
TABLE_START = "<!-- bench-table-start -->"
TABLE_END = "<!-- bench-table-end -->"
PYCACHE = Path(tempfile.gettempdir()) / "mixtral-desktop-bench-pycache"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1 run each, small data, no warm-up (seconds)")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5)")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITES), default=None,
                        help="run only these suites")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where the JSON goes (default bench/results.json)")
    parser.add_argument("--update-docs", action="store_true",
                        help="also put the table in docs/benchmarks.md")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the table")
    return parser.parse_args(argv)


def update_doc(doc: Path, text: str) -> None:
    content = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.DOTALL)
    if not pattern.search(content):
        raise ValueError(f"{doc} has no {TABLE_START} ... {TABLE_END} block")
    block = f"{TABLE_START}\n{text}\n{TABLE_END}"
    doc.write_text(pattern.sub(lambda _m: block, content), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    started = time.monotonic()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="mixtral-bench-") as work:
        sizes = QUICK_SIZES if args.quick else Sizes()
        ctx = Context(
            runs=runs, warm_up=not args.quick, scale=QUICK_SCALE if args.quick else Scale(),
            sizes=sizes, env=base_env(PYCACHE), work=Path(work),
            profiles=ProfileCache(Path(work) / "profiles", sizes), verbose=not args.quiet,
        )
        for name in args.only or list(SUITES):
            ctx.log(f"{name}…")
            try:
                figures += SUITES[name](ctx)
            except (DriverFailed, RuntimeError, TimeoutError, OSError) as error:
                traceback.print_exception(error, file=sys.stderr)
                print(f"bench: {name} could not run", file=sys.stderr)
                return 2
    seconds = time.monotonic() - started
    text = table(figures)
    print(text)
    missed = [f.id for f in figures if not f.met]
    print(f"\n{len(figures) - len(missed)} of {len(figures)} goals met"
          + (f"; missed: {', '.join(missed)}" if missed else "") + f" ({seconds:.0f} s)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output, figures, quick=args.quick, runs=runs, seconds=seconds)
    if args.update_docs:
        update_doc(DOC, text)
    return 1 if missed else 0
