"""What replies cost: credits from the ``x-remaining-credits`` readings around each
request, and the user's own rate, fitted on paid replies, for an estimate before sending.

Segmind says how many credits are left after each call, never what the call cost. The
:class:`CreditLedger` keeps the last balance it heard of (a reply's header, the credits
API) and, for each request, the balance when it went out; the reply's header then says
what it cost. The figure is exact only when nothing else could have moved the balance
in between: when requests of several tabs overlap, or the balance moved by itself (a
top-up, another device or app with the same key), it is marked approximate and says why.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from mixtral_desktop.core.domain.conversation import Message

OVERLAPPED = "other requests were on their way at the same time"
MOVED = "the balance moved between requests (a top-up, or another device or app)"
UNKNOWN_BEFORE = "the balance before it was not known"
ROSE = "the balance went up meanwhile (a top-up?)"
UNEXPLAINED = "the balance fell by more than its tokens explain (another device or app?)"

MIN_PAID = 3
"""Paid replies needed before the composer shows an estimate."""
RECENT = 50
"""How many recent paid replies the rate is fitted on."""
SURPRISE = 3.0
"""A reply costing this many times its estimate (and more than :data:`NOISE`) is marked."""
NOISE = 1e-6


@dataclass(frozen=True)
class Spend:
    """What one request cost: ``credits`` (None: unknown), ``note`` (None: exact)."""

    credits: float | None
    note: str | None = None

    @property
    def exact(self) -> bool:
        return self.credits is not None and self.note is None


@dataclass
class _Open:
    before: float | None
    overlapped: bool
    moved: bool = False


class CreditLedger:
    """The balance as last heard, and the requests on their way (for every tab)."""

    def __init__(self) -> None:
        self.balance: float | None = None
        self.session_spent = 0.0
        self.session_approximate = False
        self.session_replies = 0
        self._open: dict[int, _Open] = {}
        self.rate = CreditRate()

    def observe(self, balance: float) -> None:
        """A balance read from the credits API (start-up, refresh, a key check)."""
        if self.balance is not None and not math.isclose(balance, self.balance, abs_tol=NOISE):
            for request in self._open.values():
                request.moved = True
        self.balance = balance

    def begin(self, request_id: int) -> None:
        """``request_id`` goes out now."""
        overlapped = bool(self._open)
        for request in self._open.values():
            request.overlapped = True
        self._open[request_id] = _Open(self.balance, overlapped)

    def end(
        self,
        request_id: int,
        after: float | None,
        tokens: tuple[int, int] | None = None,
    ) -> Spend:
        """``request_id`` ended with ``after`` credits left (None: no header came): what
        it cost. ``tokens``: its prompt and completion tokens, to check the figure against
        the fitted rate and, when exact, to fit the rate on."""
        request = self._open.pop(request_id, None)
        if after is None:
            return Spend(None)
        previous, self.balance = self.balance, after
        if request is None or request.before is None:
            return self._count(Spend(None, UNKNOWN_BEFORE))
        if request.overlapped:
            # The readings interleave, and may arrive out of order: what fell since the
            # lowest one heard is the best guess; a late, higher one adds nothing.
            base = previous if previous is not None else request.before
            if after > base:
                self.balance = base
            return self._count(Spend(max(base - after, 0.0), OVERLAPPED))
        spent = request.before - after
        note = MOVED if request.moved else None
        if note is None and tokens is not None and self.rate.surprised(spent, *tokens):
            note = UNEXPLAINED
        spend = self._checked(spent, note)
        if spend.exact and tokens is not None:
            self.rate.add(*tokens, spend.credits or 0.0)
        return self._count(spend)

    def _checked(self, spent: float, note: str | None) -> Spend:
        if spent < -NOISE:
            return Spend(None, ROSE)
        return Spend(max(spent, 0.0), note)

    def _count(self, spend: Spend) -> Spend:
        if spend.credits is not None:
            self.session_spent += spend.credits
            self.session_replies += 1
            self.session_approximate |= spend.note is not None
        return spend


class CreditRate:
    """Credits per prompt token and per completion token, fitted (least squares, no
    intercept) on recent replies whose cost was exact."""

    def __init__(self, samples: Iterable[tuple[int, int, float]] = ()) -> None:
        self._samples: deque[tuple[int, int, float]] = deque(maxlen=RECENT)
        for prompt, completion, credits in samples:
            self.add(prompt, completion, credits)

    def add(self, prompt: int, completion: int, credits: float) -> None:
        if prompt >= 0 and completion >= 0 and prompt + completion > 0 and credits >= 0:
            self._samples.append((prompt, completion, credits))

    def __len__(self) -> int:
        return len(self._samples)

    def per_token(self) -> tuple[float, float] | None:
        """(credits per prompt token, credits per completion token), or None until
        :data:`MIN_PAID` replies were paid."""
        if len(self._samples) < MIN_PAID:
            return None
        spp = sum(p * p for p, _, _ in self._samples)
        scc = sum(c * c for _, c, _ in self._samples)
        spc = sum(p * c for p, c, _ in self._samples)
        spy = sum(p * y for p, _, y in self._samples)
        scy = sum(c * y for _, c, y in self._samples)
        det = spp * scc - spc * spc
        if det > 1e-9 * max(spp * scc, 1.0):
            a = (spy * scc - scy * spc) / det
            b = (scy * spp - spy * spc) / det
            if a >= 0 and b >= 0:
                return a, b
        # Collinear samples (or a negative fit): one rate for every token.
        tokens = sum(p + c for p, c, _ in self._samples)
        rate = sum(y for _, _, y in self._samples) / tokens
        return rate, rate

    def typical_completion(self) -> int:
        """The median completion of the recent replies (what the next may produce)."""
        return int(_median([c for _, c, _ in self._samples])) if self._samples else 0

    def estimate(self, prompt: int, completion: int | None = None) -> float | None:
        """What a request of ``prompt`` tokens may cost, its reply ``completion`` tokens
        long (None: a typical one); None until enough replies were paid."""
        rate = self.per_token()
        if rate is None:
            return None
        completion = self.typical_completion() if completion is None else completion
        return rate[0] * prompt + rate[1] * completion

    def surprised(self, spent: float, prompt: int, completion: int) -> bool:
        """Whether ``spent`` is far more than the fitted rate says those tokens cost."""
        expected = self.estimate(prompt, completion)
        return expected is not None and spent > NOISE and spent > SURPRISE * expected + NOISE


@dataclass(frozen=True)
class ChatSpend:
    """What a chat's replies cost, every version counted."""

    credits: float
    replies: int  # replies whose cost is known
    approximate: bool  # some of those figures are approximate


def chat_spend(messages: Iterable[Message]) -> ChatSpend:
    known = [m for m in messages if m.credits_spent is not None]
    return ChatSpend(
        sum(m.credits_spent or 0.0 for m in known),
        len(known),
        any(m.credits_note is not None for m in known),
    )


def _median(values: list[int]) -> float:
    """(``statistics`` costs ~4 ms to import at start-up, for this.)"""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
