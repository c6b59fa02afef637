"""PySide6's ``__feature__`` import hook is out of the way once the UI is imported.

The hook swaps ``builtins.__import__`` around every import, which races imports on our
worker threads, and reads every later module's source into memory. Each probe runs in a
fresh interpreter, where PySide6 has just installed the hook.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import builtins, linecache, sys, threading
import PySide6.QtCore
had_hook = builtins.__import__ is getattr(builtins, "__feature_import__", None)
{setup}
def worker():
    import colorsys, wave  # modules nothing has imported yet
threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads: t.start()
import fractions
for t in threads: t.join()
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(["probe", "-platform", "offscreen"])
label = QLabel("still Qt")
read = [m for m in ("colorsys", "wave", "fractions")
        if any(name.endswith(m + ".py") for name in linecache.cache)]
print(had_hook, builtins.__import__ is builtins.__feature_import__, read, label.text())
"""


def run_probe(setup: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(setup=setup)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().split(maxsplit=2)


def test_pyside_installs_the_hook_that_reads_every_module() -> None:
    """The premise: without our fix, imports on worker threads go through PySide's hook.

    (Whether ``builtins.__import__`` is still the hook afterwards varies from run to run:
    that is the race. Two threads' swaps interleave and one "restores" the other's swap.)
    """
    had_hook, _, rest = run_probe("")
    assert had_hook == "True", "this PySide6 no longer hooks imports: drop qt_import_hook"
    assert "'colorsys'" in rest and "'wave'" in rest


def test_importing_the_ui_takes_the_hook_out() -> None:
    had_hook, still_hooked, rest = run_probe("import mixtral_desktop.ui")
    assert had_hook == "True"
    assert still_hooked == "False"
    assert rest == "[] still Qt"
