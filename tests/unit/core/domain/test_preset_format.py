"""Presets: the file format (format 1), its checks, and the built-in presets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixtral_desktop.core.domain.builtin_presets import BUILTIN_PRESETS, TRANSLATOR
from mixtral_desktop.core.domain.chat_settings import ChatSettings, Example
from mixtral_desktop.core.domain.presets import (
    MAX_NAME,
    PRESET_FORMAT,
    Preset,
    PresetError,
    check_name,
    parse_preset,
    preset_json,
)

ISSUE_EXAMPLE = (
    '{"format": 1, "name": "Pirate", "system": "Answer like a pirate.", '
    '"parameters": {"temperature": 0.35}}'
)


def document(**fields: Any) -> str:
    """A preset file's text: a valid minimal one with ``fields`` changed (None: removed)."""
    doc: dict[str, Any] = {"format": 1, "name": "Pirate"}
    doc.update(fields)
    return json.dumps({k: v for k, v in doc.items() if v is not None})


# --- Good files -----------------------------------------------------------------------


def test_the_issue_example_parses() -> None:
    preset = parse_preset(ISSUE_EXAMPLE.encode("utf-8"), "file:pirate.json")
    assert preset == Preset(
        "file:pirate.json",
        "Pirate",
        ChatSettings(system="Answer like a pirate.", temperature=0.35),
    )
    assert not preset.builtin
    assert preset.settings.body_fields() == {"temperature": 0.35}


def test_a_full_file_parses() -> None:
    text = json.dumps(
        {
            "format": 1,
            "name": "  Code   reviewer ",
            "system": "Review.",
            "parameters": {"temperature": 0.3, "top_p": 0.9, "max_tokens": 800, "seed": 4},
            "examples": [{"user": "Hello", "assistant": "Ahoy!"}],
        }
    )
    preset = parse_preset(text, "file:x.json")  # text works as well as bytes
    assert preset.name == "Code reviewer"  # whitespace collapsed
    assert preset.settings == ChatSettings(
        system="Review.", temperature=0.3, top_p=0.9, max_tokens=800,
        extra={"seed": 4}, examples=(Example("Hello", "Ahoy!"),),
    )


def test_only_name_and_format_are_required() -> None:
    preset = parse_preset(document(), "file:p.json")
    assert preset.settings == ChatSettings()


def test_a_null_parameter_is_the_server_default() -> None:
    preset = parse_preset(document(parameters={"temperature": None}), "p")
    assert preset.settings.temperature is None
    assert preset.settings.body_fields() == {}


def test_a_utf8_bom_is_accepted() -> None:
    preset = parse_preset(b"\xef\xbb\xbf" + ISSUE_EXAMPLE.encode("utf-8"), "p")
    assert preset.name == "Pirate"


def test_non_ascii_text_is_read_as_utf8() -> None:
    data = document(name="Übersetzer ✓", system="Réponds en français.").encode("utf-8")
    preset = parse_preset(data, "p")
    assert preset.name == "Übersetzer ✓"
    assert preset.settings.system == "Réponds en français."


def test_unknown_top_level_keys_are_ignored() -> None:
    preset = parse_preset(document(icon="🏴‍☠️", tags=["fun"], author={"x": 1}), "p")
    assert preset.name == "Pirate"
    assert preset.settings == ChatSettings()


