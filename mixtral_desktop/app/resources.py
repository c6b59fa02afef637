"""Files shipped inside the package (``mixtral_desktop/assets/``): icons, the .desktop entry.

They are package data, so the same paths work from a source tree, a pip install and a
PyInstaller bundle (which copies ``assets/`` next to the frozen modules). Only
:func:`app_icon` needs Qt, and imports it when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mixtral_desktop import APP_ID

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

ICON_NAME = APP_ID
# The .desktop file's name without ".desktop": QGuiApplication.setDesktopFileName gives it
# to the desktop (the Wayland app id), which matches the window to its menu entry.
DESKTOP_FILE_ID = APP_ID
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def assets_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "assets"


def hicolor_dir() -> Path:
    """The icons, laid out as in the freedesktop hicolor theme."""
    return assets_dir() / "icons" / "hicolor"


def icon_png(size: int) -> Path:
    return hicolor_dir() / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"


def icon_svg() -> Path:
    return hicolor_dir() / "scalable" / "apps" / f"{ICON_NAME}.svg"


def desktop_file() -> Path:
    """The .desktop entry as a distribution would install it (``Exec=mixtral-desktop``)."""
    return assets_dir() / f"{DESKTOP_FILE_ID}.desktop"


def app_icon() -> QIcon:
    """The app's icon in every size, for ``QApplication.setWindowIcon``."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_png(size)
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
