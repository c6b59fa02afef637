"""Request overhead (app path against raw requests) and history search."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.context import Context
from bench.procs import run_driver, user_dirs
from bench.results import Figure, Goal, figure
from bench.stats import percentile
from mixtral_desktop.core.storage.search import SearchIndex, fts_query
from mixtral_desktop.core.storage.store import Store

# What people type in the search box: common and rare words, French, prefixes,
# several words, code, nothing found.
QUERIES = (
    "the", "sqlite", "docker run", "révolution", "ticket 4", "fibonacci", "kubernetes",
    "lettre de motivation", "qu", "python error", "zzzzqx", "useEffect", "marathon training",
    "théâtre Molière", "budget spreadsheets", "config.toml", "pipeline input", "naïve",
    "reply incomplete", "Lisbon trip",
)
SEARCH_GOAL_MS = 50.0
RAW_LIMIT = 50


def overhead(ctx: Context) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-home-", dir=ctx.work) as home:
        env = ctx.env | user_dirs(Path(home))
        runs = run_driver("bench.drivers.overhead", [
            "--runs", str(ctx.runs), "--requests", str(ctx.scale.requests),
        ], env).report["runs"]
    ctx.log("  request overhead: " + "; ".join(
        f"raw {r['raw_ms']:.2f} app {r['app_ms']:.2f}" for r in runs
    ))
    return [figure(
        "request_overhead", "Request: client, worker thread, signal to GUI", "ms",
        [r["app_ms"] for r in runs], Goal.added_at_most(3.0, "ms"),
        baseline_samples=[r["raw_ms"] for r in runs], baseline_label="raw requests",
        notes={"requests_per_run": ctx.scale.requests},
    )]


def _time_ms(action: object) -> float:
    assert callable(action)
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def search(ctx: Context) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-search-", dir=ctx.work) as folder:
        path = Path(folder) / "history.sqlite3"
        shutil.copyfile(ctx.profiles.path("history"), path)
        ours: list[float] = []
        raws: list[float] = []
        with Store.open(path) as store:  # open, as in the app: search reads beside it
            index = SearchIndex(store.path)
            raw = sqlite3.connect(path)
            try:
                count = raw.execute("SELECT count(*) FROM messages").fetchone()[0]
                matches = [fts_query(q) for q in QUERIES]

                def raw_search(match: str | None) -> None:
                    raw.execute(
                        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?",
                        (match, RAW_LIMIT),
                    ).fetchall()

                for query, match in zip(QUERIES, matches, strict=True):  # warm up
                    index.search(query)
                    raw_search(match)
                for _ in range(ctx.runs):
                    mine, base = [], []
                    for _ in range(ctx.scale.search_repeats):
                        for query, match in zip(QUERIES, matches, strict=True):
                            mine.append(_time_ms(lambda q=query: index.search(q)))
                            base.append(_time_ms(lambda m=match: raw_search(m)))
                    ours.append(percentile(mine, 95))
                    raws.append(percentile(base, 95))
            finally:
                index.close()
                raw.close()
    ctx.log("  search p95: " + ", ".join(f"{v:.1f}" for v in ours) + " ms; raw FTS: "
            + ", ".join(f"{v:.1f}" for v in raws))
    return [figure(
        "search_p95", f"Search over {count:,} messages: p95", "ms", ours,
        Goal.at_most(SEARCH_GOAL_MS, "ms"), baseline_samples=raws,
        baseline_label="bare FTS5 MATCH", notes={"queries": list(QUERIES)},
    )]
