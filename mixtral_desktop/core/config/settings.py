"""Typed settings with defaults, versioned, in ``settings.json`` in the config folder.

Never holds the API key (that lives in the keyring). A missing, unreadable or
half-written file gives the defaults; writes are atomic (a temporary file renamed).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from mixtral_desktop.core.config import paths

log = logging.getLogger(__name__)

VERSION = 1
THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Settings:
    requests_per_minute: int = 5  # the Segmind plan's limit (Free: 5, Pro: 50)
    low_credits_warning: float = 1.0  # warn when the remaining credits fall below this
    default_preset: str = ""  # the preset id a new chat starts with ("": none)
    theme: str = "system"  # "system" (follow the OS), "light" or "dark"

    def with_changes(self, **changes: Any) -> Settings:
        return _valid(replace(self, **changes))


def _valid(settings: Settings) -> Settings:
    return replace(
        settings,
        requests_per_minute=min(max(int(settings.requests_per_minute), 1), 10_000),
        low_credits_warning=max(float(settings.low_credits_warning), 0.0),
        default_preset=str(settings.default_preset),
        theme=settings.theme if settings.theme in THEMES else "system",
    )


def settings_file() -> Path:
    return paths.config_dir() / "settings.json"


def load(path: Path | None = None) -> Settings:
    path = path or settings_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as error:
        log.warning("settings unreadable (%s): using defaults", type(error).__name__)
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    data = _migrate(data)
    known = {f.name: f.type for f in fields(Settings)}
    values = {k: v for k, v in data.items() if k in known}
    try:
        return _valid(Settings(**values))
    except (TypeError, ValueError):
        log.warning("settings invalid: using defaults")
        return Settings()


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file up to VERSION (there is only version 1 so far)."""
    data.setdefault("version", VERSION)
    return data


def save(settings: Settings, path: Path | None = None) -> None:
    path = path or settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        json.dumps({"version": VERSION, **asdict(settings)}, indent=2), encoding="utf-8"
    )
    os.replace(temporary, path)
