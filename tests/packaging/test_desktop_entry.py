"""The Linux desktop integration files and `--install-desktop-entry` (no window, no bundle)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mixtral_desktop import APP_NAME, __version__
from mixtral_desktop.app import desktop_entry, resources
from tests.packaging.support import (
    ROOT,
    desktop_entry_value,
    packaging_module,
    require_tool,
)

config = packaging_module("bundle_config")
METAINFO = ROOT / "resources" / "linux" / f"{config.BUNDLE_ID}.metainfo.xml"


def validate_desktop_file(path: Path) -> None:
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_packaged_desktop_file_is_valid() -> None:
    validate_desktop_file(resources.desktop_file())
    text = resources.desktop_file().read_text(encoding="utf-8")
    # Qt names X11 windows WM_CLASS = (program name, application name); the class is the
    # application name whichever way the app starts, so StartupWMClass matches that.
    assert desktop_entry_value(text, "StartupWMClass") == APP_NAME
    assert desktop_entry_value(text, "Icon") == resources.ICON_NAME
    assert resources.desktop_file().stem == resources.DESKTOP_FILE_ID


def test_the_appstream_metainfo_is_valid_and_current() -> None:
    tool = require_tool("appstreamcli", "appstream")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == config.BUNDLE_ID
    assert root.findtext("launchable") == f"{resources.DESKTOP_FILE_ID}.desktop"
    assert root.findtext("icon") == resources.ICON_NAME
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == __version__, (
        "add a <release> for the package's version to the metainfo"
    )


@pytest.mark.parametrize(
    ("argument", "quoted"),
    [
        ("/opt/mixtral-desktop/mixtral-desktop", "/opt/mixtral-desktop/mixtral-desktop"),
        ("/home/a b/mixtral-desktop", '"/home/a b/mixtral-desktop"'),
        ('/x/"q"$`\\', '"/x/\\"q\\"\\$\\`\\\\"'),
        ("/x/100%", "/x/100%%"),
    ],
)
def test_exec_arguments_are_quoted_as_the_spec_asks(argument: str, quoted: str) -> None:
    assert desktop_entry.exec_quote(argument) == quoted


def test_install_and_uninstall_into_a_data_home(tmp_path: Path) -> None:
    home = tmp_path / "share"
    command = ["/opt/Mixtral Desktop/mixtral-desktop"]
    written = desktop_entry.install(home, command)
    entry = home / "applications" / "mixtral-desktop.desktop"
    assert entry in written
    validate_desktop_file(entry)
    text = entry.read_text(encoding="utf-8")
    assert desktop_entry_value(text, "Exec") == '"/opt/Mixtral Desktop/mixtral-desktop"'
    assert desktop_entry_value(text, "TryExec") == "/opt/Mixtral Desktop/mixtral-desktop"
    for size in resources.ICON_SIZES:
        png = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "mixtral-desktop.png"
        assert png.read_bytes() == resources.icon_png(size).read_bytes()
    svg = home / "icons" / "hicolor" / "scalable" / "apps" / "mixtral-desktop.svg"
    assert svg.is_file()
    other = home / "applications" / "someone-else.desktop"
    other.write_text("[Desktop Entry]\n")

    removed = desktop_entry.uninstall(home)
    assert sorted(removed) == sorted(written)
    assert not any(path.exists() for path in written)
    assert other.exists(), "uninstall removes our files only"
    assert desktop_entry.uninstall(home) == []


def test_data_home_follows_xdg() -> None:
    assert desktop_entry.data_home({"XDG_DATA_HOME": "/x/share"}) == Path("/x/share")
    default = Path.home() / ".local" / "share"
    assert desktop_entry.data_home({"XDG_DATA_HOME": "relative/share"}) == default
    assert desktop_entry.data_home({}) == default


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="menu entries are for Linux")
def test_the_pip_installed_command_installs_and_uninstalls(tmp_path: Path) -> None:
    """`mixtral-desktop --install-desktop-entry`, run with no stdout or stderr at all (as in
    a windowed build), points the entry at that very script."""
    script = Path(sys.executable).with_name("mixtral-desktop")
    assert script.is_file(), "install the package first (scripts/setup.sh test)"
    env = dict(os.environ) | {"XDG_DATA_HOME": str(tmp_path / "share")}
    entry = tmp_path / "share" / "applications" / "mixtral-desktop.desktop"
    closed = ["sh", "-c", 'exec "$0" "$@" >&- 2>&-', str(script)]
    result = subprocess.run([*closed, "--install-desktop-entry"], env=env, timeout=60)
    assert result.returncode == 0
    assert desktop_entry_value(entry.read_text(), "Exec") == str(script)

    result = subprocess.run(
        [str(script), "--uninstall-desktop-entry"], env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Removed Mixtral Desktop from the applications menu" in result.stdout
    assert not entry.exists()
