"""Token counts held to the oracle: mistral-common's
``MistralTokenizer.v3().encode_chat_completion`` (a test dependency the app never
imports) gives, token for token, what ``core.domain.tokens`` makes of a chat.

The corpus is built here, deterministically: system prompts, several system messages
(empty ones, between turns), few-shot replies, runs of one role, replies with trailing
spaces, a chat that starts with a reply, five languages, code, emoji, unusual
whitespace, chats drawn at random (seeded) and two of ~60,000 tokens. The oracle must
accept every chat: none is skipped.
"""

from __future__ import annotations

import filecmp
import importlib.resources
import itertools
import json
import random
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mistral_common.protocol.instruct.request import ChatCompletionRequest
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

from mixtral_desktop.core.domain.tokens import (
    MODEL_FILE,
    TokenCounter,
    Tokenizer,
    chunks,
    encode_request,
)

ROOT = Path(__file__).resolve().parents[4]
ORACLE_MODEL = "mistral_instruct_tokenizer_240323.model.v3"

Chat = list[dict[str, str]]


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def system(text: str) -> dict[str, str]:
    return {"role": "system", "content": text}


# -- the corpus --------------------------------------------------------------------------

LANGUAGES: dict[str, list[str]] = {
    "en": [
        "The weather in Edinburgh changed four times before lunch, so we stayed in the café.",
        "Could you explain why my résumé's formatting breaks when I export it to PDF?",
        "It's a long way to Tipperary, but the naïve tourists didn't mind the rain.",
        "Please summarise the meeting notes in three bullet points — no more.",
    ],
    "fr": [
        "L'été dernier, nous avons dîné à Montréal chez une amie qui élève des abeilles.",
        "Où est la bibliothèque ? Je voudrais emprunter « Les Misérables » avant Noël.",
        "Ça m'a coûté très cher, mais l'hôtel était à deux pas de la cathédrale.",
        "Pourriez-vous m'aider à rédiger une lettre de motivation pour un poste à Lyon ?",
    ],
    "de": [
        "Die Straße vor unserem Büro wird nächste Woche für drei Tage gesperrt.",
        "Könnten Sie mir bitte erklären, warum die Größe der Datei plötzlich gewachsen ist?",
        "Übermorgen fahren wir mit dem Zug nach München; die Fahrkarten sind schon gekauft.",
        "Der Fußgänger überquerte die Brücke, während es draußen heftig schneite.",
    ],
    "it": [
        "Perché il treno per Firenze è in ritardo di quaranta minuti?",
        "Ho già prenotato un tavolo nella trattoria vicino al Duomo: lì la carbonara è ottima.",
        "Così è la vita: più città visiti, più ne vorresti vedere.",
        "Potresti tradurre questa frase in inglese? Non sono sicuro di aver capito bene.",
    ],
    "es": [
        "¿Dónde está la estación de tren más cercana? Necesito llegar a Sevilla a mediodía.",
        "¡Qué alegría verte de nuevo! El año pasado no celebramos el cumpleaños de mi abuela.",
        "El niño comió una piña entera y después pidió más jamón.",
        "¿Podrías explicarme cómo funciona la declaración de la renta en España?",
    ],
}

PYTHON = '''Here is the fix:

```python
def fibonacci(n: int) -> list[int]:
    """The first ``n`` Fibonacci numbers."""
    numbers = [0, 1]
    while len(numbers) < n:
        numbers.append(numbers[-1] + numbers[-2])
    return numbers[:n]


if __name__ == "__main__":
    for i, value in enumerate(fibonacci(10)):
        print(f"{i:>2}: {value}")
```
'''

JSON_BLOCK = """```json
{
  "name": "mixtral-desktop",
  "version": "1.0.0",
  "tags": ["chat", "desktop", "qt"],
  "limits": {"context": 65536, "temperature": [0.0, 1.0]},
  "greeting": "Grüß Gott, ¿qué tal? \\u00e9t\\u00e9",
  "nested": {"empty": {}, "list": [], "null": null, "yes": true}
}
```"""

