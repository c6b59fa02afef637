"""Token counts: ``python -m bench.drivers.tokens REPORT WHAT [--keystrokes N]``.

``WHAT`` is one of:

- ``first``: a chat of ~65,000 tokens (by mistral-common's count; many messages, a
  system prompt, example turns) counted once by a ``TokenCounter`` on a worker
  thread, as the app counts: ms from ``submit`` to the result, with the import and
  load of the tokenizer (nothing has loaded it before; checked);
- ``keystrokes``: the same chat counted once, then again after each of N keystrokes
  (the last user message, the draft, one character longer each time), each count
  submitted to the worker and timed to its result; then mistral-common's count of
  the chat, to say how big it is (only after the timing: it loads its own copy);
- ``memory``: VmRSS before importing ``core.domain.tokens`` and after the tokenizer
  loaded and counted a short chat (the driver imports nothing else of the app);
- ``usage``: a handful of chats sent to the fake Segmind (in this process, real HTTP
  through the app's ``SegmindClient``): our count against its ``usage.prompt_tokens``.

The chat is built with no tokenizer: its size is set by its number of messages,
and ``keystrokes`` reports what the oracle makes of it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

Chat = list[dict[str, str]]

SYSTEM_PROMPT = (
    "You are a careful assistant for a small software team in Lyon. Answer in the "
    "language of the question (English, French, German, Italian or Spanish), use "
    "Markdown, put code in fenced blocks with the language named, and say so when you "
    "are not sure. Keep answers short unless asked for detail; never invent APIs."
)
EXAMPLES = [
    ("Wie lösche ich einen Git-Branch auf dem Server?",
     "Mit `git push origin --delete <branch>`; lokal mit `git branch -d <branch>`."),
    ("¿Cómo cuento las líneas de un fichero?", "Con `wc -l fichero.txt`."),
]
QUESTIONS = [
    "Can you review this function and tell me why it is slow on large inputs?",
    "Pourriez-vous m'expliquer la différence entre un processus et un thread ?",
    "Könnten Sie mir zeigen, wie man eine Größenänderung des Fensters abfängt?",
    "Perché la mia query è così lenta quando la tabella supera il milione di righe?",
    "¿Qué opinas de esta arquitectura? Me preocupa el rendimiento en producción.",
    "Summarise the trade-offs in a table, then give me your recommendation 🙂",
    "Et si l'on passe par une file d'attente ? Ça changerait quoi pour la latence ?",
]
CODE = (
    "```python\ndef merge(a: list[int], b: list[int]) -> list[int]:\n"
    "    result = []\n    while a and b:\n"
    "        result.append(a.pop(0) if a[0] < b[0] else b.pop(0))\n"
    "    return result + a + b\n```"
)
DRAFT = "D'accord, et pour finir : comment mesurerais-tu la mémoire utilisée ? "
MESSAGES = 412  # 65,038 tokens with the above (the keystrokes report says how many)
KEYSTROKE_TEXT = (
    "Also, what happens when the file is larger than the memory we have? "
    "Would mmap help, or should we stream it in chunks of a few megabytes instead? "
    "¿Y con varios hilos? Ça vaut le coup ? "
)


def long_chat(messages: int = MESSAGES, seed: int = 3) -> Chat:
    """The system prompt, two example turns, then ``messages`` alternating questions
    (five languages, sometimes with code) and Markdown replies (lists, tables, code),
    and the draft last."""
    import random

    from bench.data import markdown_reply

    rng = random.Random(seed)
    chat: Chat = [{"role": "system", "content": SYSTEM_PROMPT}]
    for question, answer in EXAMPLES:
        chat += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    for index in range(messages):
        if index % 2 == 0:
            text = rng.choice(QUESTIONS)
            if rng.random() < 0.3:
                text += "\n\n" + CODE
        else:
            text = markdown_reply(rng.randint(400, 2_000), seed=seed * 1000 + index).rstrip()
        chat.append({"role": "user" if index % 2 == 0 else "assistant", "content": text})
    chat.append({"role": "user", "content": DRAFT})
    return chat


def _timed_on_worker(pool: Any, counter: Any, chat: Chat) -> tuple[float, int]:
    started = time.perf_counter()
    tokens = pool.submit(counter.count, chat).result()
    return (time.perf_counter() - started) * 1000, tokens


def first(_args: argparse.Namespace) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    chat = long_chat()
    from mixtral_desktop.core.domain.tokens import TokenCounter

    if "sentencepiece" in sys.modules:
        raise RuntimeError("the tokenizer was loaded before the first count")
    counter = TokenCounter()
    with ThreadPoolExecutor(1, thread_name_prefix="tokens") as pool:
        ms, tokens = _timed_on_worker(pool, counter, chat)
    return {"ms": ms, "tokens": tokens, "messages": len(chat)}


def keystrokes(args: argparse.Namespace) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    from mixtral_desktop.core.domain.tokens import TokenCounter

    chat = long_chat()
    counter = TokenCounter()
    times: list[float] = []
    with ThreadPoolExecutor(1, thread_name_prefix="tokens") as pool:
        _first_ms, tokens = _timed_on_worker(pool, counter, chat)
        draft = chat[-1]["content"]
        for number in range(args.keystrokes):
            draft += KEYSTROKE_TEXT[number % len(KEYSTROKE_TEXT)]
            ms, last = _timed_on_worker(pool, counter, [*chat[:-1], {"role": "user",
                                                                    "content": draft}])
            times.append(ms)
    typed = [*chat[:-1], {"role": "user", "content": draft}]
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    oracle = MistralTokenizer.v3()
    oracle_tokens = len(oracle.encode_chat_completion(ChatCompletionRequest(messages=chat)).tokens)
    oracle_typed = len(oracle.encode_chat_completion(ChatCompletionRequest(messages=typed)).tokens)
    return {
        "ms": times, "tokens": tokens, "typed_tokens": last, "messages": len(chat),
        "oracle_tokens": oracle_tokens, "oracle_typed_tokens": oracle_typed,
    }


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def memory(_args: argparse.Namespace) -> dict[str, Any]:
    before = _rss_mb()
    from mixtral_desktop.core.domain.tokens import TokenCounter

    TokenCounter().count([{"role": "user", "content": "Combien de mémoire ?"}])
    return {"before_mb": before, "after_mb": _rss_mb()}


def usage_chats() -> dict[str, Chat]:
    """A handful of requests, each a shape the app sends."""
    chat = long_chat()
    return {
        "one question": [{"role": "user", "content": "Hello! What can you do?"}],
        "instructions and examples": [*chat[:5], {"role": "user", "content": QUESTIONS[2]}],
        "system messages between turns": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": QUESTIONS[1]},
            {"role": "system", "content": "Réponds en une phrase."},
            {"role": "user", "content": QUESTIONS[3] + "\n\n" + CODE},
            {"role": "assistant", "content": "Servono gli indici giusti 🙂  "},
            {"role": "user", "content": "¡Gracias! 👨‍👩‍👧‍👦🇪🇸"},
        ],
        "continue a cut reply": [
            *chat[5:9], {"role": "assistant", "content": chat[9]["content"][:300]},
            {"role": "user", "content": "Continue your previous reply exactly where it stopped,"
                                        " without repeating any of it."},
        ],
        f"{len(chat)} messages": chat,
    }


def usage(_args: argparse.Namespace) -> dict[str, Any]:
    from mixtral_desktop.core.domain.tokens import TokenCounter
    from mixtral_desktop.core.segmind.client import SegmindClient
    from mixtral_desktop.core.segmind.config import ClientConfig
    from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind

    counter = TokenCounter()
    requests: list[dict[str, Any]] = []
    with FakeSegmind(mode="auto", reply="D'accord.") as server, SegmindClient(
        FAKE_KEY, ClientConfig(base_url=server.base_url)
    ) as client:
        for name, chat in usage_chats().items():
            reply = client.chat(chat, on_delta=lambda _text: None)
            if reply.usage is None:
                raise RuntimeError(f"{name}: no usage in the reply")
            requests.append({
                "name": name, "ours": counter.count(chat), "server": reply.usage.prompt_tokens,
            })
    return {"requests": requests}


MEASURES = {"first": first, "keystrokes": keystrokes, "memory": memory, "usage": usage}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("what", choices=sorted(MEASURES))
    parser.add_argument("--keystrokes", type=int, default=200)
    args = parser.parse_args(argv)
    report = MEASURES[args.what](args)
    Path(args.report).write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
