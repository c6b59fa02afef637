"""The app's menu entry and icon for the current user (Linux and other freedesktop desktops).

``mixtral-desktop --install-desktop-entry`` writes, under ``$XDG_DATA_HOME``
(``~/.local/share`` by default):

- ``applications/mixtral-desktop.desktop``, whose ``Exec`` is the absolute path of the
  program that ran the command: the frozen bundle's binary, or the pip-installed
  ``mixtral-desktop`` script;
- ``icons/hicolor/<size>/apps/mixtral-desktop.png`` for every size, and the SVG as
  ``icons/hicolor/scalable/apps/mixtral-desktop.svg``.

``mixtral-desktop --uninstall-desktop-entry`` removes exactly those files. No Qt here:
both run before, and without, any window.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from mixtral_desktop import APP_ID, APP_NAME
from mixtral_desktop.app import resources

INSTALL_FLAG = "--install-desktop-entry"
UNINSTALL_FLAG = "--uninstall-desktop-entry"
# Characters the Desktop Entry spec reserves in Exec arguments: such an argument is quoted.
_EXEC_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def data_home(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME`` when set to an absolute path, else ``~/.local/share``."""
    value = (os.environ if env is None else env).get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def desktop_file_path(home: Path) -> Path:
    return home / "applications" / f"{resources.DESKTOP_FILE_ID}.desktop"


def icon_targets(home: Path) -> dict[Path, Path]:
    """Each icon file shipped in the package -> where the install puts it."""
    source = resources.hicolor_dir()
    target = home / "icons" / "hicolor"
    files = [resources.icon_png(size) for size in resources.ICON_SIZES] + [resources.icon_svg()]
    return {path: target / path.relative_to(source) for path in files}


def launcher_command() -> list[str]:
    """How the menu entry starts this very installation of the app (absolute paths)."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: its own executable
        return [str(Path(sys.executable).absolute())]
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == APP_ID and argv0.is_file():
        return [str(argv0.absolute())]  # started as the `mixtral-desktop` script
    candidates = [Path(sys.executable).with_name(APP_ID)]  # a venv's bin/, pipx, /usr/bin
    found = shutil.which(APP_ID)
    if found:
        candidates.append(Path(found))
    for script in candidates:
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "mixtral_desktop"]


def exec_quote(argument: str) -> str:
    """One argument of an ``Exec`` key, quoted as the Desktop Entry spec asks."""
    argument = argument.replace("%", "%%")
    if not _EXEC_RESERVED.intersection(argument):
        return argument
    escaped = "".join("\\" + char if char in '"`$\\' else char for char in argument)
    return f'"{escaped}"'


def escape_value(value: str) -> str:
    """A string as a desktop-file value (a backslash is written as two)."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def desktop_entry_text(command: Sequence[str]) -> str:
    """The packaged .desktop file with ``Exec`` and ``TryExec`` pointing at ``command``."""
    exec_line = escape_value(" ".join(exec_quote(arg) for arg in command))
    lines = []
    for line in resources.desktop_file().read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        elif line.startswith("TryExec="):
            line = f"TryExec={escape_value(command[0])}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def install(home: Path | None = None, command: Sequence[str] | None = None) -> list[Path]:
    """Add the menu entry and the icons; returns the files written."""
    home = data_home() if home is None else home
    command = launcher_command() if command is None else list(command)
    written = []
    for source, target in icon_targets(home).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    entry = desktop_file_path(home)
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = entry.with_name(entry.name + ".part")
    partial.write_text(desktop_entry_text(command), encoding="utf-8")
    os.replace(partial, entry)  # a menu never sees a half-written entry
    written.append(entry)
    _refresh_caches(home)
    return written


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install` wrote; returns the files removed."""
    home = data_home() if home is None else home
    removed = []
    for path in [desktop_file_path(home), *icon_targets(home).values()]:
        if path.is_file():
            path.unlink()
            removed.append(path)
    _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Update the icon and menu caches, where the user has them (most have none)."""
    hicolor = home / "icons" / "hicolor"
    if hicolor.is_dir():
        os.utime(hicolor)  # GTK rescans a theme folder whose time changed
        if (hicolor / "icon-theme.cache").exists():
            _run_quietly(["gtk-update-icon-cache", "--force", "--quiet", str(hicolor)])
    applications = home / "applications"
    if (applications / "mimeinfo.cache").exists():
        _run_quietly(["update-desktop-database", "--quiet", str(applications)])


def _run_quietly(command: list[str]) -> None:
    if shutil.which(command[0]):
        subprocess.run(command, check=False, capture_output=True, timeout=60)


def requested(args: Sequence[str]) -> str | None:
    """The desktop-entry flag among the command-line ``args``, if any."""
    for flag in (INSTALL_FLAG, UNINSTALL_FLAG):
        if flag in args:
            return flag
    return None


def run(flag: str) -> int:
    """Carry out ``--install-desktop-entry`` or ``--uninstall-desktop-entry``; exit code."""
    if sys.platform in ("win32", "darwin"):
        _tell("The menu entry is for Linux desktops: on Windows and macOS, install the "
              "bundle built by packaging/build.py (see the README).", error=True)
        return 2
    try:
        if flag == INSTALL_FLAG:
            command = launcher_command()
            written = install(command=command)
            _tell(f"Added {APP_NAME} to the applications menu (it starts {command[0]}):")
            for path in written:
                _tell(f"  {path}")
        else:
            removed = uninstall()
            _tell(f"Removed {APP_NAME} from the applications menu." if removed
                  else f"{APP_NAME} was not in the applications menu.")
            for path in removed:
                _tell(f"  {path}")
    except OSError as error:
        _tell(f"Could not change the menu entry: {error}", error=True)
        return 1
    return 0


def _tell(text: str, error: bool = False) -> None:
    """Print for a terminal; a windowed build has no stdout or stderr (None) and prints nothing."""
    stream = sys.stderr if error else sys.stdout
    if stream is not None:
        print(text, file=stream)