MAKEFILE = "```make\nbuild:\n\tpython -m build\n\tcp dist/*.whl out/\n\ntest:\n\tpytest -q\n```"

GO = (
    "```go\npackage main\n\nimport \"fmt\"\n\nfunc main() {\n\tfor i := 0; i < 3; i++ {\n"
    "\t\tfmt.Println(\"hello\", i)\n\t}\n}\n```"
)

EMOJI = [
    "Family 👨‍👩‍👧‍👦, couple 👩‍❤️‍👨, coder 🧑‍💻, rainbow 🏳️‍🌈 and pirate 🏴‍☠️ flags.",
    "Flags: 🇫🇷 🇩🇪 🇮🇹 🇪🇸 🇬🇧 🇺🇸 and Scotland 🏴󠁧󠁢󠁳󠁣󠁴󠁿; keycaps 1️⃣ #️⃣ *️⃣.",
    "Skin tones 👍🏽 👋🏿 🤝🏻, hearts ❤️ 💙, plain ☺ and ☺️, the end 🎉🎉🎉",
]

WHITESPACE = [
    "no-break\u00a0space, narrow\u202fno-break (Bonjour\u202f!), thin\u2009space",
    "ideographic\u3000space, en\u2002and em\u2003spaces, figure\u2007space",
    "windows\r\nline\r\nendings and an old Mac\rone",
    "line\u2028separator, paragraph\u2029separator, vertical\x0btab, form\x0cfeed",
    "zero\u200bwidth space, zero\u200dwidth joiner, \ufeffBOM inside, soft\u00adhyphen",
    "   leading spaces, trailing spaces   ",
    "\n\n\nblank lines above\n\n\n\nand below\n\n",
    "many        spaces\tand\t\ttabs\t",
]

SPECIAL = "Literal control words: [INST] hello [/INST] </s> <s> <unk> [TOOL_CALLS] ▁ \\n"


