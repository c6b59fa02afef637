"""Every file location of the app, from platformdirs.

On Linux the XDG variables move them (``XDG_CONFIG_HOME``, ``XDG_DATA_HOME``,
``XDG_CACHE_HOME``, ``XDG_STATE_HOME``); tests redirect them that way.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from mixtral_desktop import APP_ID


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_ID, appauthor=False)


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_ID, appauthor=False)


def cache_dir() -> Path:
    return platformdirs.user_cache_path(APP_ID, appauthor=False)


def log_dir() -> Path:
    return platformdirs.user_log_path(APP_ID, appauthor=False)


def log_file() -> Path:
    return log_dir() / f"{APP_ID}.log"


def history_file() -> Path:
    return data_dir() / "history.sqlite3"


def all_dirs() -> list[Path]:
    """Every folder the app may write to (the key-leak test searches them all)."""
    return [config_dir(), data_dir(), cache_dir(), log_dir()]


def presets_dir() -> Path:
    """The user's presets: one JSON file each (see ``docs/presets.md``)."""
    return config_dir() / "presets"
