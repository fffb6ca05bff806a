"""Long replies are split under a platform's limit without losing or reordering a word."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.chunking import split_text


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_a_short_reply_is_one_message_unchanged() -> None:
    assert split_text("Week 1\n  Mon: rest\n  Tue: easy 5 km", 2000) == [
        "Week 1\n  Mon: rest\n  Tue: easy 5 km"
    ]


def test_cuts_fall_between_lines_so_each_line_stays_whole() -> None:
    lines = [f"Week {n}: easy 8 km, intervals 5x1000 m, long run 16 km" for n in range(1, 120)]
    pieces = split_text("\n".join(lines), 2000)
    assert len(pieces) > 1
    assert all(len(piece) <= 2000 for piece in pieces)
    assert [line for piece in pieces for line in piece.split("\n")] == lines


def test_a_line_longer_than_the_limit_is_cut_between_words() -> None:
    words = [f"word{n}" for n in range(3000)]
    pieces = split_text(" ".join(words), 2000)
    assert all(len(piece) <= 2000 for piece in pieces)
    assert [word for piece in pieces for word in piece.split(" ")] == words


def test_a_6000_character_answer_needs_three_discord_messages() -> None:
    pieces = split_text("x" * 6000, 2000)
    assert pieces == ["x" * 2000] * 3


def test_empty_text_gives_nothing_to_send() -> None:
    assert split_text("", 10) == []
    assert split_text("\n \n", 10) == []


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        split_text("hi", 0)


@given(
    st.text(alphabet=st.sampled_from("ab \n"), max_size=400),
    st.integers(min_value=1, max_value=50),
)
def test_every_piece_fits_and_no_character_is_lost_or_moved(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert squeeze("".join(pieces)) == squeeze(text)
