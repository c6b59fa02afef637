"""Helpers for the packaging tests: the packaging/ scripts, system tools, windows on Xvfb."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import pytest

from tests.e2e.xvfb import Xvfb
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
WINDOW_TITLE = "Mixtral Desktop"
T = TypeVar("T")


def packaging_module(name: str) -> ModuleType:
    """A script of packaging/, imported by its path (packaging/ is a folder, not a package:
    it must not shadow PyPI's ``packaging``, nor its build.py PyPI's ``build``)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def require_tool(tool: str, debian_package: str) -> str:
    """The tool's path; on Linux a missing tool fails the test, naming its package."""
    if not sys.platform.startswith("linux"):
        pytest.skip(f"{tool} is part of the Linux desktop checks")
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is missing: install the Debian package {debian_package} "
                    "(scripts/setup.sh test does)")
    return found



def user_dirs(base: Path) -> dict[str, str]:
    return {
        var: str(base / var.lower())
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    }


def app_log(env: dict[str, str]) -> Path:
    return Path(env["XDG_STATE_HOME"]) / "mixtral-desktop" / "log" / "mixtral-desktop.log"


def log_text(env: dict[str, str]) -> str:
    path = app_log(env)
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def xtool(display: Xvfb, *args: str) -> str:
    """Run an X client (xdotool, xprop) on the display; its output, or "" if it failed."""
    result = subprocess.run(
        list(args), env=display.env(), capture_output=True, text=True, timeout=30
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def find_window(display: Xvfb, timeout: float = 60) -> str:
    """The id of the app's visible main window, once it is mapped."""
    found = wait_for(
        lambda: xtool(display, "xdotool", "search", "--onlyvisible", "--name", WINDOW_TITLE),
        timeout, "the main window",
    )
    return found.splitlines()[0]


def wm_class(display: Xvfb, window: str) -> tuple[str, str]:
    """WM_CLASS of a window: (instance, class), as a desktop matches it to a .desktop file."""
    line = xtool(display, "xprop", "-id", window, "WM_CLASS")
    # WM_CLASS(STRING) = "mixtral-desktop", "Mixtral Desktop"
    values = [part.strip().strip('"') for part in line.split("=", 1)[1].split(",")]
    return values[0], values[1]


def has_window_icon(display: Xvfb, window: str) -> bool:
    return "Icon (16 x 16)" in xtool(display, "xprop", "-id", window, "_NET_WM_ICON")


def quit_like_a_user(display: Xvfb, window: str) -> None:
    """Focus the window and press Ctrl+Q, as a person would."""
    xtool(display, "xdotool", "windowfocus", "--sync", window)
    xtool(display, "xdotool", "key", "ctrl+q")


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def end_process(pid: int, timeout: float = 20) -> None:
    """Wait for a process the test started to end; kill it (by its id) if it does not."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def desktop_entry_value(text: str, key: str) -> str:
    for line in text.splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no {key}= in the desktop entry")
