"""The user's presets folder: one JSON file per preset (``presets/`` in the config folder).

Blocking file work, run on the io executor. A file that cannot be read as a preset is
listed as broken with the reason and is never rewritten or deleted by the app; every
write goes to a temporary file in the same folder first, then replaces the target, so
a crash never leaves half a preset.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mixtral_desktop.core.domain.chat_settings import ChatSettings
from mixtral_desktop.core.domain.presets import Preset, PresetError, parse_preset, preset_json

SUFFIX = ".json"
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PresetFile:
    """One ``*.json`` file of the folder: its preset, or why it is broken."""

    path: Path
    preset: Preset | None
    error: str | None = None

    @property
    def id(self) -> str:
        return file_id(self.path)

    @property
    def name(self) -> str:
        return self.preset.name if self.preset is not None else self.path.name


def file_id(path: Path) -> str:
    """A user preset's id: its file's name (stable across renames of the preset)."""
    return f"file:{path.name}"


def read(path: Path) -> PresetFile:
    """The preset in ``path``, or the file marked broken with the reason."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return PresetFile(path, None, "The file is larger than 1 MB.")
        data = path.read_bytes()
    except OSError as error:
        return PresetFile(path, None, f"The file cannot be read: {error.strerror or error}.")
    try:
        return PresetFile(path, parse_preset(data, file_id(path)))
    except PresetError as error:
        return PresetFile(path, None, str(error))


def scan(folder: Path) -> list[PresetFile]:
    """Every preset file of ``folder`` (none if it does not exist), sorted by name.

    Hidden files and editors' temporary files ("~" at the end) are not presets.
    """
    try:
        paths = [
            p for p in folder.iterdir()
            if p.suffix.lower() == SUFFIX and not p.name.startswith(".") and p.is_file()
        ]
    except OSError:
        return []
    files = [read(path) for path in paths]
    return sorted(files, key=lambda f: (f.name.casefold(), f.path.name))


Listing = tuple[tuple[str, int, int], ...]


def listing(folder: Path) -> Listing:
    """What changes when a preset file is added, rewritten or removed: each file's
    name, size and modification time (nothing if the folder does not exist)."""
    entries = []
    try:
        for entry in os.scandir(folder):
            if entry.name.lower().endswith(SUFFIX) and not entry.name.startswith("."):
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    entries.append((entry.name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()
    return tuple(sorted(entries))


def slug(name: str) -> str:
    """A file name's stem for a preset's name: "Code reviewer" -> "code-reviewer"."""
    stem = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_")
    return stem[:60].rstrip("-_") or "preset"


def free_path(folder: Path, name: str) -> Path:
    """A path in ``folder`` for a new preset called ``name`` that no file has yet."""
    stem = slug(name)
    path = folder / f"{stem}{SUFFIX}"
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}{SUFFIX}"
        number += 1
    return path


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def create(folder: Path, name: str, settings: ChatSettings) -> Path:
    """Save a new preset; returns its file."""
    text = preset_json(name, settings)
    path = free_path(folder, name)
    write_bytes(path, text.encode("utf-8"))
    return path


def update(path: Path, name: str, settings: ChatSettings) -> None:
    """Rewrite a user preset (a new name keeps the file, so chats made from it still
    know it). Raises PresetError if the file is broken now: it is never overwritten."""
    _refuse_broken(path)
    write_bytes(path, preset_json(name, settings).encode("utf-8"))


def remove(path: Path) -> bytes:
    """Delete a user preset's file; returns its bytes, for Undo. Refuses a broken one."""
    _refuse_broken(path)
    data = path.read_bytes()
    path.unlink()
    return data


def restore(path: Path, data: bytes) -> Path:
    """Undo a delete: the same bytes under the same name (another if it is taken now)."""
    target = path
    if target.exists():
        preset = parse_preset(data, file_id(path))
        target = free_path(path.parent, preset.name)
    write_bytes(target, data)
    return target


def import_file(source: Path, folder: Path) -> Path:
    """Copy a preset file into ``folder`` after checking it; all or nothing (a broken
    file raises PresetError and nothing is written)."""
    try:
        data = source.read_bytes()
    except OSError as error:
        raise PresetError(f"{source.name} cannot be read: {error.strerror or error}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise PresetError(f"{source.name} is larger than 1 MB.")
    preset = parse_preset(data, file_id(source))
    path = free_path(folder, preset.name)
    write_bytes(path, data)
    return path


def export(preset: Preset, target: Path) -> None:
    """Write ``preset`` as a file (a built-in one too) for sharing."""
    write_bytes(target, preset_json(preset.name, preset.settings).encode("utf-8"))


def _refuse_broken(path: Path) -> None:
    """Raise PresetError if ``path`` is broken now: the app never touches such a file."""
    current = read(path)
    if current.preset is None:
        raise PresetError(f"{path.name} is broken ({current.error}); it is left as it is.")
