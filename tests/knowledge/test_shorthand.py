"""Questions typed the way runners text find what the same question spelled out finds."""

from __future__ import annotations

import pytest

from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.shorthand import spelled_out


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("what do i eat b4 a marathon", "what do i eat before a marathon"),
        ("how many km shud i run a wk", "how many km should i run a week"),
        ("wat abt gels on a long run", "what about gels on a long run"),
        ("is it ok to run w/ a cold", "is it ok to run with a cold"),
        ("how long b4 my race shd i taper", "how long before my race should i taper"),
    ],
)
def test_shorthand_finds_what_the_words_find(
    hybrid: KnowledgeIndex, typed: str, spelled: str
) -> None:
    [as_typed] = hybrid.search(typed, k=1)
    [as_spelled] = hybrid.search(spelled, k=1)
    assert as_typed.entry.id == as_spelled.entry.id


def test_eating_b4_a_marathon_is_about_before_not_after(hybrid: KnowledgeIndex) -> None:
    [hit] = hybrid.search("what do i eat b4 a marathon", k=1)
    assert "after" not in hit.entry.title.lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("W/O gels, 2 WKS out", "without gels, 2 weeks out"),
        ("5 mi in 45 mins", "5 miles in 45 minutes"),
        ("b45 intervals in minsk", "b45 intervals in minsk"),  # inside words and numbers: as typed
        ("my hr was high", "my hr was high"),  # heart rate or hour: as typed
    ],
)
def test_only_whole_words_are_spelled_out(text: str, expected: str) -> None:
    assert spelled_out(text) == expected
