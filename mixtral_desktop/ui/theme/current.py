"""The palette in use, app-wide, like ``QApplication.palette()``: widgets read it through
:data:`PALETTE` when they paint or style themselves, and hear of a change from
:func:`theme_changed`.

``PALETTE.text`` is always the current palette's text colour: :data:`PALETTE` forwards
every attribute to the palette in use, so painters need no change when the theme does. A
style sheet set once is set again on a change with :func:`styled`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtWidgets import QWidget

from mixtral_desktop.ui.theme.palette import LIGHT, Palette


class _Signals(QObject):
    changed = Signal()


class Theme:
    """Holds the palette in use (one per process, as Qt's application palette is)."""

    def __init__(self) -> None:
        self.palette = LIGHT
        self._signals: _Signals | None = None  # made when first needed (a QObject)

    @property
    def signals(self) -> _Signals:
        if self._signals is None:
            self._signals = _Signals()
        return self._signals

    def use(self, palette: Palette) -> bool:
        """Make ``palette`` the one in use; whether that changed anything."""
        if palette is self.palette:
            return False
        self.palette = palette
        self.signals.changed.emit()
        return True


THEME = Theme()


class _Current:
    """Every attribute of the palette in use."""

    def __getattr__(self, name: str) -> object:
        return getattr(THEME.palette, name)


PALETTE = cast(Palette, _Current())
"""The palette in use (read at paint time: never keep its values)."""


def current() -> Palette:
    return THEME.palette


def theme_changed() -> SignalInstance:
    """Emitted after the palette in use changed."""
    return THEME.signals.changed


class _Restyler(QObject):
    def __init__(self, widget: QWidget, build: Callable[[Palette], str]) -> None:
        super().__init__(widget)  # (dies with the widget, and its connection with it)
        self._widget = widget
        self._build = build
        theme_changed().connect(self.restyle)

    def restyle(self) -> None:
        self._widget.setStyleSheet(self._build(THEME.palette))


def styled(widget: QWidget, build: Callable[[Palette], str]) -> None:
    """``widget.setStyleSheet(build(palette))`` now and whenever the theme changes."""
    widget.setStyleSheet(build(THEME.palette))
    _Restyler(widget, build)
