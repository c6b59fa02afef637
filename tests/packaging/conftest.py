"""Fixtures of the packaging tests: the frozen bundle (built once per run) and an X display."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.xvfb import Xvfb
from tests.packaging.support import PACKAGING, ROOT, packaging_module, require_tool

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the in-process Qt checks need no display
BUILD_TIMEOUT = 600


@dataclass(frozen=True)
class Bundle:
    """The Linux bundle that ``python packaging/build.py`` made for this test run."""

    folder: Path
    executable: Path
    build_seconds: float


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Build the bundle once per test session, with the README's command, into a temp dir."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the bundle tests run the Linux build; see packaging/README.md elsewhere")
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail('PyInstaller is missing: pip install -e ".[packaging]" '
                    "(scripts/setup.sh test does)")
    config = packaging_module("bundle_config")
    base = tmp_path_factory.mktemp("bundle")
    dist, work = base / "dist", base / "work"
    env = dict(os.environ) | {"PYINSTALLER_CONFIG_DIR": str(base / "pyinstaller-cache")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "build.py"), "--dist", str(dist), "--work", str(work)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr[-6000:]}"
    executable = config.executable_path(dist)
    assert executable.is_file(), result.stdout
    return Bundle(folder=config.bundle_path(dist), executable=executable, build_seconds=seconds)


@pytest.fixture
def display() -> Iterator[Xvfb]:
    """A private X server, like a desktop session's."""
    require_tool("Xvfb", "xvfb")
    require_tool("xdotool", "xdotool")
    require_tool("xprop", "x11-utils")
    xvfb = Xvfb().start()
    yield xvfb
    xvfb.stop()
