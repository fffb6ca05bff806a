"""Whatever follows /plan (or whatever a script passes to `runcoach plan`), the request parser
answers with a plan request in range or one short PlanRequestError line, never another
exception and never a reply that echoes a pasted page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.plans.model import PlanRequestError
from bot.plans.request import (
    MAX_DAYS,
    MAX_START_AHEAD,
    MAX_WEEKLY_KM,
    MAX_WEEKS,
    MIN_DAYS,
    parse_plan_text,
)

TODAY = date(2026, 11, 24)
LONGEST_REFUSAL = 200  # the fixed wording plus at most 30 quoted characters, twice at worst

CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),  # every character a str from a chat can hold: no surrogates
    st.sampled_from("0123456789:.,-+=eE/kmiw ²³０٣"),
)
JUNK = st.text(CHARACTERS, max_size=30)
# Real words and options, so draws reach past the first refusal into every option's parser.
WORDS = st.sampled_from(
    ["10k", "5k", "half", "marathon", "half marathon", "8w", "12weeks", "16", "4days", "5d"]
)
KEYS = st.sampled_from(["days", "weekly", "race", "long", "start", "longest", "units", "--km"])
VALUES = st.one_of(
    JUNK,
    st.sampled_from(["30", "20mi", "10k=45:00", "5k=9:00:00", "sat", "2026-12-07", "12", "mi"]),
    st.dates(date.min, date.max).map(date.isoformat),
    st.integers().map(str),
    st.floats().map(str),
)
OPTIONS = st.builds(lambda k, v: f"{k}={v}", KEYS, VALUES)
TOKENS = st.one_of(WORDS, OPTIONS, JUNK)
PLAN_TEXT = st.one_of(
    # A race and weeks first, as runners write it, then options: most draws reach build_request.
    st.builds(
        lambda race, weeks, options: " ".join([race, weeks, *options]),
        st.sampled_from(["10k", "5k", "half", "half marathon", "marathon", "21k"]),
        st.sampled_from(["8w", "12weeks", "16", "20w", "52", "0w"]),
        st.lists(st.one_of(OPTIONS, OPTIONS, JUNK), max_size=5),
    ),
    st.lists(TOKENS, max_size=8).map(" ".join),
    st.text(CHARACTERS, min_size=1000, max_size=5000),
)


@settings(max_examples=400, deadline=None)
@given(PLAN_TEXT)
def test_any_plan_text_gives_a_request_in_range_or_one_short_line(text: str) -> None:
    try:
        parsed = parse_plan_text(text, TODAY)
    except PlanRequestError as err:
        message = str(err)
        assert "\n" not in message and len(message) <= LONGEST_REFUSAL, message
        return
    request = parsed.request
    assert 1 <= request.weeks <= MAX_WEEKS
    assert MIN_DAYS <= request.days_per_week <= MAX_DAYS
    assert 0 < request.weekly_km <= MAX_WEEKLY_KM
    assert request.start <= TODAY + MAX_START_AHEAD
    assert request.start + timedelta(weeks=request.weeks) > TODAY


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("marathon 20w start=9999-12-27", "too far ahead"),
        ("10k 8w start=2027-12-27", "too far ahead"),
        ("10k 8w weekly=1e308", "not a weekly distance"),
        ("10k 8w weekly=inf", "not a weekly distance"),
        ("10k 8w longest=nan", "not a distance"),
        ("10k " + "9" * 5000, "not a number of weeks"),
        ("10k 8w race=10k=" + "9" * 5000 + ":00", "not a time"),
        ("10k 8w ²days", "not a number of days"),
    ],
)
def test_far_dates_and_odd_numbers_are_refused_in_one_line(text: str, fragment: str) -> None:
    with pytest.raises(PlanRequestError) as refused:
        parse_plan_text(text, TODAY)
    assert fragment in str(refused.value)
    assert len(str(refused.value)) <= LONGEST_REFUSAL


def test_pasted_junk_is_not_echoed() -> None:
    junk = " ".join(f"junk{n}" for n in range(800))  # about 6,000 characters
    with pytest.raises(PlanRequestError) as refused:
        parse_plan_text(f"10k 8w {junk}", TODAY)
    assert len(str(refused.value)) <= LONGEST_REFUSAL
    assert "junk5 " not in str(refused.value)


def test_digits_of_any_script_count_as_digits() -> None:
    parsed = parse_plan_text("10k ８w weekly=٣٠", TODAY)
    assert (parsed.request.weeks, parsed.request.weekly_km) == (8, 30.0)