def fixed_chats() -> dict[str, Chat]:
    """Hand-written chats, each for one feature of the template."""
    chats: dict[str, Chat] = {}
    for code, (first, second, third, fourth) in LANGUAGES.items():
        chats[f"{code}-single"] = [user(first)]
        chats[f"{code}-system"] = [system(f"Answer in language '{code}'. {fourth}"), user(first)]
        chats[f"{code}-turns"] = [user(first), assistant(second), user(third),
                                  assistant(fourth), user(first + " " + third)]
    chats.update({
        "empty-user": [user("")],
        "whitespace-user": [user("   ")],
        "system-only": [system("You are terse.")],
        "system-empty-only": [system("")],
        "two-systems": [system("You are terse."), system("Always answer in French."),
                        user("Hello!")],
        "empty-system": [system(""), user("Hello!")],
        "systems-with-empty-between": [system("First rule."), system(""),
                                       system("Second rule."), user("Go.")],
        "whitespace-system": [system("  \n "), user("Hi")],
        "system-between-users": [user("Hi"), system("Be brief."), user("What is 2+2?")],
        "system-after-user-before-reply": [user("Hi"), system("Be brief."), assistant("Hello."),
                                           user("Bye")],
        "systems-between-turns": [system("Rule one."), user("Hi"), assistant("Hello."),
                                  user("Again"), system("Rule two."), system(""),
                                  user("And again")],
        "system-last-but-one": [user("Question?"), system("Answer in one word."),
                                user("Really?")],
        "few-shot": [system("Translate to French."), user("cat"), assistant("chat"),
                     user("dog"), assistant("chien"), user("bird")],
        "few-shot-no-system": [user("2+2"), assistant("4"), user("3+3"), assistant("6"),
                               user("4+4")],
        "users-in-a-row": [user("First part."), user("Second part."), user("Third part.")],
        "users-with-empty-in-a-row": [user(""), user("after an empty one"), user(""),
                                      user("and another")],
        "replies-in-a-row": [user("Tell me two things."), assistant("One."),
                             assistant("Two."), user("Thanks")],
        "replies-in-a-row-trailing-spaces": [user("Go"), assistant("first   "),
                                             assistant("second  "), user("ok")],
        "reply-trailing-spaces": [user("Hi"), assistant("Hello there!   "), user("Bye")],
        "reply-trailing-newline-spaces": [user("Hi"), assistant("Hello \n  "), user("Bye")],
        "reply-trailing-tab": [user("Hi"), assistant("Hello\t "), user("Bye")],
        "reply-trailing-nbsp": [user("Hi"), assistant("Hello\u00a0 "), user("Bye")],
        "reply-only-spaces": [user("Hi"), assistant("    "), user("Still there?")],
        "reply-leading-spaces": [user("Hi"), assistant("   indented reply"), user("Bye")],
        "starts-with-reply": [assistant("Hello! How can I help you today?"), user("Hi.")],
        "starts-with-replies": [assistant("Welcome."), assistant("Ask me anything. "),
                                user("Anything?")],
        "system-then-reply": [system("You greet first."), assistant("Bonjour !"), user("Salut")],
        "python": [user("My Fibonacci function is wrong, can you fix it?"), assistant(PYTHON),
                   user("Now in Go, please.")],
        "json": [system("Reply with JSON only."), user("Describe the app."),
                 assistant(JSON_BLOCK), user("Add a field.\n\n" + JSON_BLOCK)],
        "tabs": [user("Why does make say 'missing separator'?\n\n" + MAKEFILE),
                 assistant("Recipes need tabs:\n\n" + MAKEFILE), user(GO)],
        "code-first-thing": [user("    indented first line\n\tthen a tab\n  end")],
        "emoji": [user(EMOJI[0]), assistant(EMOJI[1]), user(EMOJI[2])],
        "emoji-only": [user("👨‍👩‍👧‍👦🇫🇷🏴󠁧󠁢󠁳󠁣󠁴󠁿🏳️‍🌈"), assistant("🎉 "), user("🙂")],
        "whitespace": [user(WHITESPACE[0]), assistant(WHITESPACE[1]), user(WHITESPACE[2]),
                       assistant(WHITESPACE[3]), user(WHITESPACE[4])],
        "whitespace-more": [system(WHITESPACE[5]), user(WHITESPACE[6]),
                            assistant(WHITESPACE[7]), user(WHITESPACE[5])],
        "special-words": [system(SPECIAL), user(SPECIAL), assistant(SPECIAL), user(SPECIAL)],
        "mixed-languages": [system(LANGUAGES["de"][0]), user(LANGUAGES["fr"][1]),
                            assistant(LANGUAGES["es"][0]), user(LANGUAGES["it"][2])],
    })
    return chats


def _pool() -> list[str]:
    texts = [text for sentences in LANGUAGES.values() for text in sentences]
    return [*texts, PYTHON, JSON_BLOCK, MAKEFILE, GO, *EMOJI, *WHITESPACE, SPECIAL]


def random_chat(rng: random.Random, pool: Sequence[str], messages: int) -> Chat:
    """``messages`` messages the oracle accepts: no system message right after a reply,
    no empty reply, a user message last."""
    chat: Chat = []
    for index in range(messages):
        previous = chat[-1]["role"] if chat else None
        if index == messages - 1:
            role = "user"
        else:
            roles = ["user", "assistant", "user", "assistant"]
            if previous != "assistant":
                roles.append("system")
            role = rng.choice(roles)
        parts = rng.sample(pool, rng.randint(1, 3))
        text = rng.choice([" ", "\n", "\n\n", ""]).join(parts)
        if role != "assistant" and rng.random() < 0.1:
            text = ""
        if role == "assistant" and rng.random() < 0.3:
            text += " " * rng.randint(1, 4)
        chat.append({"role": role, "content": text})
    return chat


def random_chats() -> dict[str, Chat]:
    rng = random.Random(20240323)
    pool = _pool()
    return {f"random-{n}": random_chat(rng, pool, rng.randint(2, 14)) for n in range(16)}


CORPUS = {**fixed_chats(), **random_chats()}


