"""The shared request parser: what runners type in chat and on the command line."""

from __future__ import annotations

from datetime import date

import pytest

from bot.plans.model import PlanRequestError, RecentRace
from bot.plans.request import PlanDefaults, parse_plan_text

TODAY = date(2026, 11, 24)  # a Tuesday
NEXT_MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "race", "weeks", "days"),
    [
        ("10k 8weeks", "10k", 8, 4),
        ("half 12w", "half", 12, 4),
        ("marathon 16", "marathon", 16, 4),
        ("5k 6weeks 3days", "5k", 6, 3),
        ("HM 10weeks", "half", 10, 4),
        ("half marathon 12w 5d", "half", 12, 5),
        ("21k 14w days=6", "half", 14, 6),
        ("42k 18w", "marathon", 18, 4),
    ],
)
def test_plain_requests_parse(text: str, race: str, weeks: int, days: int) -> None:
    parsed = parse_plan_text(text, TODAY)
    assert (parsed.request.race, parsed.request.weeks, parsed.request.days_per_week) == (
        race,
        weeks,
        days,
    )
    assert parsed.request.start == NEXT_MONDAY


def test_key_value_options_fill_every_field() -> None:
    parsed = parse_plan_text(
        "marathon 16w weekly=50 race=10k=42:30 long=sat start=2026-12-07 longest=18 units=mi",
        TODAY,
    )
    request = parsed.request
    assert request.weekly_km == 50
    assert request.recent_race == RecentRace(distance_km=10.0, time_s=2550.0)
    assert request.long_run_day == "sat"
    assert request.start == date(2026, 12, 7)
    assert request.longest_run_km == 18
    assert parsed.units == "mi"


def test_weekly_volume_in_miles_is_converted() -> None:
    assert parse_plan_text("10k 8w weekly=20mi", TODAY).request.weekly_km == pytest.approx(
        32.19, 0.01
    )


def test_profile_defaults_fill_gaps_and_explicit_options_win() -> None:
    defaults = PlanDefaults(days=5, weekly_km=42, long_run_day="sat", units="mi")
    parsed = parse_plan_text("half 12w days=3", TODAY, defaults)
    assert parsed.request.days_per_week == 3
    assert parsed.request.weekly_km == 42
    assert parsed.request.long_run_day == "sat"
    assert parsed.units == "mi"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "tell me the race"),
        ("10k", "how many weeks"),
        ("15k 8w", "not a race I plan for"),
        ("ultra 8w", "not a race I plan for"),
        ("10k 0w", "at least 1 week"),
        ("10k -3w", "not a number of weeks"),
        ("10k 53w", "at most 52"),
        ("10k 1000weeks", "at most 52"),
        ("10k eightweeks", "not a number of weeks"),
        ("10k 8w 1days", "2 to 7"),
        ("10k 8w 8days", "2 to 7"),
        ("10k 8w days=0", "2 to 7"),
        ("10k 8w weekly=-5", "cannot be negative"),
        ("10k 8w weekly=400", "beyond what I plan for"),
        ("10k 8w weekly=lots", "not a weekly distance"),
        ("10k 8w race=5k=10:00", "faster than the world record"),
        ("10k 8w race=marathon=1:50:00", "faster than the world record"),
        ("10k 8w race=5k=9:00:00", "slower than walking"),
        ("10k 8w race=5k=25:99", "H:MM:SS"),
        ("10k 8w race=7k=30:00", "not a race distance"),
        ("10k 8w race=5k", "not a race result"),
        ("10k 8w start=2026-13-01", "not a date"),
        ("10k 8w start=tomorrow", "not a date"),
        ("10k 8w start=2020-01-06", "in the past"),
        ("10k 8w long=someday", "not a day of the week"),
        ("10k 8w longest=-4", "not a believable longest run"),
        ("10k 8w longest=far", "not a distance"),
        ("10k 8w longest=500", "not a believable longest run"),
        ("10k 8w units=furlongs", "not a unit"),
        ("10k 8w colour=red", "unknown option"),
        ("10k 8w days=", "needs a value"),
        ("10k 8w 4days days=5", "given twice"),
        ("10k 8w 4days extra words", "did not understand"),
    ],
)
def test_refusals_are_one_actionable_line(text: str, fragment: str) -> None:
    with pytest.raises(PlanRequestError) as caught:
        parse_plan_text(text, TODAY)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
