"""What a typed check-in means: values in range, refusals for numbers out of range (never a note
that logs the run as if fine), and nothing but those two for any text at all."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.checkins import LATE_DAYS, parse_checkin
from bot.core.errors import UserFacingError
from bot.core.parsing import MAX_RUN_KM, MIN_RUN_KM

TODAY = date(2026, 12, 3)
LONGEST_REFUSAL = 160


@pytest.mark.parametrize(
    ("args", "day", "km", "effort", "note"),
    [
        ("", TODAY, None, None, ""),
        ("yesterday 5", TODAY - timedelta(days=1), 5.0, None, ""),
        ("2026-12-01 8.5km effort=6 legs ok", date(2026, 12, 1), 8.5, 6, "legs ok"),
        ("8 km 7/10", TODAY, 8.0, 7, ""),
        ("rpe7 10k", TODAY, 10.0, 7, ""),
        ("٥km", TODAY, 5.0, None, ""),
        ("２０２６-１２-０２", date(2026, 12, 2), None, None, ""),
        ("left calf tight", TODAY, None, None, "left calf tight"),
        ("2nd day of flu", TODAY, None, None, "2nd day of flu"),
        ("effortless 5k", TODAY, None, None, "effortless 5k"),
    ],
)
def test_typed_check_ins(
    args: str, day: date, km: float | None, effort: int | None, note: str
) -> None:
    parsed = parse_checkin(args, TODAY, "km")
    assert (parsed.day, parsed.distance_km, parsed.effort, parsed.note) == (day, km, effort, note)


def test_a_bare_number_is_in_the_plans_units() -> None:
    assert parse_checkin("5", TODAY, "mi").distance_km == 8.0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ("today -5km", "not a believable run"),
        ("today 1e308km", "not a distance"),
        ("today 0km", "not a believable run"),
        ("today 500km", "not a believable run"),
        ("today effort=-1", "effort goes from 1"),
        ("effort=1e400", "not an effort"),
        ("effort= 5k", "not an effort"),
        ("effort=11", "effort goes from 1"),
        ("12/10", "effort goes from 1"),
        ("2026-02-30", "not a date"),
        ("2026-12-4", "not a date"),
        ("2026-12-04", "hasn't happened yet"),
        ("2026-11-01", f"more than {LATE_DAYS} days ago"),
    ],
)
def test_values_out_of_range_are_refused_not_noted(args: str, fragment: str) -> None:
    with pytest.raises(UserFacingError) as refused:
        parse_checkin(args, TODAY, "km")
    assert fragment in str(refused.value)


CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),  # every character a str from a chat can hold: no surrogates
    st.sampled_from("0123456789:.,-+=eE/kmi ²³０٣"),
)
WORDS = st.sampled_from(
    [
        "today",
        "yesterday",
        "2026-12-01",
        "8.5km",
        "5mi",
        "effort=6",
        "effort=",
        "rpe",
        "7/10",
        "-5km",
        "1e9",
    ]
)
CHECKIN_TEXT = st.one_of(
    st.lists(st.one_of(WORDS, st.text(CHARACTERS, max_size=20)), max_size=6).map(" ".join),
    st.text(CHARACTERS, min_size=1000, max_size=5000),
)


@settings(max_examples=400, deadline=None)
@given(CHECKIN_TEXT)
def test_any_text_gives_a_check_in_in_range_or_one_short_line(args: str) -> None:
    try:
        parsed = parse_checkin(args, TODAY, "km")
    except UserFacingError as err:
        assert "\n" not in str(err) and len(str(err)) <= LONGEST_REFUSAL, str(err)
        return
    assert 0 <= (TODAY - parsed.day).days <= LATE_DAYS
    km = parsed.distance_km
    assert km is None or (math.isfinite(km) and MIN_RUN_KM <= km <= MAX_RUN_KM)
    assert parsed.effort is None or 1 <= parsed.effort <= 10
