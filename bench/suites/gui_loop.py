"""Streaming, long conversations, ten tabs and typing: the GUI loop probed with a 1 ms
timer, or keystrokes timed to their paint.

The goals are absolute (a frame is 16 ms), so the baseline of these figures is the
goal itself and the ratio says how much of the budget is used.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.procs import run_driver, user_dirs
from bench.results import Figure, Goal, figure

FRAME_MS = 16.0
MAX_GAP_MS = 50.0
LATENCY_MS = 50.0
SWITCH_MS = 150.0


def _driver(ctx: Context, module: str, *args: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-home-", dir=ctx.work) as home:
        env = ctx.env | user_dirs(Path(home))
        return run_driver(module, list(args), env).report


def _limit(id: str, title: str, samples: list[float], limit: float,
           notes: dict[str, Any] | None = None) -> Figure:
    return figure(id, title, "ms", samples, Goal.at_most(limit, "ms"), baseline=limit,
                  baseline_label="goal", notes=notes)


def streaming(ctx: Context) -> list[Figure]:
    scale = ctx.scale
    figures: list[Figure] = []
    for kind, delay, chunks, label in (
        ("fast", 0.0, scale.reply_chunks, "as fast as possible"),
        ("paced", scale.paced_delay, scale.paced_chunks, "100 chunks/s"),
    ):
        report = _driver(
            ctx, "bench.drivers.streaming", "--runs", str(ctx.runs),
            "--size", str(scale.reply_chars), "--chunks", str(chunks), "--delay", str(delay),
        )
        runs = report["runs"]
        ctx.log(f"  streaming {kind}: " + "; ".join(
            f"p99 {r['p99']:.1f} max {r['max']:.0f} latency {r['latency_ms']:.0f}" for r in runs
        ))
        title = f"Streaming {scale.reply_chars // 1000} KB, {chunks} chunks {label}"
        notes = {"chunks": chunks, "chunk_delay_s": delay, "reply_chars": scale.reply_chars}
        figures += [
            _limit(f"stream_{kind}_p99", f"{title}: p99 gap", [r["p99"] for r in runs],
                   FRAME_MS, notes),
            _limit(f"stream_{kind}_max", f"{title}: max gap", [r["max"] for r in runs],
                   MAX_GAP_MS),
            _limit(f"stream_{kind}_latency", f"{title}: last byte to painted",
                   [r["latency_ms"] for r in runs], LATENCY_MS),
        ]
    return figures


def long_chat(ctx: Context) -> list[Figure]:
    db = ctx.profiles.path("long_chat")
    reports = []
    for _ in range(ctx.runs):  # a fresh process each time: nothing laid out or cached
        report = _driver(ctx, "bench.drivers.long_chat", str(db),
                         "--steps", str(ctx.scale.scroll_steps))
        if not report["at_bottom"]:
            raise RuntimeError("the long chat scroll did not reach the bottom")
        reports.append(report)
        ctx.log(f"  long chat: switch {report['switch_ms']:.0f} ms,"
                f" scroll p99 {report['scroll']['p99']:.1f} max {report['scroll']['max']:.0f}")
    rows = reports[0]["rows"]
    return [
        _limit("long_switch", f"Switch to a tab of {rows:,} messages: painted",
               [r["switch_ms"] for r in reports], SWITCH_MS),
        _limit("long_scroll_p99", f"Scroll {rows:,} messages top to bottom: p99 gap",
               [r["scroll"]["p99"] for r in reports], FRAME_MS,
               {"max_gap_ms": [round(r["scroll"]["max"], 1) for r in reports],
                "steps": ctx.scale.scroll_steps}),
    ]


VERSION_SWITCH_MS = 50.0


def version_switch(ctx: Context) -> list[Figure]:
    """Issue 16: a 10,000-message chat with 1,000 branch points (``branched_chat``)."""
    db = ctx.profiles.path("branched_chat")
    reports = []
    for _ in range(ctx.runs):  # a fresh process each time, as long_chat
        report = _driver(ctx, "bench.drivers.version_switch", str(db), "--switches", "10")
        if not report["intact"]:
            raise RuntimeError("switching versions lost or added rows")
        reports.append(report)
        ctx.log(f"  version switch: open {report['open_ms']:.0f} ms, end"
                f" {max(report['end_ms']):.0f} ms, middle {max(report['middle_ms']):.0f} ms")
    rows, points = reports[0]["rows"], reports[0]["branch_points"]
    what = f"{rows:,} messages, {points:,} branch points"
    return [
        _limit("branched_open", f"Switch to a tab of {what}: painted",
               [r["open_ms"] for r in reports], SWITCH_MS),
        _limit("version_switch_end", f"Switch the last reply's version ({what}): painted",
               [sorted(r["end_ms"])[len(r["end_ms"]) // 2] for r in reports],
               VERSION_SWITCH_MS, {"max_ms": [round(max(r["end_ms"]), 1) for r in reports]}),
        _limit("version_switch_middle",
               f"Switch a version mid-chat, {rows // 2:,} rows below replaced ({what}): painted",
               [sorted(r["middle_ms"])[len(r["middle_ms"]) // 2] for r in reports],
               VERSION_SWITCH_MS,
               {"max_ms": [round(max(r["middle_ms"]), 1) for r in reports]}),
    ]


def ten_tabs(ctx: Context) -> list[Figure]:
    scale = ctx.scale
    report = _driver(
        ctx, "bench.drivers.ten_tabs", "--runs", str(ctx.runs), "--tabs", str(scale.tabs),
        "--size", str(scale.tab_reply_chars), "--chunks", str(scale.tab_reply_chunks),
        "--delay", str(scale.paced_delay),
    )
    runs = report["runs"]
    ctx.log("  ten tabs: " + "; ".join(
        f"p99 {r['p99']:.1f} max {r['max']:.0f} complete {r['complete']}" for r in runs
    ))
    title = f"{scale.tabs} tabs streaming at once"
    return [
        _limit("tabs_p99", f"{title}: p99 gap", [r["p99"] for r in runs], FRAME_MS,
               {"max_gap_ms": [round(r["max"], 1) for r in runs],
                "reply_chars": scale.tab_reply_chars, "chunks": scale.tab_reply_chunks}),
        figure("tabs_complete", f"{title}: replies complete in their tab", "",
               [float(r["complete"]) for r in runs],
               Goal("all", lambda value, base: value >= base), baseline=float(scale.tabs),
               baseline_label="tabs"),
    ]


KEYSTROKE_INTERVAL_MS = 80  # a fast typist: 12.5 characters a second, ~150 words a minute


def typing(ctx: Context) -> list[Figure]:
    """Issue 18: keystroke to painted in a composer holding a 200,000-character draft,
    the context meter re-counting the draft on the token worker after every keystroke."""
    scale = ctx.scale
    reports = []
    for _ in range(ctx.runs):
        report = _driver(ctx, "bench.drivers.typing", "--keystrokes", str(scale.keystrokes),
                         "--chars", str(scale.draft_chars),
                         "--interval", str(KEYSTROKE_INTERVAL_MS))
        reports.append(report)
        ctx.log(f"  typing: keystroke to painted p99 {report['p99']:.1f} median"
                f" {report['median']:.1f} ms; the meter showed {report['counts_shown']}"
                f" counts for {scale.keystrokes} keystrokes ({report['tokens']:,} tokens)")
    return [
        _limit("typing_p99", f"Typing into a {scale.draft_chars:,}-character draft, meter live,"
               f" a key every {KEYSTROKE_INTERVAL_MS} ms: keystroke to painted p99",
               [r["p99"] for r in reports], FRAME_MS,
               {"keystrokes": scale.keystrokes, "interval_ms": KEYSTROKE_INTERVAL_MS,
                "median_ms": [round(r["median"], 2) for r in reports],
                "counts_shown": [r["counts_shown"] for r in reports],
                "draft_tokens": reports[0]["tokens"]}),
    ]
