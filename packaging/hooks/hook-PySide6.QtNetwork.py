"""PyInstaller's hook for PySide6.QtNetwork, minus the Qt plugins and translations the app never
uses (see packaging/bundle_config.py). It replaces the stock hook: hooks in the spec's
hookspath take precedence, and trimming here keeps the plugins' libraries out as well.
"""

import sys
from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bundle_config import trim_hook_result

hiddenimports, binaries, datas = trim_hook_result(*add_qt6_dependencies(__file__))
