"""Our palette as Qt's: what every standard widget and dialog (menus, buttons, fields,
file dialogs, scroll bars) is drawn with, so a dark window is dark everywhere."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from mixtral_desktop.ui.theme.palette import Palette

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


def qt_palette(palette: Palette) -> QPalette:
    chrome = palette.chrome
    qt = QPalette()
    colours = {
        Role.Window: chrome.window, Role.WindowText: palette.text,
        Role.Base: chrome.base, Role.AlternateBase: chrome.window, Role.Text: palette.text,
        Role.Button: chrome.button, Role.ButtonText: palette.text,
        Role.ToolTipBase: chrome.base, Role.ToolTipText: palette.text,
        Role.Highlight: chrome.highlight, Role.HighlightedText: chrome.highlighted_text,
        Role.PlaceholderText: chrome.placeholder, Role.Link: palette.link,
        Role.LinkVisited: palette.link, Role.BrightText: palette.note_failed,
    }
    for role, colour in colours.items():
        qt.setColor(role, QColor(colour))
    # The bevels and frames Fusion draws, from the window colour.
    window = QColor(chrome.window)
    dark = palette.name == "dark"
    qt.setColor(Role.Light, window.lighter(150 if dark else 110))
    qt.setColor(Role.Midlight, window.lighter(125 if dark else 105))
    qt.setColor(Role.Mid, window.lighter(140) if dark else window.darker(130))
    qt.setColor(Role.Dark, window.darker(150))
    qt.setColor(Role.Shadow, QColor("#000000"))
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        qt.setColor(Group.Disabled, role, QColor(chrome.disabled_text))
    return qt
