"""Every colour and name the UI draws: the palette (light today; dark lands here)
and the user-visible names shared by several widgets (e.g. "New chat").
May import: PySide6 and ``core.domain`` only; everything in ``ui`` may import it.
"""