# --- Broken files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "Not valid JSON (line 1, column 1)"),
        (b'{"format": 1,\n "name": "x",\n}', "Not valid JSON (line 3, column 1)"),
        (b"{'format': 1}", "Not valid JSON (line 1, column 2)"),
        (b"[" * 100_000 + b"]" * 100_000, "Not valid JSON"),
        (b'{"format": 1, "name": "x", "parameters": {"seed": 1' + b"0" * 5000 + b"}}",
         "Not valid JSON"),
        (b"\xff\xfe{}", "The file is not UTF-8 text."),
        ('{"format": 1, "name": "é"}'.encode("latin-1"), "The file is not UTF-8 text."),
        (b"[]", "The file must hold a JSON object."),
        (b'"Pirate"', "The file must hold a JSON object."),
        (b"null", "The file must hold a JSON object."),
        (b'{"name": "Pirate"}', "“format” must be a number"),
        (b'{"format": "1", "name": "Pirate"}', "“format” must be a number"),
        (b'{"format": true, "name": "Pirate"}', "“format” must be a number"),
        (b'{"format": 1.0, "name": "Pirate"}', "“format” must be a number"),
        (b'{"format": 2, "name": "Pirate"}', "Format 2 is not known"),
        (b'{"format": 0, "name": "Pirate"}', "Format 0 is not known"),
        (b'{"format": 1}', "“name” must be a non-empty text."),
        (b'{"format": 1, "name": ""}', "“name” must be a non-empty text."),
        (b'{"format": 1, "name": " \\n\\t "}', "“name” must be a non-empty text."),
        (b'{"format": 1, "name": 5}', "“name” must be a non-empty text."),
        (b'{"format": 1, "name": null}', "“name” must be a non-empty text."),
        (b'{"format": 1, "name": ["Pirate"]}', "“name” must be a non-empty text."),
        (json.dumps({"format": 1, "name": "x" * (MAX_NAME + 1)}).encode(),
         f"“name” is longer than {MAX_NAME} characters."),
        (document(system=5).encode(), "“system” must be a text."),
        (document(system=["a"]).encode(), "“system” must be a text."),
        (document(parameters=[]).encode(), "“parameters” must be a JSON object."),
        (document(parameters="hot").encode(), "“parameters” must be a JSON object."),
        (document(parameters={"temperature": 2.5}).encode(),
         "Temperature must be between 0 and 2."),
        (document(parameters={"temperature": -1}).encode(),
         "Temperature must be between 0 and 2."),
        (document(parameters={"temperature": "0.5"}).encode(), "Temperature must be a number."),
        (document(parameters={"top_p": 1.01}).encode(), "Top P must be between 0 and 1."),
        (document(parameters={"max_tokens": 0}).encode(),
         "Max tokens must be between 1 and 65,536."),
        (document(parameters={"max_tokens": 70_000}).encode(),
         "Max tokens must be between 1 and 65,536."),
        (document(parameters={"max_tokens": 10**400}).encode(),
         "Max tokens must be between 1 and 65,536."),
        (document(parameters={"max_tokens": 100.5}).encode(),
         "Max tokens must be a whole number."),
        (document(parameters={"max_tokens": True}).encode(),
         "Max tokens must be a whole number."),
        (document(parameters={"messages": []}).encode(),
         "Extra request fields may not set “messages”"),
        (document(parameters={"stream": True}).encode(),
         "Extra request fields may not set “stream”"),
        (document(examples={"user": "a", "assistant": "b"}).encode(), "“examples” must be a list"),
        (document(examples=["Hello"]).encode(), "“examples” must be a list"),
        (document(examples=[{"user": "Hello"}]).encode(), "“examples” must be a list"),
        (document(examples=[{"user": 1, "assistant": "b"}]).encode(), "“examples” must be a list"),
    ],
)
def test_broken_files_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(PresetError) as caught:
        parse_preset(data, "file:broken.json")
    assert str(caught.value).startswith(reason), str(caught.value)


def test_a_json_error_names_the_problem() -> None:
    with pytest.raises(PresetError) as caught:
        parse_preset(b'{"format": 1 "name": "x"}', "p")
    message = str(caught.value)
    assert message.startswith("Not valid JSON (line 1, column 14): ")
    assert "delimiter" in message


# --- Writing a file -------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        ChatSettings(),
        ChatSettings(system="Answer like a pirate.", temperature=0.35),
        ChatSettings(
            system="Ünïcode ✓", temperature=0.0, top_p=1.0, max_tokens=65_536,
            extra={"seed": 1, "stop": ["\n\n"]},
            examples=(Example("Hello", "Ahoy!"), Example("Bye", "Arr.")),
        ),
    ],
)
def test_preset_json_round_trips(settings: ChatSettings) -> None:
    text = preset_json("Pirate", settings)
    assert text.endswith("\n")
    assert json.loads(text)["format"] == PRESET_FORMAT
    preset = parse_preset(text.encode("utf-8"), "file:pirate.json")
    assert preset.name == "Pirate"
    assert preset.settings == settings


