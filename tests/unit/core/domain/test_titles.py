"""Automatic conversation titles from the first user message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mixtral_desktop.core.domain.titles import ELLIPSIS, title_from_message


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Hello", "Hello"),
        ("", ""),
        ("  \n\t\n", ""),
        ("\n\n  First line  \nsecond line", "First line"),
        ("# How do I *bake* **bread**?\nDetails", "How do I bake bread?"),
        ("### _Emphasis_ and ~~strike~~", "Emphasis and strike"),
        ("> quoted **bold** text", "quoted bold text"),
        ("- [ ] a task item", "a task item"),
        ("12. numbered step", "numbered step"),
        ("[link text](https://example.org) and ![an image](a.png)", "link text and an image"),
        ("Use `my_var_name` in snake_case_code", "Use my_var_name in snake_case_code"),
        ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24"),
        ("---\n\nAfter a rule", "After a rule"),
        ("a\tb\u00a0c    d", "a b c d"),
        ("Un café crème 🚀", "Un café crème 🚀"),
    ],
)
def test_title(text: str, title: str) -> None:
    assert title_from_message(text) == title


def test_code_blocks_are_skipped_when_there_is_prose() -> None:
    text = "```python\nprint(1 / 0)\n```\n\nWhy does this fail?"
    assert title_from_message(text) == "Why does this fail?"
    assert title_from_message("~~~\n# not a heading\n~~~\nReal question") == "Real question"
    assert title_from_message("````\n```\ninner\n```\n````\nAfter") == "After"


def test_only_code_gives_its_first_line() -> None:
    assert title_from_message("```python\n\n  import os  \nos.sync()\n```") == "import os"
    assert title_from_message("```\n```") == ""


def test_unclosed_fence_counts_as_code_to_the_end() -> None:
    assert title_from_message("```\nx = 1\nstill code") == "x = 1"


def test_long_text_is_cut_at_a_word_boundary() -> None:
    text = "Please explain the difference between processes and threads in Python"
    title = title_from_message(text, max_chars=30)
    assert title == "Please explain the difference…"
    assert len(title) <= 30


def test_cut_drops_trailing_punctuation() -> None:
    assert title_from_message("Alpha, beta, gamma, delta", max_chars=14) == "Alpha, beta…"


def test_one_long_word_is_cut_hard() -> None:
    title = title_from_message("x" * 100, max_chars=20)
    assert title == "x" * 19 + ELLIPSIS


def test_tiny_limits() -> None:
    assert title_from_message("abc def", max_chars=1) == ELLIPSIS
    assert title_from_message("abc def", max_chars=0) == ""
    assert title_from_message("abc", max_chars=3) == "abc"


@given(text=st.text(), max_chars=st.integers(min_value=0, max_value=80))
def test_any_text_gives_a_short_single_line(text: str, max_chars: int) -> None:
    title = title_from_message(text, max_chars)
    assert len(title) <= max_chars
    assert "\n" not in title and "\r" not in title
    assert title == title.strip()
    assert "  " not in title
