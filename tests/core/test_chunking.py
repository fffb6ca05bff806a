"""Long replies split for platform limits without losing or mangling a line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.chunking import split_text


def test_short_text_is_one_message() -> None:
    assert split_text("Easy 8 km\nStrides", 4096) == ["Easy 8 km\nStrides"]


def test_cuts_at_the_last_line_break_that_fits() -> None:
    lines = [f"Week {n}: easy 8 km, tempo 5 km, long run 14 km" for n in range(1, 200)]
    text = "\n".join(lines)
    chunks = split_text(text, 4096)
    assert len(chunks) > 1
    assert all(len(chunk) <= 4096 for chunk in chunks)
    # Every chunk is whole lines: no workout is cut across two messages.
    assert [line for chunk in chunks for line in chunk.split("\n")] == lines


def test_a_line_longer_than_the_limit_is_cut_at_spaces() -> None:
    assert split_text("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]


def test_blank_text_sends_nothing() -> None:
    assert split_text(" \n\n ", 10) == []


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_text("text", 0)


@given(st.text(alphabet=st.sampled_from("ab \n"), max_size=300), st.integers(1, 50))
def test_chunks_fit_and_keep_every_character_in_order(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit and chunk.strip() for chunk in chunks)

    def visible(s: str) -> str:
        return "".join(s.split())

    assert visible("".join(chunks)) == visible(text)


@given(st.lists(st.text(alphabet="ab c", min_size=1, max_size=20), min_size=1, max_size=40))
def test_lines_that_fit_are_never_split(lines: list[str]) -> None:
    lines = [line.strip() or "x" for line in lines]
    chunks = split_text("\n".join(lines), 20)
    assert [line for chunk in chunks for line in chunk.split("\n")] == lines
