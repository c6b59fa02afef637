"""Light and dark: every text the app draws has 4.5:1 contrast with what is behind it (WCAG
AA) in both palettes; in dark mode no widget of the real window keeps a light background;
the choice in Settings applies live and survives a restart; System follows the desktop
(a dark GTK desktop under Xvfb, for real); emoji are drawn in colour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QComboBox, QWidget
from pytestqt.qtbot import QtBot

from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config import settings as settings_store
from mixtral_desktop.core.config.secrets import KeyStore
from mixtral_desktop.core.domain.conversation import Role
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.services.clients import ClientProvider
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.shell.main_window import MainWindow
from mixtral_desktop.ui.theme.current import current
from mixtral_desktop.ui.theme.follow import follower
from mixtral_desktop.ui.theme.palette import DARK, LIGHT, Banner, Bubble, Palette
from tests.conftest import FAST_RETRY
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.gui.app_parts import Windows

ROOT = Path(__file__).resolve().parents[3]
REPLY = "Here is **bold**, a [link](https://example.org), `code` and:\n\n```python\nx = 1\n```"


def luminance(colour: str | QColor) -> float:
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_pairs(p: Palette) -> dict[str, tuple[str, str]]:
    """Every (text, background) the app draws, by where."""
    pairs: dict[str, tuple[str, str]] = {
        "window text": (p.text, p.chrome.window),
        "field text": (p.text, p.chrome.base),
        "button text": (p.text, p.chrome.button),
        "selected text": (p.chrome.highlighted_text, p.chrome.highlight),
        "placeholder": (p.chrome.placeholder, p.chrome.base),
        "muted on window": (p.muted, p.chrome.window),
        "credits low": (p.credits_low, p.chrome.window),
        "invalid value": (p.invalid, p.chrome.window),
        "meter text": (p.meter.text, p.chrome.window),
        "search hit": (p.text, p.search_hit),
        "selected row": (p.text, p.row_selected),
        "chart axis": (p.text, p.chart.background),
    }
    bubbles: dict[str, Bubble] = {"user": p.user, "assistant": p.assistant, "system": p.system}
    for name, bubble in bubbles.items():
        for what, colour in {
            "text": p.text, "label": bubble.label, "time": p.muted, "link": p.link,
            "quote": p.quote, "incomplete": p.note_incomplete, "failed": p.note_failed,
        }.items():
            pairs[f"{what} in a {name} message"] = (colour, bubble.background)
        pairs[f"code in a {name} message"] = (p.text, p.code_background)
        pairs[f"inline code in a {name} message"] = (p.text, p.inline_code_background)
    banners: dict[str, Banner] = {
        "error": p.error, "notice": p.notice, "caution": p.caution,
        "instructions": p.instructions, "badge": p.badge, "chip": p.chip,
    }
    for name, banner in banners.items():
        pairs[f"{name} banner"] = (banner.text, banner.background)
    pairs["chip warning"] = (p.invalid, p.chip.background)
    return pairs


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_every_text_has_aa_contrast(palette: Palette) -> None:
    poor = {
        where: round(contrast(fg, bg), 2)
        for where, (fg, bg) in text_pairs(palette).items()
        if contrast(fg, bg) < 4.5
    }
    assert poor == {}


@pytest.fixture
def window(qtbot: QtBot, windows: Windows, fake_segmind: FakeSegmind) -> Iterator[MainWindow]:
    fake_segmind.configure(reply=REPLY)
    config = ClientConfig(base_url=fake_segmind.base_url, connect_timeout=5, read_timeout=30)
    clients = ClientProvider(KeyStore({"SEGMIND_API_KEY": FAKE_KEY}), config, retry=FAST_RETRY)
    win = windows.open(clients, Store.open(paths.history_file()))
    win.resize(1000, 700)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win.close()
    win.store.close()


def dominant(widget: QWidget) -> QColor:
    """The colour most of ``widget`` is painted in (its background, for a text widget)."""
    image = widget.grab().toImage().scaled(48, 48)
    counts: dict[int, int] = {}
    for y in range(image.height()):
        for x in range(image.width()):
            rgb = image.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    return QColor.fromRgb(max(counts, key=lambda k: counts[k]))


def light_widgets(window: MainWindow) -> dict[str, str]:
    found = {}
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() < 8 or widget.height() < 8:
            continue
        colour = dominant(widget)
        if luminance(colour) > 0.4:
            name = widget.objectName() or type(widget).__name__
            found[f"{name} ({type(widget).__name__})"] = colour.name()
    return found


def test_the_dark_window_has_no_light_widget_and_switches_live(
    qtbot: QtBot, window: MainWindow
) -> None:
    tab = window.current_tab()
    tab.submit(Role.USER, "Show me some Markdown")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=15_000)
    tab.composer.set_text("A draft")
    assert current() is LIGHT
    follower("dark")
    assert current() is DARK
    qtbot.waitUntil(lambda: light_widgets(window) == {}, timeout=5_000)
    # The conversation, the message bubbles and the rendered code are dark too.
    view = tab.view.viewport()
    assert luminance(dominant(view)) < 0.05
    follower("light")
    qtbot.waitUntil(lambda: luminance(dominant(tab.view.viewport())) > 0.8, timeout=5_000)


def test_the_choice_in_settings_applies_live_and_is_kept(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = window.keys.open_settings()
    choice = dialog.findChild(QComboBox, "theme_setting")
    assert choice is not None and choice.accessibleName() == "Theme"
    assert [choice.itemText(i) for i in range(choice.count())] == ["System", "Light", "Dark"]
    assert choice.currentText() == "System"
    choice.setCurrentIndex(choice.findData("dark"))
    assert current() is DARK
    saved = json.loads(settings_store.settings_file().read_text(encoding="utf-8"))
    assert saved["theme"] == "dark"
    assert settings_store.load().theme == "dark"  # (what the next start reads)
    dialog.close()


SYSTEM_PROBE = textwrap.dedent("""
    from PySide6.QtWidgets import QApplication
    from mixtral_desktop.ui.theme.current import current
    from mixtral_desktop.ui.theme.follow import follower
    app = QApplication([])
    follower("system")
    print(current().name, app.palette().window().color().name())
    follower("light")
    print(current().name)
""")


def test_system_follows_a_dark_desktop(tmp_path: Path) -> None:
    """Under Xvfb with GTK's dark Adwaita, Qt reports a dark colour scheme: System is
    dark; Light stays light there (a choice never flips with the desktop)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORMTHEME": "gtk3",
           "GTK_THEME": "Adwaita:dark", "HOME": str(tmp_path)}
    env.pop("QT_QPA_FONTDIR", None)
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-c", SYSTEM_PROBE], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["dark", DARK.chrome.window, "light"]


def test_emoji_are_drawn_in_colour(qapp: object) -> None:
    document = QTextDocument()
    document.setHtml("<p style='font-size: 32px'>🐶</p>")
    image = QImage(120, 80, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    coloured = sum(
        1 for x in range(image.width()) for y in range(image.height())
        if (c := image.pixelColor(x, y)) and max(c.red(), c.green(), c.blue())
        - min(c.red(), c.green(), c.blue()) > 60
    )
    assert coloured > 30  # (a monochrome glyph or a box has none)


