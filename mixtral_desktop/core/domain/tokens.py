"""Exact token counts of a request, as Mixtral 8x22B reads it: Mistral's "v3"
SentencePiece tokenizer and the v3 chat template, placed the way mistral-common's
``encode_chat_completion`` places them (the tests hold the two to the same tokens):

    <s>[INST] user [/INST] reply</s>[INST] system\\n\\nlast user [/INST]

- every (non-empty) system message of the request joins, in order, with a blank line, into one
  system prompt, which goes before the text of the *last* user turn;
- neighbouring messages of the same role (a system message between them breaks the
  run) join with a blank line into one turn;
- a request that does not start with a user turn gets an empty one first;
- a reply's trailing spaces are not counted, and each reply ends with ``</s>``.

The tokenizer (``sentencepiece`` and the 0.6 MB model shipped in
``mixtral_desktop/assets/tokenizer/``, Apache-2.0, see the NOTICE there) is imported
and loaded on the first count, never before: ~15 ms and ~11 MB (sentencepiece ~5 MB,
the model ~6), on the worker that counts (``python -m bench --only tokens``). Encoding
releases the GIL, so a count on a worker thread does not stall the GUI thread.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONTEXT_WINDOW = 65_536
"""Mixtral 8x22B's context: prompt and reply together."""

MODEL_FILE = Path(__file__).resolve().parents[2] / "assets" / "tokenizer" / "mistral-v3.model"
BATCH_THREADS = 2
"""Threads sentencepiece may use for a batch of uncounted turns (a 64K-token chat:
~45 ms on one thread, ~22 on two)."""

USER, ASSISTANT, SYSTEM = "user", "assistant", "system"
JOIN = "\n\n"


@dataclass(frozen=True)
class Turn:
    """One ``[INST]`` block (``role`` user) or one reply (``role`` assistant), with the
    text the tokenizer reads."""

    role: str
    text: str


def instruct_turns(messages: Sequence[Mapping[str, str]]) -> list[Turn]:
    """The turns the template encodes for ``messages`` (each a ``{"role", "content"}``
    of the request body), the system prompt already inside the last user turn."""
    system = [m["content"] for m in messages if m["role"] == SYSTEM and m["content"]]
    turns: list[Turn] = []
    run: list[str] = []
    run_role: str | None = None

    def flush() -> None:
        if run_role in (USER, ASSISTANT):
            turns.append(Turn(run_role, JOIN.join(text for text in run if text)))

    for message in messages:
        role = message["role"]
        if role != run_role:
            flush()
            run, run_role = [], role
        run.append(message["content"])
    flush()
    if not turns or turns[0].role != USER:
        turns.insert(0, Turn(USER, ""))
    prompt = JOIN.join(system)
    if prompt:
        last = max(i for i, turn in enumerate(turns) if turn.role == USER)
        turns[last] = Turn(USER, prompt + JOIN + turns[last].text)
    return turns


class Tokenizer:
    """The v3 SentencePiece model and the ids of its control tokens."""

    def __init__(self, model_file: Path = MODEL_FILE) -> None:
        import sentencepiece  # loaded on the first count

        self._model: Any = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self.bos: int = self._model.bos_id()
        self.eos: int = self._model.eos_id()
        self.begin_inst: int = self._model.piece_to_id("[INST]")
        self.end_inst: int = self._model.piece_to_id("[/INST]")

    def encode(self, text: str) -> list[int]:
        result: list[int] = self._model.encode(text)
        return result

    def encode_many(self, texts: Sequence[str]) -> list[list[int]]:
        result: list[list[int]] = self._model.encode(list(texts), num_threads=BATCH_THREADS)
        return result


class _Shared:
    """The process's one tokenizer, loaded by the first caller that needs it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: Tokenizer | None = None

    def get(self) -> Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = Tokenizer()
            return self._tokenizer


_SHARED = _Shared()


def shared_tokenizer() -> Tokenizer:
    """The process's tokenizer, loaded by the first caller."""
    return _SHARED.get()


def encode_request(messages: Sequence[Mapping[str, str]], tokenizer: Tokenizer) -> list[int]:
    """Every token of the prompt ``messages`` make (what the model reads before replying)."""
    tokens = [tokenizer.bos]
    for turn in instruct_turns(messages):
        if turn.role == USER:
            tokens += [tokenizer.begin_inst, *tokenizer.encode(turn.text), tokenizer.end_inst]
        else:
            tokens += [*tokenizer.encode(turn.text.rstrip(" ")), tokenizer.eos]
    return tokens


def _turn_text(turn: Turn) -> str:
    return turn.text if turn.role == USER else turn.text.rstrip(" ")


CONTROL_TOKENS = 2
"""``[INST]`` and ``[/INST]`` around a user turn; ``</s>`` after a reply is 1."""


