"""Presets: a name, a system prompt, parameters and example turns, kept as JSON files.

The file format (``format`` 1), documented in ``docs/presets.md``::

    {
      "format": 1,
      "name": "Pirate",
      "system": "Answer like a pirate.",
      "parameters": {"temperature": 0.35},
      "examples": [{"user": "Hello", "assistant": "Ahoy!"}]
    }

``name`` is required; ``system`` (text), ``parameters`` (an object: ``temperature``
0–2, ``top_p`` 0–1, ``max_tokens`` 1–65,536, and any other request field except
``messages`` and ``stream``) and ``examples`` (user/assistant pairs) are optional.
Unknown top-level keys are ignored, so a newer app's additions do not break an older
one; a breaking change raises ``format``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from mixtral_desktop.core.domain.chat_settings import (
    ChatSettings,
    InvalidValue,
    settings_document,
    settings_from_document,
)

PRESET_FORMAT = 1
MAX_NAME = 80


class PresetError(ValueError):
    """A preset file that cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class Preset:
    """A named set of chat settings. ``id`` is "builtin:<slug>" for the shipped presets
    (read-only) and "file:<file name>" for the user's files."""

    id: str
    name: str
    settings: ChatSettings

    @property
    def builtin(self) -> bool:
        return self.id.startswith("builtin:")

    def apply(self, current: ChatSettings | None = None) -> ChatSettings:
        """A chat's settings from this preset (what the user left out stays left out)."""
        omitted = current.omitted if current is not None else frozenset()
        return replace(self.settings, omitted=omitted, preset=self.id)

    def matches(self, settings: ChatSettings) -> bool:
        """The chat was made from this preset and still steers as it does."""
        return settings.preset == self.id and settings.steering() == self.settings.steering()


def check_name(name: object) -> str:
    """A preset's name, stripped; raises PresetError when blank, too long or not text."""
    if not isinstance(name, str) or not name.strip():
        raise PresetError("“name” must be a non-empty text.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise PresetError(f"“name” is longer than {MAX_NAME} characters.")
    return name


def parse_preset(data: bytes | str, preset_id: str) -> Preset:
    """The preset a file holds; raises PresetError with the reason it is broken."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        document = json.loads(text)
    except UnicodeDecodeError:
        raise PresetError("The file is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise PresetError(
            f"Not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}."
        ) from None
    except (ValueError, RecursionError):  # a number of over 4,300 digits; nested too deep
        raise PresetError(
            "Not valid JSON for this app (a number too long or nesting too deep)."
        ) from None
    if not isinstance(document, dict):
        raise PresetError("The file must hold a JSON object.")
    version = document.get("format")
    if isinstance(version, bool) or not isinstance(version, int):
        raise PresetError("“format” must be a number (1 for this version of the app).")
    if version != PRESET_FORMAT:
        raise PresetError(
            f"Format {version} is not known: this version of the app reads format "
            f"{PRESET_FORMAT}."
        )
    name = check_name(document.get("name"))
    try:
        settings = settings_from_document(document)
    except InvalidValue as error:
        raise PresetError(error.reason) from None
    return Preset(preset_id, name, settings)


def preset_json(name: str, settings: ChatSettings) -> str:
    """The file text of a preset (format 1, indented, ending with a newline)."""
    document: dict[str, Any] = {"format": PRESET_FORMAT, "name": check_name(name)}
    document.update(settings_document(settings))
    if not document["parameters"]:
        del document["parameters"]
    if not document["system"]:
        del document["system"]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
