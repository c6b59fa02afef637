"""Running a driver in a fresh process with an isolated, identical environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
DRIVER_TIMEOUT_S = 300


class DriverFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Launch:
    report: dict[str, Any]
    started: float  # time.monotonic() just before the process was created
    ended: float


def base_env(pycache: Path) -> dict[str, str]:
    """The environment every driver gets: offscreen Qt, no keyring, no real key.

    Bytecode is cached under ``pycache`` (the bench compiles once, then every run
    loads .pyc files as an installed app does, even if PYTHONDONTWRITEBYTECODE is
    set in the calling shell). No D-Bus and the null keyring backend: nothing ever
    reads or writes a real keyring.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "QT_", "SEGMIND_", "MIXTRAL_", "DBUS_", "PYTHON"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPYCACHEPREFIX=str(pycache),
        PYTHONPATH=str(ROOT),
    )
    if os.path.isdir(FONT_DIR):
        env["QT_QPA_FONTDIR"] = FONT_DIR
    return env


def user_dirs(home: Path) -> dict[str, str]:
    return {var: str(home / var.lower()) for var in XDG_VARS}


def run_driver(
    module: str, args: list[str], env: Mapping[str, str], timeout: float = DRIVER_TIMEOUT_S
) -> Launch:
    """Run ``python -m module REPORT *args``; its report (JSON) and when it ran."""
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, "-m", module, str(report), *args]
        started = time.monotonic()
        result = subprocess.run(
            command, env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        ended = time.monotonic()
        if result.returncode != 0 or not report.exists():
            raise DriverFailed(
                f"{module} {' '.join(args)} exited with {result.returncode}:\n"
                f"{result.stderr[-3000:]}"
            )
        return Launch(json.loads(report.read_text(encoding="utf-8")), started, ended)
