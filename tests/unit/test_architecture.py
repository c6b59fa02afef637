"""The shape of the package: core/ stays plain Python (importing all of it loads no Qt),
no import cycles, no oversized modules or classes, no module-level shared state."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, json, pkgutil, sys
import mixtral_desktop.core as core
names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + "."))
for name in names:
    importlib.import_module(name)
qt = sorted(n for n in sys.modules if n.split(".")[0] in ("PySide6", "shiboken6"))
print(json.dumps({"imported": names, "qt": qt}))
"""


def test_core_imports_no_qt() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = {"mixtral_desktop.core.segmind.client", "mixtral_desktop.core.segmind.sse"}
    assert expected <= set(result["imported"])
    assert result["qt"] == []


# -- the house: no import cycles, small modules and classes ------------------------------

MAX_MODULE_LINES = 400
MAX_CLASS_METHODS = 25  # counting Qt's overrides (paintEvent, sizeHint, ...) and properties
PACKAGE = ROOT / "mixtral_desktop"


def import_cycles(package: str) -> list[list[str]]:
    """Every set of modules of ``package`` that import each other, directly or through
    others (``TYPE_CHECKING`` imports counted: they stand for calls back at run time)."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    # Tarjan's strongly connected components, iteratively (no recursion limit).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            for position in range(child, len(edges[node])):
                target = edges[node][position]
                if target not in index:
                    work.append((node, position + 1))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges[node]:
                        cycles.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return cycles


def test_the_package_has_no_import_cycle() -> None:
    assert import_cycles("mixtral_desktop") == []


def test_a_cycle_through_type_checking_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: a window and its session calling each other, one side's import
    hidden behind ``TYPE_CHECKING`` (the cycle the old ``ui/`` had)."""
    package = tmp_path / "cyclic_app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "window.py").write_text("from cyclic_app.session import Session\n")
    (package / "session.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from cyclic_app.window import Window\n"
    )
    (package / "store.py").write_text("import cyclic_app.session\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclic_app") == [["cyclic_app.session", "cyclic_app.window"]]


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_class_has_more_than_25_methods() -> None:
    big = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                methods = [
                    item for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                if len(methods) > MAX_CLASS_METHODS:
                    big[f"{path.relative_to(ROOT)}:{node.name}"] = len(methods)
    assert big == {}


def test_no_function_rebinds_module_state() -> None:
    """Shared state belongs to objects the app makes and passes on, not to modules: no
    ``global`` statement anywhere."""
    rebinding = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Global)
    ]
    assert rebinding == []


def test_every_package_says_what_it_holds_and_may_import() -> None:
    unsaid = [
        str(init.relative_to(ROOT))
        for init in PACKAGE.rglob("__init__.py")
        if init.parent != PACKAGE
        and (
            len(ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or "") < 80
            or "import" not in (ast.get_docstring(ast.parse(init.read_text())) or "")
        )
    ]
    assert unsaid == []
