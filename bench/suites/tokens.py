"""Token counts (``core.domain.tokens``): the first count of a 64K-token chat, a
keystroke's re-count, the tokenizer's memory, and our prompt count against the
fake Segmind's ``usage.prompt_tokens`` (mistral-common's count).

Each measure runs in a fresh process (``bench/drivers/tokens.py``): the first count
includes importing and loading the tokenizer, and the memory is what it adds to a
process that had not loaded it. The goals are absolute, so the baseline column is
the goal (or, for memory, the process before the import).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.procs import run_driver, user_dirs
from bench.results import Figure, Goal, figure
from bench.stats import median, percentile

FIRST_COUNT_MS = 80.0
KEYSTROKE_MS = 5.0
MEMORY_MB = 15.0
KEYSTROKES = 200
DRIVER = "bench.drivers.tokens"


def _driver(ctx: Context, *args: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-home-", dir=ctx.work) as home:
        env = ctx.env | user_dirs(Path(home))
        return run_driver(DRIVER, list(args), env).report


def _limit(id: str, title: str, samples: list[float], limit: float,
           notes: dict[str, Any] | None = None) -> Figure:
    return figure(id, title, "ms", samples, Goal.at_most(limit, "ms"), baseline=limit,
                  baseline_label="goal", notes=notes)


def run(ctx: Context) -> list[Figure]:
    if ctx.warm_up:  # bytecode compiled and cached, the model file in the page cache
        for what in ("first", "memory"):
            _driver(ctx, what)
    firsts, befores, afters = [], [], []
    for _ in range(ctx.runs):  # interleaved, each a fresh process
        firsts.append(_driver(ctx, "first"))
        memory = _driver(ctx, "memory")
        befores.append(memory["before_mb"])
        afters.append(memory["after_mb"])
    typing = [_driver(ctx, "keystrokes", "--keystrokes", str(KEYSTROKES))
              for _ in range(ctx.runs)]
    usage = _driver(ctx, "usage")["requests"]
    tokens, messages = firsts[0]["tokens"], firsts[0]["messages"]
    oracle = typing[0]["oracle_tokens"]
    if tokens != oracle or typing[0]["typed_tokens"] != typing[0]["oracle_typed_tokens"]:
        raise RuntimeError(f"the long chat: {tokens} tokens counted, {oracle} by mistral-common")
    medians = [median(run["ms"]) for run in typing]
    p95s = [percentile(run["ms"], 95) for run in typing]
    differences = [abs(r["ours"] - r["server"]) for r in usage]
    ctx.log("  tokens: first count " + ", ".join(f"{r['ms']:.0f}" for r in firsts)
            + f" ms ({tokens:,} tokens, {messages} messages); keystroke median "
            + ", ".join(f"{v:.2f}" for v in medians) + " p95 "
            + ", ".join(f"{v:.2f}" for v in p95s) + " ms; memory +"
            + ", ".join(f"{a - b:.1f}" for a, b in zip(afters, befores, strict=True))
            + f" MB; prompt counts off by {differences}")
    what = f"{tokens:,}-token chat, {messages} messages"
    keystroke_notes = {"keystrokes": KEYSTROKES, "tokens": tokens}
    return [
        _limit("tokens_first_count", f"Token count, first ({what}, tokenizer loaded): worker",
               [r["ms"] for r in firsts], FIRST_COUNT_MS,
               {"tokens": tokens, "messages": messages, "oracle_tokens": oracle}),
        _limit("tokens_keystroke_median", f"Token re-count per keystroke ({what}): median",
               medians, KEYSTROKE_MS, keystroke_notes),
        _limit("tokens_keystroke_p95", f"Token re-count per keystroke ({what}): p95",
               p95s, KEYSTROKE_MS, keystroke_notes),
        figure("tokens_memory", "Tokenizer loaded, RSS", "MB", afters,
               Goal.added_at_most(MEMORY_MB, "MB"), baseline_samples=befores,
               baseline_label="before import"),
        figure("tokens_vs_server", f"Prompt tokens: ours vs the fake server's usage "
               f"({len(usage)} requests), total difference", "", [float(sum(differences))],
               Goal("= 0", lambda value, _base: value == 0),
               baseline=float(sum(r["server"] for r in usage)),
               baseline_label="server's prompt tokens",
               notes={"requests": usage}),
    ]
