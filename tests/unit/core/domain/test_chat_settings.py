"""Chat settings: parameters checked as typed, extra request fields, the request body,
the leading messages and the JSON document kept for a chat."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from mixtral_desktop.core.domain.chat_settings import (
    MAX_TOKENS,
    PARAMETERS,
    TEMPERATURE,
    TOP_P,
    ChatSettings,
    Example,
    InvalidValue,
    Parameter,
    chat_settings_from_json,
    chat_settings_json,
    check_extra,
    describe_sent,
    extra_text,
    parse_extra,
    settings_document,
    settings_from_document,
)

# --- Parameter.parse: what the user types ---------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "text", "value"),
    [
        (TEMPERATURE, "0", 0.0),
        (TEMPERATURE, "2", 2.0),
        (TEMPERATURE, "0.7", 0.7),
        (TEMPERATURE, "0,7", 0.7),
        (TEMPERATURE, "  1.25 \n", 1.25),
        (TEMPERATURE, ".5", 0.5),
        (TEMPERATURE, "1e-1", 0.1),
        (TOP_P, "0", 0.0),
        (TOP_P, "1", 1.0),
        (TOP_P, "0,95", 0.95),
        (MAX_TOKENS, "1", 1),
        (MAX_TOKENS, "500", 500),
        (MAX_TOKENS, "65536", 65_536),
        (MAX_TOKENS, "65,536", 65_536),
        (MAX_TOKENS, "65 536", 65_536),
        (MAX_TOKENS, "65_536", 65_536),
        (MAX_TOKENS, "65\u00a0536", 65_536),
        (MAX_TOKENS, "65\u202f536", 65_536),
        (MAX_TOKENS, " 2,048 ", 2048),
    ],
)
def test_parse_accepts(parameter: Parameter, text: str, value: float) -> None:
    parsed = parameter.parse(text)
    assert parsed == value
    assert type(parsed) is (int if parameter.integer else float)


@pytest.mark.parametrize("parameter", PARAMETERS)
@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_blank_is_the_server_default(parameter: Parameter, text: str) -> None:
    assert parameter.parse(text) is None


@pytest.mark.parametrize(
    ("parameter", "text", "reason"),
    [
        (TEMPERATURE, "-0.1", "Temperature must be between 0 and 2."),
        (TEMPERATURE, "2.01", "Temperature must be between 0 and 2."),
        (TEMPERATURE, "inf", "Temperature must be between 0 and 2."),
        (TEMPERATURE, "nan", "Temperature must be between 0 and 2."),
        (TEMPERATURE, "hot", "Temperature must be a number."),
        (TEMPERATURE, "0.7.1", "Temperature must be a number."),
        (TEMPERATURE, "1,000.5", "Temperature must be a number."),
        (TOP_P, "1.5", "Top P must be between 0 and 1."),
        (TOP_P, "-1", "Top P must be between 0 and 1."),
        (MAX_TOKENS, "0", "Max tokens must be between 1 and 65,536."),
        (MAX_TOKENS, "-5", "Max tokens must be between 1 and 65,536."),
        (MAX_TOKENS, "65537", "Max tokens must be between 1 and 65,536."),
        (MAX_TOKENS, "1,000,000", "Max tokens must be between 1 and 65,536."),
        (MAX_TOKENS, "1" * 400, "Max tokens must be between 1 and 65,536."),
        (MAX_TOKENS, "500.5", "Max tokens must be a whole number."),
        (MAX_TOKENS, "1,5", "Max tokens must be a whole number."),
        (MAX_TOKENS, "many", "Max tokens must be a whole number."),
    ],
)
def test_parse_refuses(parameter: Parameter, text: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parameter.parse(text)
    assert caught.value.name == parameter.name
    assert caught.value.reason == reason
    assert str(caught.value) == f"{parameter.name}: {reason}"


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        (TEMPERATURE, True),
        (TEMPERATURE, "0.5"),
        (TEMPERATURE, None),
        (TEMPERATURE, [1]),
        (TEMPERATURE, math.inf),
        (TEMPERATURE, 10**400),
        (TOP_P, 2),
        (MAX_TOKENS, 500.0),
        (MAX_TOKENS, False),
        (MAX_TOKENS, 0),
        (MAX_TOKENS, 10**400),
    ],
)
def test_check_refuses_wrong_types_and_ranges(parameter: Parameter, value: object) -> None:
    with pytest.raises(InvalidValue):
        parameter.check(value)


def test_check_normalises_the_type() -> None:
    assert TEMPERATURE.check(1) == 1.0
    assert type(TEMPERATURE.check(1)) is float
    assert type(MAX_TOKENS.check(7)) is int


@pytest.mark.parametrize(
    ("parameter", "value", "text"),
    [
        (TEMPERATURE, None, ""),
        (TEMPERATURE, 2.0, "2"),
        (TEMPERATURE, 0.35, "0.35"),
        (MAX_TOKENS, 65_536, "65536"),
    ],
)
def test_format_shows_what_parse_reads(
    parameter: Parameter, value: float | None, text: str
) -> None:
    assert parameter.format(value) == text
    assert parameter.parse(text) == value


def test_range_text() -> None:
    assert TEMPERATURE.range_text() == "0 and 2"
    assert TOP_P.range_text() == "0 and 1"
    assert MAX_TOKENS.range_text() == "1 and 65,536"


# --- Extra request fields -------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n "])
def test_blank_extra_is_none(text: str) -> None:
    assert parse_extra(text) == {}


def test_extra_is_a_json_object() -> None:
    assert parse_extra('{"seed": 1, "stop": ["\\n"], "nested": {"a": null}}') == {
        "seed": 1,
        "stop": ["\n"],
        "nested": {"a": None},
    }


def test_extra_that_is_not_json_says_where() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_extra('{\n  "seed": 1,\n}')
    assert caught.value.name == "extra"
    assert caught.value.reason.startswith("Not valid JSON (line 3, column 1)")


def test_extra_nested_too_deep_is_invalid_not_a_crash() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_extra("[" * 100_000 + "]" * 100_000)
    assert caught.value.reason.startswith("Not valid JSON")


@pytest.mark.parametrize("text", ["[1, 2]", '"seed"', "1", "null", "true"])
def test_extra_must_be_an_object(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_extra(text)
    assert "must be a JSON object" in caught.value.reason


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"messages": []}, ["“messages”"]),
        ({"stream": True, "seed": 1}, ["“stream”"]),
        ({"stream": False, "messages": []}, ["“messages” and “stream”"]),
    ],
)
def test_extra_may_not_set_reserved_fields(value: dict[str, Any], named: list[str]) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_extra(value)
    for name in named:
        assert name in caught.value.reason
    with pytest.raises(InvalidValue):
        parse_extra(json.dumps(value))


def test_check_extra_returns_a_copy() -> None:
    value = {"seed": 1}
    checked = check_extra(value)
    assert checked == value
    checked["seed"] = 2
    assert value == {"seed": 1}


def test_extra_text_round_trips() -> None:
    assert extra_text({}) == ""
    extra = {"seed": 1, "stop": ["é"]}
    text = extra_text(extra)
    assert "é" in text  # not escaped
    assert parse_extra(text) == extra


# --- The request body -----------------------------------------------------------------


def test_default_settings_send_nothing() -> None:
    settings = ChatSettings()
    assert settings.body_fields() == {}
    assert settings.leading_messages() == []
    assert settings.is_default()


def test_body_has_only_the_changed_fields() -> None:
    assert ChatSettings(temperature=0.35).body_fields() == {"temperature": 0.35}
    assert ChatSettings(top_p=0.9, max_tokens=500).body_fields() == {
        "top_p": 0.9,
        "max_tokens": 500,
    }
    # 0 is a value, not the server default
    assert ChatSettings(temperature=0.0).body_fields() == {"temperature": 0.0}


def test_body_merges_extra_and_known_fields_win() -> None:
    settings = ChatSettings(
        temperature=0.5, extra={"temperature": 1.5, "seed": 7, "top_p": 0.2}
    )
    assert settings.body_fields() == {"temperature": 0.5, "seed": 7, "top_p": 0.2}


def test_body_never_takes_reserved_fields_from_extra() -> None:
    settings = ChatSettings(extra={"messages": [], "stream": False, "seed": 1})
    assert settings.body_fields() == {"seed": 1}


def test_body_leaves_out_the_omitted_fields() -> None:
    settings = ChatSettings(
        temperature=0.5, max_tokens=100, extra={"seed": 1},
        omitted=frozenset({"max_tokens", "seed"}),
    )
    assert settings.body_fields() == {"temperature": 0.5}


def test_with_value_sets_and_clears_the_omission() -> None:
    settings = ChatSettings(temperature=0.5, omitted=frozenset({"temperature", "top_p"}))
    assert settings.body_fields() == {}
    changed = settings.with_value("temperature", 0.9)
    assert changed.temperature == 0.9
    assert changed.omitted == frozenset({"top_p"})
    assert changed.body_fields() == {"temperature": 0.9}
    assert settings.temperature == 0.5  # frozen: a new object
    back = changed.with_value("temperature", None)
    assert back.temperature is None
    assert back.body_fields() == {}


def test_with_value_of_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        ChatSettings().with_value("seed", 1)


def test_value_by_name() -> None:
    settings = ChatSettings(temperature=0.1, top_p=0.2, max_tokens=3)
    assert [settings.value(p.name) for p in PARAMETERS] == [0.1, 0.2, 3]


def test_leading_messages_system_first_then_examples_in_order() -> None:
    settings = ChatSettings(
        system="Answer like a pirate.",
        examples=(Example("Hello", "Ahoy!"), Example("Bye", "Arr, farewell.")),
    )
    assert settings.leading_messages() == [
        {"role": "system", "content": "Answer like a pirate."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Ahoy!"},
        {"role": "user", "content": "Bye"},
        {"role": "assistant", "content": "Arr, farewell."},
    ]


def test_blank_system_prompt_is_not_sent() -> None:
    settings = ChatSettings(system="  \n", examples=(Example("Q", "A"),))
    assert settings.leading_messages() == [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": "A"},
    ]


def test_steering_and_is_default() -> None:
    assert ChatSettings(preset="builtin:tutor").is_default()  # the preset is no steering
    assert not ChatSettings(omitted=frozenset({"seed"})).is_default()
    for changed in (
        ChatSettings(system="x"),
        ChatSettings(temperature=0.0),
        ChatSettings(top_p=1.0),
        ChatSettings(max_tokens=1),
        ChatSettings(extra={"seed": 1}),
        ChatSettings(examples=(Example("a", "b"),)),
    ):
        assert not changed.is_default()
        assert changed.steering() != ChatSettings().steering()
    # extra fields steer the same in any order; omission and preset do not steer
    assert (
        ChatSettings(extra={"a": 1, "b": 2}).steering()
        == ChatSettings(extra={"b": 2, "a": 1}, omitted=frozenset({"a"}), preset="p").steering()
    )


# --- The JSON document ----------------------------------------------------------------


def test_settings_document() -> None:
    settings = ChatSettings(
        system="S", temperature=0.35, max_tokens=500, extra={"seed": 1},
        examples=(Example("Hello", "Ahoy!"),),
    )
    assert settings_document(settings) == {
        "system": "S",
        "parameters": {"seed": 1, "temperature": 0.35, "max_tokens": 500},
        "examples": [{"user": "Hello", "assistant": "Ahoy!"}],
    }
    assert settings_document(ChatSettings()) == {"system": "", "parameters": {}}


def test_settings_from_document_splits_known_and_extra() -> None:
    settings = settings_from_document(
        {"system": "S", "parameters": {"temperature": 1, "seed": 3, "top_p": None}}
    )
    assert settings == ChatSettings(system="S", temperature=1.0, extra={"seed": 3})
    assert settings_from_document({}) == ChatSettings()


@pytest.mark.parametrize(
    ("document", "name"),
    [
        ({"system": 5}, "system"),
        ({"system": None}, "system"),
        ({"parameters": []}, "parameters"),
        ({"parameters": "temperature=1"}, "parameters"),
        ({"parameters": {"temperature": 3}}, "temperature"),
        ({"parameters": {"top_p": "0.5"}}, "top_p"),
        ({"parameters": {"max_tokens": 1.5}}, "max_tokens"),
        ({"parameters": {"messages": []}}, "extra"),
        ({"parameters": {"stream": True}}, "extra"),
        ({"examples": {}}, "examples"),
        ({"examples": ["Hello"]}, "examples"),
        ({"examples": [{"user": "Hello"}]}, "examples"),
        ({"examples": [{"user": "Hello", "assistant": 1}]}, "examples"),
    ],
)
def test_settings_from_document_refuses(document: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        settings_from_document(document)
    assert caught.value.name == name


@pytest.mark.parametrize(
    "settings",
    [
        ChatSettings(),
        ChatSettings(system="Answer like a pirate.", temperature=0.35),
        ChatSettings(
            system="Ünïcode ✓", temperature=2.0, top_p=0.0, max_tokens=65_536,
            extra={"seed": 42, "stop": ["END"]},
            examples=(Example("Hello", "Ahoy!"), Example("", "")),
            omitted=frozenset({"seed", "top_p"}),
            preset="file:pirate.json",
        ),
        ChatSettings(omitted=frozenset({"max_tokens"})),
        ChatSettings(preset="builtin:tutor"),
    ],
)
def test_chat_settings_json_round_trips(settings: ChatSettings) -> None:
    text = chat_settings_json(settings)
    assert chat_settings_from_json(text) == settings
    assert json.loads(text)  # valid JSON


def test_chat_settings_json_keeps_omitted_sorted_and_the_preset() -> None:
    document = json.loads(
        chat_settings_json(ChatSettings(omitted=frozenset({"top_p", "seed"}), preset="p"))
    )
    assert document["omitted"] == ["seed", "top_p"]
    assert document["preset"] == "p"
    assert "omitted" not in json.loads(chat_settings_json(ChatSettings()))
    assert "preset" not in json.loads(chat_settings_json(ChatSettings()))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("not json", "settings"),
        ("[1]", "settings"),
        ('{"system": 1}', "system"),
        ('{"omitted": "seed"}', "omitted"),
        ('{"omitted": [1]}', "omitted"),
        ('{"preset": 7}', "preset"),
    ],
)
def test_damaged_chat_settings(text: str, name: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        chat_settings_from_json(text)
    assert caught.value.name == name


def test_describe_sent() -> None:
    assert describe_sent({}) == "the server's defaults"
    assert (
        describe_sent({"temperature": 0.35, "max_tokens": 500})
        == "temperature 0.35, max_tokens 500"
    )
    assert describe_sent({"stop": ["é"], "flag": True}) == 'stop ["é"], flag true'


@pytest.mark.parametrize("name", ["temperature", "top_p", "max_tokens"])
def test_extra_fields_may_not_set_a_parameter_that_has_its_own_field(name: str) -> None:
    from mixtral_desktop.core.domain.chat_settings import BY_NAME

    with pytest.raises(InvalidValue, match=f"Set {BY_NAME[name].label} in its own field"):
        parse_extra(json.dumps({name: 0.5, "seed": 1}))
