"""The app icon: every size made from the SVG sources, fresh, and in every container."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QApplication

from mixtral_desktop.app import resources
from tests.packaging.support import ROOT, packaging_module

make_icons = packaging_module("make_icons")


def test_every_hicolor_size_is_shipped_in_the_package() -> None:
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(resources.icon_png(size)))
        assert (image.width(), image.height()) == (size, size), size
        assert image.hasAlphaChannel()
        assert image.pixelColor(0, 0).alpha() == 0, "the corners are transparent (a rounded tile)"
        centre = image.pixelColor(size // 2, size // 2)
        assert centre.alpha() == 255
    assert resources.icon_svg().read_bytes() == make_icons.SOURCE.read_bytes(), (
        "the scalable icon is a copy of resources/mixtral-desktop.svg: "
        "run python packaging/make_icons.py"
    )
    assert make_icons.SOURCE.parent == ROOT / "resources"


def test_committed_icons_match_the_svg_sources(qapp: QApplication, tmp_path: Path) -> None:
    """Rendering the SVGs again gives the committed PNGs (so nobody forgot make_icons.py)."""
    hicolor = tmp_path / "hicolor"
    make_icons.build(hicolor, tmp_path / "icon.ico", tmp_path / "icon.icns")
    for size in make_icons.PNG_SIZES:
        fresh = QImage(str(hicolor / f"{size}x{size}" / "apps" / "mixtral-desktop.png"))
        committed = QImage(str(resources.icon_png(size)))
        assert mean_difference(fresh, committed) < 2.0, (
            f"the {size} px icon is stale: run python packaging/make_icons.py"
        )


@pytest.mark.parametrize(
    ("path", "sizes"),
    [
        (make_icons.ICO, {16, 24, 32, 48, 64, 128, 256}),
        (make_icons.ICNS, {16, 32, 64, 128, 256, 512, 1024}),
    ],
    ids=["ico", "icns"],
)
def test_ico_and_icns_hold_every_size(qapp: QApplication, path: Path, sizes: set[int]) -> None:
    reader = QImageReader(str(path))
    assert reader.canRead(), f"Qt cannot read {path.name}: {reader.errorString()}"
    found = set()
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), f"image {index} of {path.name}: {reader.errorString()}"
        assert image.width() == image.height()
        found.add(image.width())
    assert found == sizes


def mean_difference(a: QImage, b: QImage) -> float:
    """Mean absolute difference of the RGBA channels, 0..255."""
    assert a.size() == b.size()
    total, count = 0, 0
    step = max(1, a.width() // 64)
    for y in range(0, a.height(), step):
        for x in range(0, a.width(), step):
            pa, pb = a.pixelColor(x, y), b.pixelColor(x, y)
            total += sum(abs(u - v) for u, v in zip(pa.getRgb(), pb.getRgb(), strict=True))
            count += 4
    return total / count
