"""Figures, the table printed at the end, and ``bench/results.json``."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import median


@dataclass(frozen=True)
class Goal:
    """What a figure must meet: ``value <= limit`` or ``value / baseline <= limit``, etc."""

    text: str
    check: Callable[[float, float], bool]

    @classmethod
    def ratio_at_most(cls, limit: float) -> Goal:
        return cls(f"ratio <= {limit:g}", lambda value, base: value <= limit * base)

    @classmethod
    def at_most(cls, limit: float, unit: str) -> Goal:
        return cls(f"<= {limit:g} {unit}", lambda value, _base: value <= limit)

    @classmethod
    def added_at_most(cls, limit: float, unit: str) -> Goal:
        return cls(f"value - baseline <= {limit:g} {unit}", lambda v, b: v - b <= limit)


@dataclass(frozen=True)
class Figure:
    id: str
    figure: str
    unit: str
    value: float  # median of the runs
    baseline: float
    baseline_label: str
    goal: str
    met: bool
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = round(self.ratio, 3)
        for key in ("value", "baseline"):
            data[key] = round(data[key], 3)
        data["samples"] = [round(v, 3) for v in self.samples]
        data["baseline_samples"] = [round(v, 3) for v in self.baseline_samples]
        return data


def figure(
    id: str,
    title: str,
    unit: str,
    samples: Sequence[float],
    goal: Goal,
    *,
    baseline_samples: Sequence[float] = (),
    baseline: float | None = None,
    baseline_label: str = "",
    notes: dict[str, Any] | None = None,
) -> Figure:
    """A figure from its runs: the median of ``samples`` against the median baseline."""
    value = median(samples)
    base = median(baseline_samples) if baseline_samples else baseline
    if base is None:
        raise ValueError(f"{id}: no baseline")
    return Figure(
        id=id, figure=title, unit=unit, value=value, baseline=base,
        baseline_label=baseline_label, goal=goal.text, met=goal.check(value, base),
        samples=list(samples), baseline_samples=list(baseline_samples), notes=notes or {},
    )


def _number(value: float, unit: str) -> str:
    text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else (
        f"{value:.2f}"
    )
    return f"{text} {unit}".strip()


def table(figures: Sequence[Figure]) -> str:
    """The results as a Markdown table (the same text goes in docs/benchmarks.md)."""
    rows = [("figure", "value", "baseline", "ratio", "goal", "met")]
    for f in figures:
        base = _number(f.baseline, f.unit) + (f" ({f.baseline_label})" if f.baseline_label else "")
        rows.append((
            f.figure, _number(f.value, f.unit), base, f"{f.ratio:.2f}", f.goal,
            "yes" if f.met else "**NO**",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def write_json(path: Path, figures: Sequence[Figure], *, quick: bool, runs: int,
               seconds: float) -> None:
    document = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "runs": runs,
        "seconds": round(seconds, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "all_met": all(f.met for f in figures),
        "figures": [f.as_json() for f in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
