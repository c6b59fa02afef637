"""Waiting on another process, which has no signal to wait for: poll with a deadline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T], timeout: float, what: str,
    explain: Callable[[], str] | None = None,
) -> T:
    """The first truthy value of ``predicate()``; AssertionError after ``timeout`` s.

    ``explain`` adds what the other process was doing to the failure message.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)  # polling another process; there is no signal to wait on
    detail = f"\n{explain()}" if explain is not None else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")


def describe_process(pid: int, *files: Path) -> str:
    """The Python stacks of ``pid`` (py-spy, when installed) and the tail of ``files``."""
    parts = []
    spy = Path(sys.executable).with_name("py-spy")
    if spy.exists():
        dump = subprocess.run([str(spy), "dump", "--pid", str(pid)],
                              capture_output=True, text=True, timeout=60)
        parts.append(f"py-spy dump of {pid}:\n{dump.stdout}{dump.stderr}")
    for file in files:
        text = file.read_text(errors="replace") if file.exists() else "(missing)"
        parts.append(f"{file.name}:\n{text[-4000:]}")
    return "\n".join(parts)