def long_chat(seed: int, messages: int, system_prompt: str) -> Chat:
    """A chat of many messages, ~60,000 tokens: prose in the five languages, code,
    emoji, a system prompt."""
    rng = random.Random(seed)
    pool = _pool()
    chat: Chat = [system(system_prompt)]
    for index in range(messages):
        role = "user" if index % 2 == 0 or index == messages - 1 else "assistant"
        text = "\n\n".join(rng.choice(pool) for _ in range(rng.randint(4, 12)))
        chat.append({"role": role, "content": text + (" " if role == "assistant" else "")})
    return chat


def few_shot(chat: Chat) -> Chat:
    """``chat`` with example turns after its system prompt, as a preset sends them."""
    examples = [user("Example question"), assistant("Example answer  ")]
    return [chat[0], *examples, *chat[1:]]


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oracle() -> MistralTokenizer:
    return MistralTokenizer.v3()


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="module")
def shared_counter(tokenizer: Tokenizer) -> TokenCounter:
    """One counter for the whole corpus (its cache sees every chat)."""
    return TokenCounter(tokenizer)


def oracle_tokens(oracle: MistralTokenizer, chat: Sequence[Mapping[str, str]]) -> list[int]:
    """The oracle's tokens; raises if it refuses the chat (no case is skipped)."""
    request: ChatCompletionRequest[Any] = ChatCompletionRequest(
        messages=[dict(message) for message in chat]
    )
    return list(oracle.encode_chat_completion(request).tokens)


@pytest.fixture(scope="module")
def long_chats(oracle: MistralTokenizer) -> dict[str, tuple[Chat, list[int]]]:
    """Two chats of ~60,000 tokens, with the oracle's tokens (built once)."""
    chats = {
        "long-prose-and-code": long_chat(1, 197, "You are a helpful, multilingual assistant."),
        "long-few-shot": few_shot(long_chat(2, 205, "Answer like the examples.")),
    }
    return {name: (chat, oracle_tokens(oracle, chat)) for name, chat in chats.items()}


# -- the same tokens ---------------------------------------------------------------------------


def test_the_corpus_is_large_and_covers_each_feature() -> None:
    assert len(CORPUS) >= 50
    roles = [[m["role"] for m in chat] for chat in CORPUS.values()]
    assert sum(r.count("system") > 1 for r in roles) >= 3
    assert any(r[0] == "assistant" for r in roles)
    assert any(a == b for r in roles for a, b in itertools.pairwise(r))
    assert any(
        m["role"] == "assistant" and m["content"].endswith(" ")
        for chat in CORPUS.values() for m in chat
    )


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_same_tokens_as_mistral_common(
    name: str, oracle: MistralTokenizer, tokenizer: Tokenizer, shared_counter: TokenCounter
) -> None:
    chat = CORPUS[name]
    expected = oracle_tokens(oracle, chat)
    assert encode_request(chat, tokenizer) == expected
    assert TokenCounter(tokenizer).count(chat) == len(expected)
    assert shared_counter.count(chat) == len(expected)


def test_long_chats(
    long_chats: dict[str, tuple[Chat, list[int]]], tokenizer: Tokenizer,
    oracle: MistralTokenizer,
) -> None:
    counter = TokenCounter(tokenizer)
    for name, (chat, expected) in long_chats.items():
        assert 55_000 <= len(expected) <= 65_536, name
        assert len(chat) > 150, name
        assert encode_request(chat, tokenizer) == expected, name
        assert counter.count(chat) == len(expected), name
        # Counted again with a new draft: only the draft's turn is new.
        drafted = [*chat[:-1], user(chat[-1]["content"] + " ¿Y ahora?")]
        assert counter.count(drafted) == len(oracle_tokens(oracle, drafted))


PIECES = ["", " ", "  ", "\n", "\n\n", "\t", "a", "é", "x y", "\u00a0", "🙂", "[INST]", "</s>"]


@st.composite
def valid_chats(draw: st.DrawFn) -> Chat:
    """Short chats of awkward pieces, in the shapes the oracle accepts (see
    :func:`random_chat`)."""
    roles = draw(st.lists(st.sampled_from(["user", "assistant", "system"]), max_size=6))
    chat: Chat = []
    for role in [*roles, "user"]:
        if role == "system" and chat and chat[-1]["role"] == "assistant":
            continue
        text = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=4)))
        chat.append({"role": role, "content": text or ("a" if role == "assistant" else "")})
    return chat


