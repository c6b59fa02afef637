"""The presets folder: listing, broken files, atomic writes, create/update/remove/undo,
import and export."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from mixtral_desktop.core.config import paths
from mixtral_desktop.core.config.preset_files import (
    MAX_FILE_BYTES,
    PresetFile,
    create,
    export,
    file_id,
    free_path,
    import_file,
    read,
    remove,
    restore,
    scan,
    slug,
    update,
    write_bytes,
)
from mixtral_desktop.core.domain.builtin_presets import BUILTIN_PRESETS, TRANSLATOR
from mixtral_desktop.core.domain.chat_settings import ChatSettings, Example
from mixtral_desktop.core.domain.presets import Preset, PresetError, parse_preset, preset_json

PIRATE = ChatSettings(system="Answer like a pirate.", temperature=0.35)
ISSUE_EXAMPLE = (
    b'{"format": 1, "name": "Pirate", "system": "Answer like a pirate.", '
    b'"parameters": {"temperature": 0.35}}'
)
BROKEN = b'{"format": 1, "name": "Half a preset",'


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def preset_text(name: str, settings: ChatSettings = PIRATE) -> bytes:
    return preset_json(name, settings).encode("utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` (hidden ones too) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_folder_is_presets_in_the_config_folder(isolated_user_dirs: Path) -> None:
    folder = paths.presets_dir()
    assert folder == paths.config_dir() / "presets"
    assert folder.parent.name == "mixtral-desktop"
    assert folder.is_relative_to(isolated_user_dirs)


# --- Listing --------------------------------------------------------------------------


def test_a_missing_folder_has_no_presets(tmp_path: Path) -> None:
    assert scan(tmp_path / "nowhere") == []
    assert not (tmp_path / "nowhere").exists()  # scanning creates nothing


def test_a_file_instead_of_a_folder_has_no_presets(tmp_path: Path) -> None:
    assert scan(write(tmp_path / "presets", b"")) == []


def test_scan_reads_the_issue_example(tmp_path: Path) -> None:
    write(tmp_path / "pirate.json", ISSUE_EXAMPLE)
    [found] = scan(tmp_path)
    assert found.error is None
    assert found.preset is not None
    assert found.preset.id == "file:pirate.json" == found.id
    assert found.name == "Pirate"
    assert found.preset.settings == PIRATE


def test_scan_is_sorted_by_name_then_file(tmp_path: Path) -> None:
    write(tmp_path / "a.json", preset_text("zebra"))
    write(tmp_path / "b.json", preset_text("Apple"))
    write(tmp_path / "c.json", preset_text("banana"))
    write(tmp_path / "d.json", preset_text("apple"))
    write(tmp_path / "broken.json", BROKEN)  # listed by its file name
    assert [(f.name, f.path.name) for f in scan(tmp_path)] == [
        ("Apple", "b.json"),
        ("apple", "d.json"),
        ("banana", "c.json"),
        ("broken.json", "broken.json"),
        ("zebra", "a.json"),
    ]


def test_scan_ignores_hidden_temporary_and_other_files(tmp_path: Path) -> None:
    write(tmp_path / "pirate.json", ISSUE_EXAMPLE)
    write(tmp_path / "UPPER.JSON", preset_text("Upper"))  # the suffix in any case
    for name in (
        ".hidden.json",
        ".pirate.json.abc123",  # write_bytes' temporary file
        "pirate.json~",  # an editor's backup
        "#pirate.json#",
        "pirate.json.swp",
        "notes.txt",
        "pirate.json.bak",
        "README",
    ):
        write(tmp_path / name, ISSUE_EXAMPLE)
    (tmp_path / "folder.json").mkdir()
    assert sorted(f.path.name for f in scan(tmp_path)) == ["UPPER.JSON", "pirate.json"]


def test_broken_files_are_listed_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path / "good.json", ISSUE_EXAMPLE)
    write(tmp_path / "cut.json", BROKEN)
    write(tmp_path / "future.json", b'{"format": 2, "name": "Future"}')
    write(tmp_path / "hot.json", b'{"format": 1, "name": "Hot", "parameters": {"temperature": 9}}')
    write(tmp_path / "latin.json", b'{"format": 1, "name": "\xe9"}')
    write(tmp_path / "deep.json", b"[" * 100_000 + b"]" * 100_000)
    before = snapshot(tmp_path)
    files = {f.path.name: f for f in scan(tmp_path)}
    assert files["good.json"].preset is not None
    assert files["good.json"].error is None
    broken = {name: f.error for name, f in files.items() if f.preset is None}
    assert set(broken) == {"cut.json", "future.json", "hot.json", "latin.json", "deep.json"}
    assert broken["cut.json"] is not None and broken["cut.json"].startswith(
        "Not valid JSON (line 1, column"
    )
    assert broken["future.json"] is not None and "Format 2 is not known" in broken["future.json"]
    assert broken["hot.json"] == "Temperature must be between 0 and 2."
    assert broken["latin.json"] == "The file is not UTF-8 text."
    assert broken["deep.json"] is not None and broken["deep.json"].startswith("Not valid JSON")
    assert files["cut.json"].name == "cut.json"
    assert files["cut.json"].id == "file:cut.json"
    assert snapshot(tmp_path) == before  # reading never changes a file


def test_a_file_over_one_megabyte_is_broken(tmp_path: Path) -> None:
    padding = " " * MAX_FILE_BYTES
    path = write(tmp_path / "big.json", ISSUE_EXAMPLE[:-1] + padding.encode() + b"}")
    found = read(path)
    assert found.preset is None
    assert found.error == "The file is larger than 1 MB."


def test_a_file_that_cannot_be_read_is_broken(tmp_path: Path) -> None:
    found = read(tmp_path / "gone.json")
    assert found == PresetFile(tmp_path / "gone.json", None, found.error)
    assert found.error is not None and found.error.startswith("The file cannot be read:")


def test_file_id_is_the_file_name(tmp_path: Path) -> None:
    assert file_id(tmp_path / "sub" / "pirate.json") == "file:pirate.json"


# --- File names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Code reviewer", "code-reviewer"),
        ("Translator (EN, FR, DE, IT, ES)", "translator-en-fr-de-it-es"),
        ("  Pirate!  ", "pirate"),
        ("Über Café", "über-café"),
        ("../../etc/passwd", "etc-passwd"),
        ("a/b\\c:d", "a-b-c-d"),
        ("???", "preset"),
        ("", "preset"),
        ("x" * 100, "x" * 60),
    ],
)
def test_slug(name: str, stem: str) -> None:
    assert slug(name) == stem


def test_free_path_counts_up(tmp_path: Path) -> None:
    assert free_path(tmp_path, "Pirate") == tmp_path / "pirate.json"
    write(tmp_path / "pirate.json", b"")
    assert free_path(tmp_path, "Pirate") == tmp_path / "pirate-2.json"
    write(tmp_path / "pirate-2.json", b"")
    write(tmp_path / "pirate-3.json", b"")
    assert free_path(tmp_path, "PIRATE") == tmp_path / "pirate-4.json"


# --- Writing --------------------------------------------------------------------------


def test_write_bytes_creates_the_folder_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "presets"
    target = folder / "pirate.json"
    write_bytes(target, b"first")
    write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in folder.iterdir()] == ["pirate.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "pirate.json", ISSUE_EXAMPLE)

    def failing_replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        write_bytes(target, b"new")
    assert snapshot(tmp_path) == {"pirate.json": ISSUE_EXAMPLE}


def test_create_picks_free_unique_names_from_the_slug(tmp_path: Path) -> None:
    folder = tmp_path / "presets"  # created when needed
    first = create(folder, "Code reviewer", PIRATE)
    second = create(folder, "Code reviewer", ChatSettings(temperature=1.0))
    third = create(folder, "code   REVIEWER", PIRATE)
    other = create(folder, "???", PIRATE)
    assert [first.name, second.name, third.name, other.name] == [
        "code-reviewer.json", "code-reviewer-2.json", "code-reviewer-3.json", "preset.json",
    ]
    assert parse_preset(first.read_bytes(), "x").settings == PIRATE
    assert parse_preset(second.read_bytes(), "x").settings == ChatSettings(temperature=1.0)
    assert parse_preset(third.read_bytes(), "x").name == "code REVIEWER"
    assert [f.path.name for f in scan(folder) if f.preset is None] == []
    assert len(list(folder.iterdir())) == 4  # and no temporary file


def test_create_does_not_write_a_bad_name(tmp_path: Path) -> None:
    with pytest.raises(PresetError):
        create(tmp_path, "   ", PIRATE)
    assert list(tmp_path.iterdir()) == []


def test_update_keeps_the_file_name(tmp_path: Path) -> None:
    path = create(tmp_path, "Pirate", PIRATE)
    settings = ChatSettings(system="Talk like a parrot.", examples=(Example("Hi", "Squawk!"),))
    update(path, "Parrot", settings)
    assert [p.name for p in tmp_path.iterdir()] == ["pirate.json"]
    [found] = scan(tmp_path)
    assert found.preset is not None
    assert found.preset.id == "file:pirate.json"  # chats made from it still know it
    assert found.preset.name == "Parrot"
    assert found.preset.settings == settings


@pytest.mark.parametrize(
    "data",
    [BROKEN, b'{"format": 2, "name": "Future"}', b"\xff\xfe", b"[]"],
)
def test_update_never_overwrites_a_broken_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "broken.json", data)
    with pytest.raises(PresetError, match=re.escape("broken.json is broken")):
        update(path, "Pirate", PIRATE)
    assert snapshot(tmp_path) == {"broken.json": data}


def test_update_of_a_missing_file_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(PresetError):
        update(tmp_path / "gone.json", "Pirate", PIRATE)
    assert list(tmp_path.iterdir()) == []


def test_update_with_a_bad_name_keeps_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pirate.json", ISSUE_EXAMPLE)
    with pytest.raises(PresetError):
        update(path, "", PIRATE)
    assert snapshot(tmp_path) == {"pirate.json": ISSUE_EXAMPLE}


# --- Remove and undo ------------------------------------------------------------------


def test_remove_returns_the_bytes_and_restore_writes_them_back(tmp_path: Path) -> None:
    path = write(tmp_path / "my pirate.json", ISSUE_EXAMPLE)
    data = remove(path)
    assert data == ISSUE_EXAMPLE
    assert not path.exists()
    assert scan(tmp_path) == []
    assert restore(path, data) == path
    assert path.read_bytes() == ISSUE_EXAMPLE  # the same bytes, not rewritten
    assert snapshot(tmp_path) == {"my pirate.json": ISSUE_EXAMPLE}


@pytest.mark.parametrize("data", [BROKEN, b"", b'{"format": 1, "name": ""}'])
def test_remove_refuses_a_broken_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "broken.json", data)
    with pytest.raises(PresetError, match=re.escape("broken.json is broken")):
        remove(path)
    assert snapshot(tmp_path) == {"broken.json": data}


def test_restore_picks_another_name_when_the_old_one_is_taken(tmp_path: Path) -> None:
    path = write(tmp_path / "pirate.json", ISSUE_EXAMPLE)
    data = remove(path)
    newer = create(tmp_path, "Pirate", ChatSettings(temperature=1.0))
    assert newer == path
    restored = restore(path, data)
    assert restored == tmp_path / "pirate-2.json"
    assert restored.read_bytes() == ISSUE_EXAMPLE
    assert parse_preset(path.read_bytes(), "x").settings == ChatSettings(temperature=1.0)


def test_restore_into_a_folder_that_was_removed(tmp_path: Path) -> None:
    folder = tmp_path / "presets"
    path = create(folder, "Pirate", PIRATE)
    data = remove(path)
    folder.rmdir()
    assert restore(path, data) == path
    assert path.read_bytes() == data


# --- Import and export ----------------------------------------------------------------


def test_import_copies_the_bytes_under_a_name_from_the_preset(tmp_path: Path) -> None:
    source = write(tmp_path / "downloads" / "shared file.json", ISSUE_EXAMPLE)
    folder = tmp_path / "presets"
    imported = import_file(source, folder)
    assert imported == folder / "pirate.json"
    assert imported.read_bytes() == ISSUE_EXAMPLE
    again = import_file(source, folder)
    assert again == folder / "pirate-2.json"
    assert source.read_bytes() == ISSUE_EXAMPLE  # the source is left alone
    assert sorted(snapshot(folder)) == ["pirate-2.json", "pirate.json"]


@pytest.mark.parametrize(
    "data",
    [
        BROKEN,
        b"",
        b"\xff\xfe",
        b'{"format": 2, "name": "Future"}',
        b'{"format": 1, "name": "Hot", "parameters": {"temperature": 9}}',
        b'{"format": 1, "name": "X", "parameters": {"messages": []}}',
        b'{"format": 1, "name": "X", "parameters": {"max_tokens": 1' + b"0" * 400 + b"}}",
    ],
)
def test_import_of_a_broken_file_writes_nothing(tmp_path: Path, data: bytes) -> None:
    source = write(tmp_path / "downloads" / "bad.json", data)
    folder = write(tmp_path / "presets" / "pirate.json", ISSUE_EXAMPLE).parent
    before = snapshot(folder)
    with pytest.raises(PresetError):
        import_file(source, folder)
    assert snapshot(folder) == before


def test_import_of_a_missing_or_huge_file_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "presets"
    with pytest.raises(PresetError, match=re.escape("gone.json cannot be read")):
        import_file(tmp_path / "gone.json", folder)
    huge = write(tmp_path / "huge.json", ISSUE_EXAMPLE[:-1] + b" " * MAX_FILE_BYTES + b"}")
    with pytest.raises(PresetError, match=re.escape("huge.json is larger than 1 MB")):
        import_file(huge, folder)
    assert not folder.exists()


def test_export_writes_a_file_that_reads_back(tmp_path: Path) -> None:
    path = create(tmp_path / "presets", "Pirate", PIRATE)
    [found] = scan(tmp_path / "presets")
    assert found.preset is not None
    target = tmp_path / "shared" / "pirate-copy.json"
    export(found.preset, target)
    again = parse_preset(target.read_bytes(), "x")
    assert (again.name, again.settings) == ("Pirate", PIRATE)
    assert target.read_text(encoding="utf-8").endswith("\n")
    assert path.read_bytes() == preset_text("Pirate")  # the original is unchanged
    assert sorted(p.name for p in target.parent.iterdir()) == ["pirate-copy.json"]


@pytest.mark.parametrize("preset", BUILTIN_PRESETS, ids=lambda p: p.id)
def test_export_of_a_builtin_preset_imports_as_a_user_preset(
    tmp_path: Path, preset: Preset
) -> None:
    target = tmp_path / "out.json"
    export(preset, target)
    imported = import_file(target, tmp_path / "presets")
    [found] = scan(tmp_path / "presets")
    assert found.path == imported
    assert found.preset is not None
    assert not found.preset.builtin
    assert found.preset.name == preset.name
    assert found.preset.settings == preset.settings


def test_export_overwrites_the_target(tmp_path: Path) -> None:
    target = write(tmp_path / "out.json", b"old")
    export(TRANSLATOR, target)
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == TRANSLATOR.name
