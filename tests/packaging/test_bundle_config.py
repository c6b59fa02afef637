"""The cross-platform parts of the spec that this Linux machine cannot build: checked as data."""

from __future__ import annotations

import ast
import plistlib
from pathlib import Path
from typing import Any

import pytest

from mixtral_desktop import APP_NAME, __version__
from tests.packaging.support import ROOT, packaging_module

config = packaging_module("bundle_config")


class Recorded:
    """Stands in for PyInstaller's version-info classes (they import only on Windows)."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs


def recorder(name: str) -> Any:
    return lambda *args, **kwargs: Recorded(name, *args, **kwargs)


def test_windows_version_resource_carries_the_package_version() -> None:
    text = config.windows_version_info("1.2.3")
    ast.parse(text, mode="eval")  # PyInstaller eval()s this file
    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
             "StringStruct", "VarFileInfo", "VarStruct")
    info = eval(text, {name: recorder(name) for name in names})
    assert info.name == "VSVersionInfo"
    assert info.kwargs["ffi"].kwargs["filevers"] == (1, 2, 3, 0)
    table = info.kwargs["kids"][0].args[0][0]
    strings = {s.args[0]: s.args[1] for s in table.args[1]}
    assert strings["ProductVersion"] == "1.2.3"
    assert strings["ProductName"] == APP_NAME
    assert strings["OriginalFilename"] == "mixtral-desktop.exe"


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("2.10", (2, 10, 0, 0)), ("1.2.3.4.5", (1, 2, 3, 4)),
     ("0.2.0rc1", (0, 2, 0, 0)), ("0.0.0+source", (0, 0, 0, 0))],
)
def test_version_tuple(version: str, numbers: tuple[int, ...]) -> None:
    assert config.version_tuple(version) == numbers


def test_macos_info_plist_is_a_valid_high_dpi_plist() -> None:
    plist = config.mac_info_plist(__version__)
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleShortVersionString"] == __version__
    plistlib.loads(plistlib.dumps(plist))  # serialisable as PyInstaller writes it
    assert config.BUNDLE_ID.count(".") >= 2 and " " not in config.BUNDLE_ID
    assert config.bundle_path(Path("dist"), "darwin") == Path("dist/Mixtral Desktop.app")
    assert config.executable_path(Path("dist"), "darwin") == Path(
        "dist/Mixtral Desktop.app/Contents/MacOS/mixtral-desktop")
    assert config.executable_path(Path("dist"), "win32") == Path(
        "dist/mixtral-desktop/mixtral-desktop.exe")


@pytest.mark.parametrize(
    ("dest", "left_out"),
    [
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
        ("PySide6\\Qt\\plugins\\platforms\\qwindows.dll", False),
        ("PySide6\\Qt\\plugins\\platforms\\qdirect2d.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
        ("PySide6/Qt/plugins/imageformats/qjpeg.dll", True),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", False),
        ("PySide6/Qt/lib/libQt6Gui.so.6", False),
        ("mixtral_desktop/assets/mixtral-desktop.desktop", False),
    ],
)
def test_what_the_bundle_leaves_out(dest: str, left_out: bool) -> None:
    assert config.excluded(dest) is left_out


def test_the_spec_uses_the_shared_config() -> None:
    spec = (ROOT / "packaging" / "mixtral-desktop.spec").read_text()
    for needed in ("console=False", "exclude_binaries=True", "cfg.BUNDLE_ID",
                   "cfg.mac_info_plist", "cfg.windows_version_info", "copy_metadata"):
        assert needed in spec
    assert config.ICO.is_file() and config.ICNS.is_file()


@pytest.mark.parametrize(
    ("platform", "backend"),
    [("linux", "keyring.backends.SecretService"), ("win32", "keyring.backends.Windows"),
     ("darwin", "keyring.backends.macOS")],
)
def test_each_os_bundles_its_keyring_backend(platform: str, backend: str) -> None:
    imports = config.hidden_imports(platform)
    assert backend in imports
    assert "keyring.backends.chainer" in imports
    assert ("secretstorage" in imports) is (platform == "linux")
