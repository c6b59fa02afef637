"""Build the bundle for the current OS with PyInstaller: one command on Linux, Windows, macOS.

    python packaging/build.py         # -> dist/mixtral-desktop/ (macOS: dist/Mixtral Desktop.app)
    python packaging/build.py --dist DIR --work DIR --clean

Needs the app installed with the packaging extra (``pip install -e ".[packaging]"``) in
the Python that runs this. Prints where the bundle is and its size.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_config as cfg


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path`` (symbolic links not followed)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            file = Path(folder) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def build(dist: Path, work: Path, clean: bool = False) -> Path:
    """Run PyInstaller on the spec; returns the bundle (folder or .app)."""
    if importlib.util.find_spec("PyInstaller") is None:
        raise SystemExit(
            'PyInstaller is missing: pip install -e ".[packaging]" (in this Python: '
            f"{sys.executable})"
        )
    if importlib.util.find_spec("mixtral_desktop") is None:
        raise SystemExit('Install the app first: pip install -e ".[packaging]"')
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(cfg.SPEC),
    ]
    if clean:
        command.insert(3, "--clean")
    subprocess.run(command, check=True, cwd=cfg.ROOT)
    bundle = cfg.bundle_path(dist)
    if not cfg.executable_path(dist).is_file():
        raise SystemExit(f"the build made no {cfg.executable_path(dist)}")
    return bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=cfg.ROOT / "dist",
                        help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=cfg.ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default: build/pyinstaller/)")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    args = parser.parse_args(argv)
    started = time.monotonic()
    bundle = build(args.dist.resolve(), args.work.resolve(), args.clean)
    size_mb = folder_size(bundle) / 1e6
    print(f"built {bundle} ({size_mb:.0f} MB) in {time.monotonic() - started:.0f} s")
    print(f"run it: {cfg.executable_path(args.dist.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
