"""What each reply cost, from the balance Segmind reports before and after it: exact when
nothing else could have moved the balance, marked approximate (and why) when requests
overlapped or the balance moved by itself; the user's own rate fitted for estimates."""

from __future__ import annotations

import pytest

from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.domain.usage import (
    MIN_PAID,
    MOVED,
    OVERLAPPED,
    ROSE,
    UNEXPLAINED,
    UNKNOWN_BEFORE,
    CreditLedger,
    CreditRate,
    Spend,
    chat_spend,
)


def test_a_reply_costs_the_difference_between_the_balances_around_it() -> None:
    ledger = CreditLedger()
    ledger.observe(10.0)  # the credits API at start-up
    ledger.begin(1)
    assert ledger.end(1, 9.75, (100, 20)) == Spend(0.25)
    ledger.begin(2)
    spend = ledger.end(2, 9.5, (130, 25))  # starts from the last reply's header
    assert spend == Spend(0.25) and spend.exact
    assert ledger.session_spent == pytest.approx(0.5)
    assert (ledger.session_replies, ledger.session_approximate) == (2, False)


def test_without_a_balance_before_the_cost_is_unknown_not_guessed() -> None:
    ledger = CreditLedger()
    ledger.begin(1)
    spend = ledger.end(1, 9.75)
    assert spend == Spend(None, UNKNOWN_BEFORE) and not spend.exact
    assert ledger.balance == 9.75  # the next one is exact
    ledger.begin(2)
    assert ledger.end(2, 9.5) == Spend(0.25)


def test_no_header_means_no_figure_and_the_balance_is_kept() -> None:
    ledger = CreditLedger()
    ledger.observe(5.0)
    ledger.begin(1)
    assert ledger.end(1, None) == Spend(None)
    assert ledger.balance == 5.0
    assert ledger.session_replies == 0


def test_overlapping_requests_are_approximate_and_say_why() -> None:
    ledger = CreditLedger()
    ledger.observe(10.0)
    ledger.begin(1)
    ledger.begin(2)  # another tab's request, while the first is on its way
    first = ledger.end(1, 9.7)
    second = ledger.end(2, 9.4)
    assert first.note == OVERLAPPED and second.note == OVERLAPPED
    assert first.credits == pytest.approx(0.3) and second.credits == pytest.approx(0.3)
    assert ledger.session_approximate
    ledger.begin(3)  # alone again: exact again
    assert ledger.end(3, 9.2) == Spend(pytest.approx(0.2))


def test_overlapping_readings_out_of_order_keep_the_total_right() -> None:
    ledger = CreditLedger()
    ledger.observe(10.0)
    ledger.begin(1)
    ledger.begin(2)
    later = ledger.end(2, 9.5)  # the second reply's header, charged after the first's
    earlier = ledger.end(1, 9.75)  # arrives last, higher: its charge is already counted
    assert (later.credits, earlier.credits) == (pytest.approx(0.5), 0.0)
    assert later.note == earlier.note == OVERLAPPED
    assert ledger.balance == 9.5 and ledger.session_spent == pytest.approx(0.5)


def test_a_balance_that_moves_while_a_request_is_out_makes_it_approximate() -> None:
    ledger = CreditLedger()
    ledger.observe(10.0)
    ledger.begin(1)
    ledger.observe(9.0)  # the credits API: another device spent meanwhile
    spend = ledger.end(1, 8.75)
    assert spend.note == MOVED and spend.credits == pytest.approx(1.25)


def test_a_top_up_during_a_request_is_not_a_negative_cost() -> None:
    ledger = CreditLedger()
    ledger.observe(1.0)
    ledger.begin(1)
    assert ledger.end(1, 51.0) == Spend(None, ROSE)
    assert ledger.balance == 51.0


def test_a_cost_far_beyond_the_fitted_rate_is_marked() -> None:
    ledger = CreditLedger()
    ledger.rate = CreditRate([(1000, 100, 0.011), (2000, 200, 0.022), (500, 300, 0.008)])
    ledger.observe(10.0)
    ledger.begin(1)
    spend = ledger.end(1, 9.0, (1000, 100))  # 1 credit where ~0.011 was expected
    assert spend.note == UNEXPLAINED


def test_the_rate_is_fitted_per_prompt_and_completion_token() -> None:
    a, b = 2e-6, 6e-6
    samples = [(p, c, a * p + b * c) for p, c in [(1000, 100), (5000, 80), (300, 900), (40, 40)]]
    rate = CreditRate(samples[:MIN_PAID - 1])
    assert rate.per_token() is None and rate.estimate(1000) is None  # not enough yet
    rate = CreditRate(samples)
    fitted = rate.per_token()
    assert fitted is not None
    assert fitted[0] == pytest.approx(a) and fitted[1] == pytest.approx(b)
    assert rate.typical_completion() == 90  # the median of 100, 80, 900, 40
    assert rate.estimate(10_000, 500) == pytest.approx(a * 10_000 + b * 500)


def test_exact_replies_feed_the_rate_approximate_ones_do_not() -> None:
    ledger = CreditLedger()
    ledger.observe(10.0)
    balance = 10.0
    for key in range(1, 4):
        ledger.begin(key)
        balance -= 0.01
        ledger.end(key, balance, (1000, 100))
    assert len(ledger.rate) == 3
    ledger.begin(10)
    ledger.begin(11)
    ledger.end(10, balance - 0.01, (1000, 100))
    assert len(ledger.rate) == 3  # overlapped: not a sample


def test_collinear_samples_give_one_rate_per_token() -> None:
    rate = CreditRate([(100, 10, 0.11), (200, 20, 0.22), (300, 30, 0.33)])
    fitted = rate.per_token()
    assert fitted is not None and fitted[0] == pytest.approx(fitted[1])
    assert rate.estimate(100, 10) == pytest.approx(0.11)


def test_a_chat_adds_up_every_version_and_says_when_it_is_approximate() -> None:
    replies = [
        Message(Role.USER, "hi"),
        Message(Role.ASSISTANT, "a", credits_spent=0.25),
        Message(Role.ASSISTANT, "b", credits_spent=0.5, credits_note=OVERLAPPED),
        Message(Role.ASSISTANT, "c"),
    ]
    spend = chat_spend(replies)
    assert (spend.credits, spend.replies, spend.approximate) == (0.75, 2, True)
    assert chat_spend(replies[:2]).approximate is False
