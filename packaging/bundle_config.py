"""What goes into the bundles, and what is left out: read by the spec, its hooks and build.py.

Plain Python without PyInstaller, so the tests can check it too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path, PurePath

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "mixtral-desktop.spec"

DIST_NAME = "mixtral-desktop"  # the distribution whose version the bundle carries
EXE_NAME = "mixtral-desktop"  # dist/mixtral-desktop/mixtral-desktop(.exe)
APP_NAME = "Mixtral Desktop"
MAC_APP_NAME = f"{APP_NAME}.app"
# Reverse-DNS id: the macOS bundle identifier and the AppStream component id.
BUNDLE_ID = "io.github.mixtral_desktop.MixtralDesktop"
ICO = ROOT / "resources" / "mixtral-desktop.ico"
ICNS = ROOT / "resources" / "mixtral-desktop.icns"

# Modules the frozen app needs but PyInstaller cannot see: keyring finds its backends by
# entry points, and each backend imports the OS's secret store lazily.
KEYRING_IMPORTS = [
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
]
PLATFORM_KEYRING_IMPORTS = {
    # Secret Service (GNOME Keyring, KWallet) over D-Bus, through secretstorage and jeepney.
    "linux": ["keyring.backends.SecretService", "secretstorage", "jeepney",
              "jeepney.io.blocking"],
    # Credential Manager through pywin32-ctypes.
    "win32": ["keyring.backends.Windows", "win32ctypes.core", "win32ctypes.pywin32.win32cred",
              "win32ctypes.pywin32.pywintypes"],
    # The login Keychain through ctypes.
    "darwin": ["keyring.backends.macOS", "keyring.backends.macOS.api"],
}


def hidden_imports(platform: str = sys.platform) -> list[str]:
    key = "linux" if platform.startswith("linux") else platform
    return KEYRING_IMPORTS + PLATFORM_KEYRING_IMPORTS.get(key, [])


# Python modules never used: a plain-text keyring must never be picked up by the bundle.
# numpy and PIL: sentencepiece imports numpy only for its "numpy" return type (and numpy's
# analysis drags PIL in); the app never asks for it. Left in, they cost ~75 MB.
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "keyrings", "PySide6.QtQml", "PySide6.QtQuick", "numpy", "PIL",
]

# Qt plugins, by type folder. The app draws widgets on X11 or Wayland (Windows, macOS),
# loads no image but its SVG icon, and uses QtNetwork only for a local socket.
EXCLUDED_PLUGIN_TYPES = {
    "egldeviceintegrations",  # EGLFS: full-screen embedded devices without a desktop
    "generic",  # evdev/tuio input, used by EGLFS and linuxfb only
    "networkinformation",  # QNetworkInformation: unused (and pulls GLib/NetworkManager)
    "tls",  # QSslSocket backends: HTTPS goes through requests and Python's ssl
    "networkaccess",
    "qmltooling",
}
EXCLUDED_PLUGINS = {
    # Embedded and remote platforms; xcb, wayland, windows, cocoa and offscreen stay.
    "platforms": {"qeglfs", "qlinuxfb", "qminimal", "qminimalegl", "qvnc", "qvkkhrdisplay",
                  "qdirect2d"},
    # The GTK 3 theme would drag the build machine's whole GTK stack (about 25 MB of system
    # libraries) into the bundle, where it can clash with the user's GTK; the XDG portal
    # theme still gives native file dialogs.
    "platformthemes": {"qgtk3"},
    "platforminputcontexts": {"qtvirtualkeyboardplugin"},
    # Desktops speak xdg-shell; the others are for embedded compositors.
    "wayland-shell-integration": {"fullscreen-shell-v1", "ivi-shell", "qt-shell",
                                  "wl-shell-plugin"},
}
KEPT_IMAGE_FORMATS = {"qsvg"}  # PNG is built into QtGui; SVG draws the icon
QT_DIR = ("PySide6", "Qt")


def plugin_stem(filename: str) -> str:
    """``libqgtk3.so`` / ``qgtk3.dll`` / ``libqgtk3.dylib`` -> ``qgtk3``."""
    stem = filename.split(".", 1)[0]
    return stem[3:] if stem.startswith("lib") else stem


def excluded(dest: str) -> bool:
    """True if a bundle entry (its path inside the bundle) is something the app never uses."""
    parts = PurePath(dest.replace("\\", "/")).parts
    if parts[: len(QT_DIR)] != QT_DIR:
        return False
    rest = parts[len(QT_DIR):]
    if rest[:1] == ("translations",):  # the UI is English only; Qt's own strings stay English
        return True
    if rest[:1] != ("plugins",) or len(rest) < 3:
        return False
    kind, stem = rest[1], plugin_stem(rest[-1])
    if kind in EXCLUDED_PLUGIN_TYPES:
        return True
    if kind == "imageformats":
        return stem not in KEPT_IMAGE_FORMATS
    return stem in EXCLUDED_PLUGINS.get(kind, set())


def trim_hook_result(
    hiddenimports: list[str], binaries: list[tuple[str, str]], datas: list[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """A Qt hook's (hiddenimports, binaries, datas) without the excluded plugins/translations.

    Hooks give (source file, destination folder) pairs; trimming them in the hook, before
    PyInstaller follows their library dependencies, keeps those dependencies out too.
    """
    def keep(entry: tuple[str, str]) -> bool:
        return not excluded(str(PurePath(entry[1]) / PurePath(entry[0]).name))

    return hiddenimports, [b for b in binaries if keep(b)], [d for d in datas if keep(d)]


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` -> ``(0, 1, 0, 0)``; Windows wants four numbers."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(n) for n in match.group(0).split(".")] if match else []
    padded = [*numbers, 0, 0, 0, 0][:4]
    return padded[0], padded[1], padded[2], padded[3]


def windows_version_info(version: str) -> str:
    """The .exe's version resource, in PyInstaller's version-file syntax."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": "The Mixtral Desktop developers",
        "FileDescription": APP_NAME,
        "FileVersion": version,
        "InternalName": EXE_NAME,
        "LegalCopyright": "Apache-2.0",
        "OriginalFilename": f"{EXE_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    string_structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,
                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{string_structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def mac_info_plist(version: str) -> dict[str, object]:
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSHighResolutionCapable": True,  # sharp text on Retina screens
        "NSRequiresAquaSystemAppearance": False,  # follow dark mode
        "NSPrincipalClass": "NSApplication",
        "LSApplicationCategoryType": "public.app-category.productivity",
        "LSMinimumSystemVersion": "12.0",  # Qt 6.8 supports macOS 12 and later
        "NSHumanReadableCopyright": "Apache-2.0",
    }


def bundle_path(dist: Path, platform: str = sys.platform) -> Path:
    """What the build produces for ``platform``: the .app on macOS, else the folder."""
    return dist / MAC_APP_NAME if platform == "darwin" else dist / EXE_NAME


def executable_path(dist: Path, platform: str = sys.platform) -> Path:
    if platform == "darwin":
        return bundle_path(dist, platform) / "Contents" / "MacOS" / EXE_NAME
    suffix = ".exe" if platform == "win32" else ""
    return dist / EXE_NAME / f"{EXE_NAME}{suffix}"
