"""Start-up time and peak memory: the app's ``main()`` against a bare QMainWindow."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.context import Context
from bench.procs import Launch, run_driver, user_dirs
from bench.results import Figure, Goal, figure
from tests.fakes.segmind_server import FakeSegmind


@dataclass(frozen=True)
class Variant:
    name: str
    module: str
    profile: str | None = None
    args: tuple[str, ...] = ()


BARE = Variant("bare", "bench.drivers.bare_window")
APP = Variant("app", "bench.drivers.app_startup")
HISTORY = Variant("history", "bench.drivers.app_startup", "history")
TABS = Variant("tabs", "bench.drivers.app_startup", "tabs", ("visit",))
VARIANTS = (BARE, APP, HISTORY, TABS)


def _launch(ctx: Context, variant: Variant, server: FakeSegmind) -> Launch:
    with tempfile.TemporaryDirectory(prefix="bench-home-", dir=ctx.work) as home:
        dirs = user_dirs(Path(home))
        ctx.profiles.install(variant.profile, Path(dirs["XDG_DATA_HOME"]))
        env = ctx.env | dirs | server.client_env()
        return run_driver(variant.module, list(variant.args), env)


def run(ctx: Context) -> list[Figure]:
    for variant in VARIANTS:  # build the profiles before anything is timed
        if variant.profile is not None:
            ctx.profiles.path(variant.profile)
    times: dict[str, list[float]] = {v.name: [] for v in VARIANTS}
    peaks: dict[str, list[float]] = {v.name: [] for v in VARIANTS}
    tabs: dict[str, int] = {}
    with FakeSegmind(mode="auto") as server:
        if ctx.warm_up:  # bytecode compiled and cached, files in the page cache
            for variant in VARIANTS:
                _launch(ctx, variant, server)
        for number in range(ctx.runs):
            for variant in VARIANTS:  # interleaved, so drift hits every variant alike
                launch = _launch(ctx, variant, server)
                times[variant.name].append((launch.report["ready"] - launch.started) * 1000)
                peaks[variant.name].append(launch.report["VmHWM"] / 1024)
                tabs[variant.name] = int(launch.report.get("tabs", 0))
            ctx.log(f"  start-up run {number + 1}/{ctx.runs}: " + ", ".join(
                f"{name} {times[name][-1]:.0f} ms {peaks[name][-1]:.0f} MB" for name in times
            ))
    bare = "bare QMainWindow"
    return [
        figure("startup_empty", "Start-up, empty profile", "ms", times["app"],
               Goal.ratio_at_most(1.3), baseline_samples=times["bare"], baseline_label=bare),
        figure("startup_history", "Start-up, 100,000 messages", "ms", times["history"],
               Goal.ratio_at_most(1.3), baseline_samples=times["bare"], baseline_label=bare,
               notes={"restored_tabs": tabs.get("history", 0)}),
        figure("memory_idle", "Peak RSS idle, empty profile", "MB", peaks["app"],
               Goal.ratio_at_most(1.3), baseline_samples=peaks["bare"], baseline_label=bare),
        figure("memory_history", "Peak RSS idle, 100,000 messages", "MB", peaks["history"],
               Goal.ratio_at_most(1.3), baseline_samples=peaks["bare"], baseline_label=bare),
        figure("memory_tabs", "Peak RSS, 20 tabs x 1,000 messages", "MB", peaks["tabs"],
               Goal.ratio_at_most(2.0), baseline_samples=peaks["app"],
               baseline_label="app idle", notes={"tabs": tabs.get("tabs", 0)}),
    ]
