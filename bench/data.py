"""Made-up Markdown replies and conversations for the benchmarks (deterministic)."""

from __future__ import annotations

import random

from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from tests.fakes import history_data

_TEXT = (
    "the model streams tokens while the window stays responsive and every frame is painted"
    " on time so the reader never waits for layout cache measure paint scroll sqlite index"
    " query thread signal buffer latency budget profile memory heap widget delegate"
)
_WORDS = _TEXT.split(" ")

_CODE = {
    "python": (
        "def fetch(url: str, retries: int = 3) -> bytes:\n"
        "    for attempt in range(retries):\n"
        "        try:\n"
        "            return urlopen(url, timeout=5).read()\n"
        "        except OSError as error:\n"
        "            log.warning('attempt %d failed: %s', attempt, error)\n"
        "    raise RuntimeError('giving up')\n"
    ),
    "bash": "set -euo pipefail\nfor f in *.log; do\n  gzip -9 \"$f\"\ndone\nls -lh | sort -k5 -h\n",
    "json": '{\n  "name": "mixtral",\n  "stream": true,\n  "max_tokens": 1024,\n'
    '  "messages": [{"role": "user", "content": "hi"}]\n}\n',
    "rust": (
        "fn main() {\n    let words: Vec<&str> = TEXT.split_whitespace().collect();\n"
        "    let total: usize = words.iter().map(|w| w.len()).sum();\n"
        "    println!(\"{} words, {} letters\", words.len(), total);\n}\n"
    ),
}


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 20))]
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"`{rng.choice(_WORDS)}()`"
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"**{rng.choice(_WORDS)}**"
    return " ".join(words) + "."


def _section(rng: random.Random, number: int) -> str:
    parts = [f"## Part {number}: {rng.choice(_WORDS)} and {rng.choice(_WORDS)}"]
    parts.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
    kind = number % 4
    if kind == 0:
        language = rng.choice(sorted(_CODE))
        parts.append(f"```{language}\n{_CODE[language]}```")
    elif kind == 1:
        parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 6))))
    elif kind == 2:
        rows = "\n".join(
            f"| {rng.choice(_WORDS)} | {rng.randint(1, 999)} ms | {rng.choice(_WORDS)} |"
            for _ in range(rng.randint(3, 6))
        )
        parts.append("| name | time | note |\n|---|---|---|\n" + rows)
    else:
        parts.append("\n".join(f"{i}. {_sentence(rng)}" for i in range(1, rng.randint(3, 5))))
    return "\n\n".join(parts)


def markdown_reply(size: int = 100_000, seed: int = 1) -> str:
    """About ``size`` characters of Markdown: headings, lists, tables, code blocks."""
    rng = random.Random(seed)
    sections: list[str] = ["# A long answer", _sentence(rng)]
    length = sum(len(s) + 2 for s in sections)
    number = 1
    while length < size:
        section = _section(rng, number)
        sections.append(section)
        length += len(section) + 2
        number += 1
    text = "\n\n".join(sections)[: size - 1].rstrip()
    return text + "\n" * (size - len(text))  # exactly ``size`` characters


def long_conversation(count: int = 10_000, seed: int = 2) -> list[Message]:
    """``count`` mixed messages: short and long, code, lists, tables, every role and state."""
    rng = random.Random(seed)
    messages = history_data.conversation_messages(rng, history_data.START, count)
    mixed: list[Message] = []
    for row, message in enumerate(messages):
        if row % 10 == 5:
            content = markdown_reply(rng.randint(1_000, 6_000), seed=seed + row)
            message = Message(Role.ASSISTANT, content, created=message.created)
        elif row % 50 == 7:
            message = Message(
                Role.SYSTEM, "Answer briefly; use code blocks for code.", created=message.created
            )
        elif row % 97 == 3 and message.role is Role.ASSISTANT:
            message = Message(
                Role.ASSISTANT, message.content[: len(message.content) // 2],
                state=MessageState.INCOMPLETE, created=message.created,
            )
        mixed.append(message)
    return mixed
