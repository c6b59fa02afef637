"""Build every app icon from the SVG sources in resources/.

    python packaging/make_icons.py

Writes, from ``resources/mixtral-desktop.svg`` (and ``mixtral-desktop-small.svg``, a
simpler drawing for the sizes of 32 px and less, where the big one turns to mush):

- the PNG sizes of the freedesktop hicolor theme, 16 to 512 px, and a copy of the SVG as
  the scalable icon, in the package (``mixtral_desktop/assets/icons/hicolor/``), so a pip
  install and the bundles carry them and the window and the desktop entry use them;
- ``resources/mixtral-desktop.ico`` (Windows: the .exe's icon) and
  ``resources/mixtral-desktop.icns`` (macOS: the .app's icon), for the PyInstaller spec.

Rendering uses QtSvg from PySide6 (already a dependency); the .ico and .icns containers
are written here, with PNG-compressed images (Windows Vista+, macOS 10.7+).
The outputs are committed: run this again only after changing an SVG.
"""

from __future__ import annotations

import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
SOURCE = RESOURCES / "mixtral-desktop.svg"
SMALL_SOURCE = RESOURCES / "mixtral-desktop-small.svg"
HICOLOR = ROOT / "mixtral_desktop" / "assets" / "icons" / "hicolor"
ICO = RESOURCES / "mixtral-desktop.ico"
ICNS = RESOURCES / "mixtral-desktop.icns"
ICON_NAME = "mixtral-desktop"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL_UP_TO = 32  # sizes up to this one are drawn from the small SVG
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Apple's icon types holding PNG data, with their pixel size (ic11..ic14 are @2x).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
    (b"ic07", 128), (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512),
    (b"ic10", 1024),
)


def render_png(svg: Path, size: int) -> bytes:
    """``svg`` drawn into a transparent ``size`` x ``size`` PNG."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG"):
        raise SystemExit(f"could not encode a {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding one PNG per size (a 256 px entry is written as 0)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An Apple .icns with one PNG per icon type.

    No table of contents: it is optional (macOS reads the blocks themselves), and Qt's
    reader rejects one.
    """
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def source_for(size: int) -> Path:
    return SMALL_SOURCE if size <= SMALL_UP_TO else SOURCE


def build(hicolor: Path = HICOLOR, ico: Path = ICO, icns: Path = ICNS) -> list[Path]:
    """Write every icon file; returns their paths."""
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0], "-platform", "offscreen"])
    needed = set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    pngs = {size: render_png(source_for(size), size) for size in sorted(needed)}
    written: list[Path] = []
    for size in PNG_SIZES:
        path = hicolor / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pngs[size])
        written.append(path)
    scalable = hicolor / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    written.append(scalable)
    ico.parent.mkdir(parents=True, exist_ok=True)
    ico.write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    icns.write_bytes(icns_bytes(pngs))
    written += [ico, icns]
    return written


def main() -> int:
    for path in build():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
