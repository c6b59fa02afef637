"""A chat's standing instructions and request parameters.

Every parameter has a real "server default" state (``None``): it is then left out of
the request and Segmind's default applies. Values are checked as typed by
:class:`Parameter`; "Extra request fields" is a JSON object merged into the body for
fields this app does not know, refused if it names ``messages`` or ``stream``.

The same document describes a chat's settings in the history database and, with
``format`` and ``name``, a preset file (:mod:`.presets`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mixtral_desktop.core.domain.conversation import Role

RESERVED_FIELDS = frozenset({"messages", "stream"})
"""Body fields the app sets itself; extra fields may not."""


class InvalidValue(ValueError):
    """A value the user typed that cannot be sent; ``reason`` says why, for a person."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Parameter:
    """One known request field: its body name, its label, its type and range."""

    name: str
    label: str
    integer: bool
    minimum: float
    maximum: float

    def parse(self, text: str) -> float | int | None:
        """The value typed (blank: None, the server's default); raises InvalidValue."""
        text = text.strip()
        if not text:
            return None
        if self.integer:  # "65,536", "65 536", "65_536"
            text = re.sub(r"(?<=\d)[,_ \u00a0\u202f](?=\d{3})", "", text)
        elif "," in text and "." not in text:  # a decimal comma: "0,7"
            text = text.replace(",", ".")
        try:
            value: float | int = int(text) if self.integer else float(text)
        except ValueError:
            kind = "a whole number" if self.integer else "a number"
            raise InvalidValue(self.name, f"{self.label} must be {kind}.") from None
        return self.check(value)

    def check(self, value: object) -> float | int:
        """``value`` if it is of the right type and in range; raises InvalidValue."""
        number_types = (int,) if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types):
            kind = "a whole number" if self.integer else "a number"
            raise InvalidValue(self.name, f"{self.label} must be {kind}.")
        # math.isfinite() raises OverflowError for an int too large for a float (a
        # 400-digit max_tokens); ints are always finite and compare exactly anyway.
        finite = not isinstance(value, float) or math.isfinite(value)
        if not finite or not self.minimum <= value <= self.maximum:
            raise InvalidValue(
                self.name, f"{self.label} must be between {self.range_text()}."
            )
        return int(value) if self.integer else float(value)

    def range_text(self) -> str:
        return f"{_grouped(self.minimum)} and {_grouped(self.maximum)}"

    def format(self, value: float | int | None) -> str:
        """The text a field shows for ``value`` ("" for the server's default)."""
        return "" if value is None else _number(value)


TEMPERATURE = Parameter("temperature", "Temperature", False, 0.0, 2.0)
TOP_P = Parameter("top_p", "Top P", False, 0.0, 1.0)
MAX_TOKENS = Parameter("max_tokens", "Max tokens", True, 1, 65_536)
PARAMETERS: tuple[Parameter, ...] = (TEMPERATURE, TOP_P, MAX_TOKENS)
BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


def _number(value: float) -> str:
    """A value as it is typed: "2", "0.35", "65536"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _grouped(value: float) -> str:
    """A value as it is read in a sentence: "2", "0.35", "65,536"."""
    return f"{int(value):,}" if float(value).is_integer() else repr(float(value))


def parse_extra(text: str) -> dict[str, Any]:
    """The "Extra request fields" typed as JSON (blank: none); raises InvalidValue."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:  # nested too deep: RecursionError
        line = getattr(error, "lineno", None)
        where = f" (line {line}, column {getattr(error, 'colno', '?')})" if line else ""
        raise InvalidValue("extra", f"Not valid JSON{where}.") from None
    return check_extra(value)


def check_extra(value: object) -> dict[str, Any]:
    """``value`` as extra fields if it is a JSON object that sets no reserved field."""
    if not isinstance(value, dict):
        raise InvalidValue("extra", 'Extra request fields must be a JSON object, like {"seed": 1}.')
    reserved = sorted(RESERVED_FIELDS & value.keys())
    if reserved:
        names = " and ".join(f"“{name}”" for name in reserved)
        raise InvalidValue("extra", f"Extra request fields may not set {names}: the app sets it.")
    known = [BY_NAME[name].label for name in BY_NAME if name in value]
    if known:
        raise InvalidValue(
            "extra", f"Set {' and '.join(known)} in {'its' if len(known) == 1 else 'their'} "
            "own field above, not in Extra request fields.",
        )
    return dict(value)


def extra_text(extra: Mapping[str, Any]) -> str:
    """How the extra fields are shown for editing ("" when there are none)."""
    return json.dumps(dict(extra), indent=2, ensure_ascii=False) if extra else ""


@dataclass(frozen=True)
class Example:
    """An example turn placed after the system prompt: a question and its answer."""

    user: str
    assistant: str


