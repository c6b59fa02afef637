"""Which palette is in use: the user's choice (System, Light or Dark), and under System
the OS's colour scheme, followed live (``QStyleHints.colorSchemeChanged``). Qt's own
palette is set from ours in every case, so standard widgets and dialogs match and a
choice never flips with the OS's."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication

from mixtral_desktop.ui.theme.current import THEME
from mixtral_desktop.ui.theme.palette import DARK, LIGHT, PALETTES, Palette
from mixtral_desktop.ui.theme.qt_palette import qt_palette

MODE_LABELS = {"system": "System", "light": "Light", "dark": "Dark"}


class ThemeFollower(QObject):
    """Applies the chosen theme to the application; made once by the app."""

    def __init__(self, app: QApplication, mode: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self.mode = mode
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)
        self.apply()

    def set_mode(self, mode: str) -> None:
        """"system", "light" or "dark" (anything else: "system")."""
        self.mode = mode if mode in MODE_LABELS else "system"
        self.apply()

    def palette(self) -> Palette:
        """The palette the mode gives now."""
        if self.mode in PALETTES:
            return PALETTES[self.mode]
        dark = self._app.styleHints().colorScheme() == Qt.ColorScheme.Dark
        return DARK if dark else LIGHT

    def apply(self) -> None:
        palette = self.palette()
        if palette is not THEME.palette or self._app.property("mixtral_theme") is None:
            self._app.setPalette(qt_palette(palette))
            self._app.setProperty("mixtral_theme", palette.name)
        THEME.use(palette)

    def _scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.mode == "system":
            self.apply()


def follower(mode: str | None = None) -> ThemeFollower:
    """The application's follower (made on first use), set to ``mode`` when given."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    found = app.findChild(ThemeFollower)
    if found is None:
        return ThemeFollower(app, mode or "system")
    if mode is not None and mode != found.mode:
        found.set_mode(mode)
    return found