CHUNK_CHARS = 16_384
"""A text longer than this is counted in chunks of about this size."""
JOIN_TOKENS = 2
"""What ``encode("\n")`` is: the tokenizer's leading "▁" and the newline's byte."""


def chunks(text: str) -> list[str]:
    """``text`` cut after a newline every :data:`CHUNK_CHARS` or so, each chunk after the
    first given back the newline it follows: ``encode(text)`` has exactly as many tokens
    as the chunks' encodings together, less :data:`JOIN_TOKENS` a join. (No piece of the
    v3 vocabulary holds a newline, so nothing merges across one, and an encoding starts
    with "▁" only at the start of the string; held to the whole text's count in the
    tests.) The cuts depend only on the text before them: text added at the end changes
    the last chunk alone."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > CHUNK_CHARS:
        cut = text.find("\n", start + CHUNK_CHARS - 1)
        if cut < 0:
            break
        pieces.append(("\n" if start else "") + text[start:cut + 1])
        start = cut + 1
    pieces.append(("\n" if start else "") + text[start:])
    return pieces


class TokenCounter:
    """Counts requests, keeping each turn's count so that the next count only encodes
    what changed (while typing: the draft's turn). Safe to share between threads."""

    def __init__(
        self, tokenizer: Tokenizer | None = None, *, cache_chars: int = 8_000_000
    ) -> None:
        self._tokenizer = tokenizer
        self._cache: OrderedDict[str, int] = OrderedDict()
        self._cache_chars = cache_chars
        self._cached_chars = 0
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = shared_tokenizer()
        return self._tokenizer

    def count(self, messages: Sequence[Mapping[str, str]]) -> int:
        """The prompt's tokens: exactly ``len(encode_request(messages, …))``."""
        turns = instruct_turns(messages)
        counts = self._text_counts([_turn_text(turn) for turn in turns])
        return 1 + sum(
            n + (CONTROL_TOKENS if turn.role == USER else 1)
            for turn, n in zip(turns, counts, strict=True)
        )

    def count_text(self, text: str) -> int:
        """The tokens of ``text`` on its own (no template), e.g. for an attachment."""
        return self._text_counts([text])[0]

    def leave_out(
        self,
        leading: Sequence[Mapping[str, str]],
        history: Sequence[Mapping[str, str]],
        tail: Sequence[Mapping[str, str]],
        limit: int,
    ) -> int | None:
        """How many of the oldest ``history`` messages to leave out so that ``leading``
        (instructions, examples), the rest of ``history`` and ``tail`` fit in ``limit``
        tokens: the fewest that do (0 when all fit), or None when even ``leading`` and
        ``tail`` alone do not."""

        def fits(k: int) -> bool:
            return self.count([*leading, *history[k:], *tail]) <= limit

        if fits(0):
            return 0
        if not fits(len(history)):
            return None
        low, high = 0, len(history)  # fits(low) is False, fits(high) is True
        while high - low > 1:
            middle = (low + high) // 2
            if fits(middle):
                high = middle
            else:
                low = middle
        return high

    def _text_counts(self, texts: list[str]) -> list[int]:
        """Each text's tokens; a long text is counted in chunks (see :func:`chunks`), so
        that a change at its end (a keystroke after an attached document, a long draft
        growing) encodes its last chunk only."""
        if all(len(text) <= CHUNK_CHARS for text in texts):
            return self._piece_counts(texts)
        split = [chunks(text) for text in texts]
        counts = iter(self._piece_counts([piece for pieces in split for piece in pieces]))
        return [
            sum(next(counts) for _ in pieces) - JOIN_TOKENS * (len(pieces) - 1)
            for pieces in split
        ]

    def _piece_counts(self, texts: list[str]) -> list[int]:
        with self._lock:
            found = [self._cache.get(text) for text in texts]
            for text, n in zip(texts, found, strict=True):
                if n is not None:
                    self._cache.move_to_end(text)
        missing = sorted({t for t, n in zip(texts, found, strict=True) if n is None and t})
        fresh = dict(zip(missing, map(len, self._encode(missing)), strict=True))
        with self._lock:
            for text, n in fresh.items():
                self._remember(text, n)
        return [
            n if n is not None else fresh.get(text, 0)
            for text, n in zip(texts, found, strict=True)
        ]

    def _encode(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        if len(texts) == 1:
            return [self.tokenizer.encode(texts[0])]
        return self.tokenizer.encode_many(texts)

    def _remember(self, text: str, n: int) -> None:
        if text in self._cache or len(text) > self._cache_chars:
            return
        self._cache[text] = n
        self._cached_chars += len(text)
        while self._cached_chars > self._cache_chars:
            old, _ = self._cache.popitem(last=False)
            self._cached_chars -= len(old)