@dataclass(frozen=True)
class ChatSettings:
    """What steers one chat: instructions, parameters (None: server default), extra
    fields, example turns; the fields Segmind rejected and the user chose to leave out
    (``omitted``); the preset these settings came from (``preset``, its id)."""

    system: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()
    omitted: frozenset[str] = frozenset()
    preset: str | None = None

    def value(self, name: str) -> float | int | None:
        """A known parameter's value by its body name."""
        value: float | int | None = getattr(self, BY_NAME[name].name)
        return value

    def with_value(self, name: str, value: float | int | None) -> ChatSettings:
        """The parameter ``name`` set (None: back to the server default); setting a field
        by hand sends it again even if it was left out after a rejection."""
        changes: dict[str, Any] = {BY_NAME[name].name: value, "omitted": self.omitted - {name}}
        return replace(self, **changes)

    def with_changes(self, **changes: Any) -> ChatSettings:
        return replace(self, **changes)

    def parameters(self) -> dict[str, Any]:
        """Every field changed from the server's defaults: the extra fields first, then
        the known parameters that are set (a known field set here wins)."""
        fields = dict(self.extra)
        for parameter in PARAMETERS:
            value = self.value(parameter.name)
            if value is not None:
                fields[parameter.name] = value
        return fields

    def body_fields(self) -> dict[str, Any]:
        """The request body's fields besides ``messages``: the changed ones, without the
        fields the user chose to leave out (nor any the app sets itself)."""
        return {
            k: v for k, v in self.parameters().items()
            if k not in RESERVED_FIELDS and k not in self.omitted
        }

    def leading_messages(self) -> list[dict[str, str]]:
        """What goes before the conversation: the system prompt, then the example turns."""
        turns: list[dict[str, str]] = []
        if self.system.strip():
            turns.append({"role": Role.SYSTEM.value, "content": self.system})
        for example in self.examples:
            turns.append({"role": Role.USER.value, "content": example.user})
            turns.append({"role": Role.ASSISTANT.value, "content": example.assistant})
        return turns

    def steering(self) -> tuple[object, ...]:
        """What a preset decides (instructions, parameters, examples): equal steering
        means the chat still matches its preset."""
        return (
            self.system, self.temperature, self.top_p, self.max_tokens,
            json.dumps(dict(self.extra), sort_keys=True), self.examples,
        )

    def is_default(self) -> bool:
        return self.steering() == ChatSettings().steering() and not self.omitted


def settings_document(settings: ChatSettings) -> dict[str, Any]:
    """The JSON document of the steering part (a preset's body, a chat's settings)."""
    document: dict[str, Any] = {"system": settings.system, "parameters": settings.parameters()}
    if settings.examples:
        document["examples"] = [
            {"user": e.user, "assistant": e.assistant} for e in settings.examples
        ]
    return document


def settings_from_document(document: Mapping[str, Any]) -> ChatSettings:
    """The settings a document describes; raises InvalidValue naming the first wrong part
    (``system`` must be text, ``parameters`` an object of valid values, ``examples`` a
    list of {"user", "assistant"} texts)."""
    system = document.get("system", "")
    if not isinstance(system, str):
        raise InvalidValue("system", "“system” must be a text.")
    raw = document.get("parameters", {})
    if not isinstance(raw, dict):
        raise InvalidValue("parameters", "“parameters” must be a JSON object.")
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in raw.items():
        if name in BY_NAME:
            known[name] = None if value is None else BY_NAME[name].check(value)
        else:
            extra[name] = value
    check_extra(extra)
    return ChatSettings(
        system=system, extra=extra, examples=_examples(document.get("examples", [])),
        temperature=known.get("temperature"), top_p=known.get("top_p"),
        max_tokens=known.get("max_tokens"),
    )


def _examples(value: object) -> tuple[Example, ...]:
    problem = InvalidValue(
        "examples", "“examples” must be a list of {\"user\": …, \"assistant\": …} turns."
    )
    if not isinstance(value, list):
        raise problem
    examples = []
    for item in value:
        if not isinstance(item, dict):
            raise problem
        user, assistant = item.get("user"), item.get("assistant")
        if not isinstance(user, str) or not isinstance(assistant, str):
            raise problem
        examples.append(Example(user, assistant))
    return tuple(examples)


def chat_settings_json(settings: ChatSettings) -> str:
    """A chat's settings as kept in the history (and in an export)."""
    document = settings_document(settings)
    if settings.omitted:
        document["omitted"] = sorted(settings.omitted)
    if settings.preset is not None:
        document["preset"] = settings.preset
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


def chat_settings_from_json(text: str) -> ChatSettings:
    """The settings kept for a chat; raises InvalidValue for a damaged document."""
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidValue("settings", "The chat's settings are not valid JSON.") from None
    if not isinstance(document, dict):
        raise InvalidValue("settings", "The chat's settings are not a JSON object.")
    return chat_settings_from_document(document)


def chat_settings_from_document(document: Mapping[str, Any]) -> ChatSettings:
    """A chat's settings from their parsed document (as kept, or in an export); raises
    InvalidValue naming the first wrong part."""
    settings = settings_from_document(document)
    omitted = document.get("omitted", [])
    preset = document.get("preset")
    if not isinstance(omitted, list) or not all(isinstance(n, str) for n in omitted):
        raise InvalidValue("omitted", "“omitted” must be a list of field names.")
    if preset is not None and not isinstance(preset, str):
        raise InvalidValue("preset", "“preset” must be a text.")
    return replace(settings, omitted=frozenset(omitted), preset=preset)


def sent_json(fields: Mapping[str, Any]) -> str:
    """A reply's request fields as they are kept with it (``Message.parameters``)."""
    return json.dumps(dict(fields), ensure_ascii=False)


def describe_sent(fields: Mapping[str, Any]) -> str:
    """A reply's parameters, for its details: "temperature 0.35, max_tokens 500", or
    "the server's defaults" when nothing was set."""
    if not fields:
        return "the server's defaults"
    return ", ".join(
        f"{name} {json.dumps(value, ensure_ascii=False)}" for name, value in fields.items()
    )
