"""The benchmark harness runs end to end (``python -m bench --quick``) and writes a
well-formed results file. Timings are not asserted: these machines are too noisy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "id", "figure", "unit", "value", "baseline", "baseline_label", "ratio", "goal", "met",
    "samples", "baseline_samples", "notes",
}
FIGURES = {
    "startup_empty", "startup_history", "memory_idle", "memory_history", "memory_tabs",
    "stream_fast_p99", "stream_fast_max", "stream_fast_latency", "stream_paced_p99",
    "stream_paced_max", "stream_paced_latency", "long_switch", "long_scroll_p99", "tabs_p99",
    "tabs_complete", "request_overhead", "search_p95", "branched_open", "version_switch_end",
    "version_switch_middle", "tokens_first_count", "tokens_keystroke_median",
    "tokens_keystroke_p95", "tokens_memory", "tokens_vs_server",
    "typing_p99", "pdf_extract", "source_attach",
}


def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--quiet", "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=110,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: a goal missed, fine here
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["quick"] is True and document["runs"] >= 1
    assert document["all_met"] == (result.returncode == 0)
    figures = document["figures"]
    assert {f["id"] for f in figures} == FIGURES
    for figure in figures:
        assert set(figure) == FIELDS, figure["id"]
        assert isinstance(figure["met"], bool) and figure["goal"]
        assert figure["samples"] and all(isinstance(v, float | int) for v in figure["samples"])
        assert figure["baseline"] > 0 and figure["ratio"] >= 0
    assert "| figure" in result.stdout  # the table