def test_preset_json_leaves_out_what_is_empty_and_keeps_non_ascii() -> None:
    assert json.loads(preset_json("Plain", ChatSettings())) == {"format": 1, "name": "Plain"}
    text = preset_json("Café", ChatSettings(system="Réponds."))
    assert "Café" in text and "Réponds." in text
    assert json.loads(text) == {"format": 1, "name": "Café", "system": "Réponds."}


def test_preset_json_checks_the_name() -> None:
    with pytest.raises(PresetError):
        preset_json("  ", ChatSettings())
    with pytest.raises(PresetError):
        preset_json("x" * (MAX_NAME + 1), ChatSettings())
    assert json.loads(preset_json(" a \n b ", ChatSettings()))["name"] == "a b"


def test_check_name() -> None:
    assert check_name("  Pirate  ") == "Pirate"
    assert check_name("x" * MAX_NAME) == "x" * MAX_NAME
    # the limit counts the name as it is kept, after collapsing whitespace
    assert check_name("x" * (MAX_NAME - 2) + "    y") == "x" * (MAX_NAME - 2) + " y"
    for bad in (None, 1, "", "   ", "x" * (MAX_NAME + 1)):
        with pytest.raises(PresetError):
            check_name(bad)


# --- Using a preset -------------------------------------------------------------------


PIRATE = Preset(
    "file:pirate.json", "Pirate", ChatSettings(system="Answer like a pirate.", temperature=0.35)
)


def test_apply_sets_the_preset_and_keeps_what_was_left_out() -> None:
    current = ChatSettings(
        system="old", max_tokens=10, omitted=frozenset({"top_p"}), preset="builtin:tutor"
    )
    applied = PIRATE.apply(current)
    assert applied.system == "Answer like a pirate."
    assert applied.temperature == 0.35
    assert applied.max_tokens is None  # the preset's settings, not a merge
    assert applied.omitted == frozenset({"top_p"})
    assert applied.preset == "file:pirate.json"
    assert PIRATE.apply() == PIRATE.settings.with_changes(preset="file:pirate.json")
    assert PIRATE.apply().omitted == frozenset()


def test_matches() -> None:
    applied = PIRATE.apply(ChatSettings(omitted=frozenset({"seed"})))
    assert PIRATE.matches(applied)
    assert not PIRATE.matches(applied.with_value("temperature", 0.9))
    assert not PIRATE.matches(applied.with_changes(system="Answer like a parrot."))
    assert not PIRATE.matches(applied.with_changes(extra={"seed": 1}))
    # the same steering made by hand, or from another preset, is not "from this preset"
    assert not PIRATE.matches(PIRATE.settings)
    assert not PIRATE.matches(applied.with_changes(preset="file:other.json"))


def test_builtin() -> None:
    assert Preset("builtin:x", "X", ChatSettings()).builtin
    assert not Preset("file:builtin:x.json", "X", ChatSettings()).builtin


# --- The built-in presets -------------------------------------------------------------


def test_there_are_at_least_five_builtin_presets_with_unique_ids_and_names() -> None:
    assert len(BUILTIN_PRESETS) >= 5
    ids = [p.id for p in BUILTIN_PRESETS]
    assert len(set(ids)) == len(ids)
    names = [p.name.casefold() for p in BUILTIN_PRESETS]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("preset", BUILTIN_PRESETS, ids=lambda p: p.id)
def test_builtin_preset_is_well_formed(preset: Preset) -> None:
    assert preset.builtin
    assert preset.id.startswith("builtin:") and len(preset.id) > len("builtin:")
    assert preset.name == check_name(preset.name)
    assert preset.settings.system.strip()
    assert preset.settings.omitted == frozenset()
    assert preset.settings.preset is None
    again = parse_preset(preset_json(preset.name, preset.settings).encode("utf-8"), preset.id)
    assert again == preset
    applied = preset.apply()
    assert preset.matches(applied)
    assert applied.leading_messages()[0] == {
        "role": "system", "content": preset.settings.system
    }


def test_translator_names_its_five_languages() -> None:
    system = TRANSLATOR.settings.system
    for language in ("English", "French", "German", "Italian", "Spanish"):
        assert language in system
    assert TRANSLATOR in BUILTIN_PRESETS