@settings(max_examples=300, derandomize=True, deadline=None)
@given(chat=valid_chats())
def test_awkward_chats_match(
    chat: Chat, oracle: MistralTokenizer, tokenizer: Tokenizer
) -> None:
    expected = oracle_tokens(oracle, chat)
    assert encode_request(chat, tokenizer) == expected
    assert TokenCounter(tokenizer).count(chat) == len(expected)


# -- the model file -------------------------------------------------------------------------


def test_the_model_is_mistral_commons_v3() -> None:
    theirs = importlib.resources.files("mistral_common") / "data" / ORACLE_MODEL
    with importlib.resources.as_file(theirs) as path:
        assert filecmp.cmp(MODEL_FILE, path, shallow=False)
        assert MODEL_FILE.read_bytes() == path.read_bytes()
        used = MistralTokenizer.v3().instruct_tokenizer.tokenizer
        assert Path(used.file_path).samefile(path)


def test_the_tokenizer_loads_on_the_first_count_not_on_import() -> None:
    script = (
        "import json, sys\n"
        "import mixtral_desktop.core.domain.tokens as tokens\n"
        "before = 'sentencepiece' in sys.modules\n"
        "n = tokens.TokenCounter().count([{'role': 'user', 'content': 'Hello'}])\n"
        "print(json.dumps([before, 'sentencepiece' in sys.modules, n]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == [False, True, 4]  # <s>[INST] Hello [/INST]


# -- the cache ----------------------------------------------------------------------------------


class RecordingTokenizer(Tokenizer):
    """The real tokenizer, noting every text it is asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def encode(self, text: str) -> list[int]:
        self.asked.append(text)
        return super().encode(text)

    def encode_many(self, texts: Sequence[str]) -> list[list[int]]:
        self.asked.extend(texts)
        return super().encode_many(texts)


def test_a_new_draft_encodes_only_its_turn(oracle: MistralTokenizer) -> None:
    recording = RecordingTokenizer()
    counter = TokenCounter(recording)
    history = [system("Be brief."), user(LANGUAGES["fr"][0]), assistant(LANGUAGES["fr"][1]),
               user(LANGUAGES["de"][0]), assistant(PYTHON + "  ")]
    first = [*history, user("Draft")]
    assert counter.count(first) == len(oracle_tokens(oracle, first))
    assert len(recording.asked) == 5  # every turn, in one batch
    recording.asked.clear()
    second = [*history, user("Draft, longer")]
    assert counter.count(second) == len(oracle_tokens(oracle, second))
    # The system prompt goes inside the last user turn: that turn is all that is new.
    assert recording.asked == ["Be brief.\n\nDraft, longer"]
    recording.asked.clear()
    assert counter.count(second) == len(oracle_tokens(oracle, second))
    assert recording.asked == []


def test_a_new_turn_encodes_only_what_changed(oracle: MistralTokenizer) -> None:
    recording = RecordingTokenizer()
    counter = TokenCounter(recording)
    chat = [user("Hello"), assistant("Hi! "), user("What is a monad?")]
    counter.count(chat)
    recording.asked.clear()
    longer = [*chat, assistant("A monoid in the category of endofunctors."), user("Thanks")]
    assert counter.count(longer) == len(oracle_tokens(oracle, longer))
    assert sorted(recording.asked) == ["A monoid in the category of endofunctors.", "Thanks"]
    # With a system prompt, the last user turn carries it: when a new one comes, the
    # previous one is encoded again, once, without it.
    recording.asked.clear()
    counter = TokenCounter(recording)
    counter.count([system("Be kind."), *chat])
    recording.asked.clear()
    counter.count([system("Be kind."), *longer])
    assert sorted(recording.asked) == [
        "A monoid in the category of endofunctors.", "Be kind.\n\nThanks", "What is a monad?",
    ]


def document_turn(seed: int, chars: int) -> str:
    """A user turn holding a long attached document (prose, code, lines of every length,
    blank lines, indentation, no newline for a long stretch), then the question."""
    rng = random.Random(seed)
    parts: list[str] = []
    while sum(map(len, parts)) < chars:
        kind = rng.randrange(5)
        if kind == 0:
            parts.append(PYTHON)
        elif kind == 1:
            parts.append(rng.choice(list(LANGUAGES.values()))[0] + "\n")
        elif kind == 2:
            parts.append("word " * rng.randrange(1, 5000))  # (a long line, no newline)
        elif kind == 3:
            parts.append("\n" * rng.randrange(1, 4) + " " * rng.randrange(0, 6))
        else:
            parts.append("| a | b |\n|---|---|\n" + "| 1 | 😀 é |\n" * rng.randrange(1, 200))
    return '<document name="file.txt">\n' + "".join(parts) + "\n</document>\n\nWhat is it?"


@pytest.mark.parametrize("seed", range(6))
def test_long_turns_are_counted_in_chunks_exactly(
    seed: int, oracle: MistralTokenizer, tokenizer: Tokenizer
) -> None:
    turn = document_turn(seed, 60_000 + 20_000 * seed)
    assert len(chunks(turn)) > 2
    chat = [system("Read carefully."), user(turn)]
    assert TokenCounter(tokenizer).count(chat) == len(oracle_tokens(oracle, chat))


def test_a_keystroke_after_a_long_document_encodes_its_last_chunk(
    oracle: MistralTokenizer,
) -> None:
    recording = RecordingTokenizer()
    counter = TokenCounter(recording)
    turn = document_turn(7, 200_000)
    counter.count([user(turn)])
    recording.asked.clear()
    typed = [user(turn + " And who wrote it?")]
    assert counter.count(typed) == len(oracle_tokens(oracle, typed))
    assert recording.asked == [chunks(typed[0]["content"])[-1]]
    assert len(recording.asked[0]) < len(turn) / 4


# -- leaving out the oldest messages ------------------------------------------------------------


def brute_force_leave_out(
    counter: TokenCounter, leading: Chat, history: Chat, tail: Chat, limit: int
) -> int | None:
    for k in range(len(history) + 1):
        if counter.count([*leading, *history[k:], *tail]) <= limit:
            return k
    return None


def leave_out_cases() -> list[tuple[Chat, Chat, Chat]]:
    rng = random.Random(7)
    pool = _pool()
    cases = []
    for leading in (
        [],
        [system("You are a careful translator.")],
        [system("Translate."), user("cat"), assistant("chat")],
    ):
        history: Chat = []
        for index in range(24):
            role = "user" if index % 2 == 0 else "assistant"
            history.append({"role": role, "content": " ".join(rng.sample(pool, 2))})
        cases.append((leading, history, [user(rng.choice(pool))]))
    return cases


@pytest.mark.parametrize("case", range(3))
def test_leave_out_matches_brute_force(
    case: int, tokenizer: Tokenizer, oracle: MistralTokenizer
) -> None:
    leading, history, tail = leave_out_cases()[case]
    counter = TokenCounter(tokenizer)
    everything = counter.count([*leading, *history, *tail])
    alone = counter.count([*leading, *tail])
    limits = [everything + 10, everything, everything - 1, alone, alone - 1, 0]
    limits += list(range(alone + 1, everything, max(1, (everything - alone) // 40)))
    for limit in limits:
        found = counter.leave_out(leading, history, tail, limit)
        assert found == brute_force_leave_out(counter, leading, history, tail, limit), limit
        if found is None:
            assert len(oracle_tokens(oracle, [*leading, *tail])) > limit
            continue
        kept = [*leading, *history[found:], *tail]
        assert len(oracle_tokens(oracle, kept)) <= limit
        if found > 0:
            one_more = [*leading, *history[found - 1 :], *tail]
            assert len(oracle_tokens(oracle, one_more)) > limit
    assert counter.leave_out(leading, history, tail, everything) == 0
    assert counter.leave_out(leading, history, tail, alone - 1) is None
