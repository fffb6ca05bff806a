"""Reminder due times across time zones and DST changes, and what the reminder says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.features.shared import request_dict
from bot.core.ports import PlanRecord
from bot.core.reminders import (
    decide,
    latest_at_or_before,
    next_after,
    occurrence,
    reminder_messages,
)
from bot.plans.generator import generate_plan
from bot.plans.model import Day
from bot.plans.request import parse_plan_text

PARIS = ZoneInfo("Europe/Paris")
GRACE = timedelta(hours=3)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, s: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, s, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        ("Europe/Paris", date(2026, 1, 15), utc(2026, 1, 15, 5, 30)),  # winter, UTC+1
        ("Europe/Paris", date(2026, 7, 15), utc(2026, 7, 15, 4, 30)),  # summer, UTC+2
        ("America/New_York", date(2026, 7, 15), utc(2026, 7, 15, 10, 30)),
        ("Asia/Kolkata", date(2026, 7, 15), utc(2026, 7, 15, 1, 0)),  # UTC+5:30
    ],
)
def test_reminder_time_is_the_wall_clock_time_in_the_users_zone(
    zone: str, day: date, expected: datetime
) -> None:
    assert occurrence(time(6, 30), ZoneInfo(zone), day) == expected


def test_a_time_skipped_by_spring_forward_is_due_at_the_end_of_the_gap() -> None:
    # 29 March 2026, Paris: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never happens.
    due = occurrence(time(2, 30), PARIS, date(2026, 3, 29))
    assert due == utc(2026, 3, 29, 1, 0)
    assert due.astimezone(PARIS).strftime("%H:%M") == "03:00"


def test_a_time_repeated_by_fall_back_is_due_at_its_first_occurrence_only() -> None:
    # 25 October 2026, Paris: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    first = occurrence(time(2, 30), PARIS, date(2026, 10, 25))
    assert first == utc(2026, 10, 25, 0, 30)
    # Straight after it, the next one is the following day, not the repeat an hour later.
    assert next_after(time(2, 30), "Europe/Paris", first) == utc(2026, 10, 26, 1, 30)


@given(
    at=st.times(),
    zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]),
    moment=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)),
)
def test_one_due_time_per_local_day_and_next_after_is_the_following_one(
    at: time, zone: str, moment: datetime
) -> None:
    now = moment.replace(tzinfo=UTC)
    latest = latest_at_or_before(at, zone, now)
    following = next_after(at, zone, now)
    assert latest <= now < following
    local_days = (
        following.astimezone(ZoneInfo(zone)).date() - latest.astimezone(ZoneInfo(zone)).date()
    )
    assert local_days == timedelta(days=1)  # never a day skipped, never two in one day


def test_decide_sends_within_the_grace_window_and_drops_later_ones() -> None:
    at, zone = time(6, 30), "Europe/Paris"  # 05:30 UTC in January
    on_time = decide(at, zone, utc(2026, 1, 15, 5, 30, 20), GRACE)
    assert (on_time.send_for, on_time.late) == (date(2026, 1, 15), None)
    catch_up = decide(at, zone, utc(2026, 1, 15, 8, 25), GRACE)
    assert catch_up.send_for == date(2026, 1, 15)
    too_late = decide(at, zone, utc(2026, 1, 15, 8, 35), GRACE)
    assert (too_late.send_for, too_late.late) == (None, date(2026, 1, 15))
    # Either way the next due time is tomorrow's, after now.
    assert too_late.next_utc == on_time.next_utc == utc(2026, 1, 16, 5, 30)


def test_after_days_of_downtime_only_the_latest_reminder_can_go_out() -> None:
    decision = decide(time(6, 30), "UTC", utc(2026, 1, 18, 7, 0), GRACE)
    assert decision.send_for == date(2026, 1, 18)
    assert decision.next_utc == utc(2026, 1, 19, 6, 30)


def test_zero_grace_still_sends_a_tick_that_runs_a_few_seconds_late() -> None:
    assert decide(time(6, 30), "UTC", utc(2026, 1, 15, 6, 30, 5), timedelta(0)).send_for
    assert decide(time(6, 30), "UTC", utc(2026, 1, 15, 6, 35), timedelta(0)).send_for is None


# ---- text ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def record() -> PlanRecord:
    words = "10k 8weeks start=2026-03-02"
    parsed = parse_plan_text(words, date(2026, 3, 1))
    request = request_dict(parsed.request, parsed.units, words)
    return PlanRecord(1, request, generate_plan(parsed.request), utc(2026, 3, 1))


def day_of(record: PlanRecord, kind: str) -> Day:
    return next(d for w in record.plan["weeks"] for d in w["days"] if d["kind"] == kind)


def text_on(record: PlanRecord, day: date) -> str:
    messages = reminder_messages(record, day)
    assert len(messages) == 1 and messages[0].file is None
    return messages[0].text


def test_a_workout_day_gives_the_session_with_paces_and_why(record: PlanRecord) -> None:
    tempo = day_of(record, "tempo")
    text = text_on(record, date.fromisoformat(str(tempo["date"])))
    assert text.startswith("Today, ")
    assert "tempo" in text and "/km" in text
    assert "Why: threshold work" in text


def test_miles_plans_get_miles(record: PlanRecord) -> None:
    long_run = day_of(record, "long")
    miles = PlanRecord(2, {**record.request, "units": "mi"}, record.plan, record.created)
    text = text_on(miles, date.fromisoformat(str(long_run["date"])))
    assert "mi" in text and "/mi" in text and " km" not in text


def test_a_rest_day_says_so_with_a_tip(record: PlanRecord) -> None:
    rest = date.fromisoformat(str(day_of(record, "rest")["date"]))
    text = text_on(record, rest)
    assert "rest day" in text and "Tip:" in text


def test_race_day_wishes_good_luck_and_the_day_after_suggests_the_next_plan(
    record: PlanRecord,
) -> None:
    race_day = date.fromisoformat(record.plan["race"]["date"])
    assert "good luck" in text_on(record, race_day).lower()
    assert "/plan" in text_on(record, race_day + timedelta(days=1))
    # Said once: not every morning for the rest of the runner's life.
    assert reminder_messages(record, race_day + timedelta(days=2)) == []


def test_nothing_to_say_without_a_plan_or_before_it_starts(record: PlanRecord) -> None:
    assert reminder_messages(None, date(2026, 3, 3)) == []
    assert reminder_messages(record, date(2026, 3, 1)) == []
