"""Every chat command, end to end through the core on a real SQLite file database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import icalendar
import pytest
from sqlalchemy import Engine

from bot.core.coach import MAX_TEXT_CHARS, Coach
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.support import Clock, row_counts

pytestmark = pytest.mark.asyncio


def said(replies: list[OutgoingMessage]) -> str:
    return "\n".join(message.text for message in replies)


def files(replies: list[OutgoingMessage]) -> dict[str, bytes]:
    return {m.file.filename.rsplit(".", 1)[-1]: m.file.data for m in replies if m.file}


async def send(coach: Coach, text: str, user: str = "alice") -> list[OutgoingMessage]:
    return await coach.handle(IncomingMessage("console", user, text, display_name=user))


def one_line(replies: list[OutgoingMessage]) -> str:
    assert len(replies) == 1 and replies[0].file is None
    assert "\n" not in replies[0].text and replies[0].text
    assert "Traceback" not in replies[0].text
    return replies[0].text


async def test_help_and_start_list_every_command(coach: Coach) -> None:
    for command in ("/help", "/start"):
        text = said(await send(coach, command))
        for name in ("/plan", "/today", "/week", "/profile", "/remind", "/export", "/forget"):
            assert name in text


async def test_plan_replies_with_overview_calendar_and_chart_and_is_stored(
    coach: Coach, storage: SqlStorage
) -> None:
    replies = await send(coach, "/plan 10k 8weeks")
    overview = replies[0].text
    assert "10K" in overview or "10k" in overview
    assert len(overview) <= 2000
    attached = files(replies)
    calendar = icalendar.Calendar.from_ical(attached["ics"])
    assert len(list(calendar.walk("VEVENT"))) >= 8 * 3
    assert attached["png"].startswith(b"\x89PNG")
    user = storage.find_user("console", "alice")
    assert user is not None
    record = storage.active_plan(user.id)
    assert record is not None and len(record.plan["weeks"]) == 8
    assert said(await send(coach, "/plan")) == overview


async def test_profile_fills_plan_defaults_and_explicit_options_win(
    coach: Coach, storage: SqlStorage
) -> None:
    reply = said(await send(coach, "/profile I run 32 km a week, 5 days, long run on saturday"))
    assert "32 km" in reply and "5" in reply and "sat" in reply
    await send(coach, "/plan half 12w days=4")
    user = storage.find_user("console", "alice")
    assert user is not None
    record = storage.active_plan(user.id)
    assert record is not None
    athlete = record.plan["athlete"]
    assert athlete["days_per_week"] == 4
    assert athlete["long_run_day"] == "sat"
    assert athlete["weekly_km_start"] == 32


async def test_profile_key_values_and_recent_race_set_exact_paces(
    coach: Coach, storage: SqlStorage
) -> None:
    reply = said(await send(coach, "/profile weekly=40 days=4 race=10k=45:00 goal=sub_1:40_half"))
    assert "VDOT" in reply and "sub 1:40 half" in reply
    await send(coach, "/plan half 12w")
    user = storage.find_user("console", "alice")
    assert user is not None
    record = storage.active_plan(user.id)
    assert record is not None
    assert record.plan["athlete"]["vdot_source"] == "recent_race"
    shown = said(await send(coach, "/profile"))
    assert "40 km" in shown and "45:00" in shown


async def test_today_and_week_follow_the_runner_calendar(coach: Coach, clock: Clock) -> None:
    await send(coach, "/plan 10k 8weeks")  # today is Tuesday 2026-11-24; plan starts Monday 30th
    before = said(await send(coach, "/today"))
    assert "starts Monday 30 Nov" in before
    clock.now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # Wednesday of week 1
    today = said(await send(coach, "/today"))
    assert today.startswith("Today, Wednesday 02 Dec")
    week = said(await send(coach, "/week"))
    assert week.startswith("Week 1 of 8") and "Wed 2 Dec" in week
    week3 = said(await send(coach, "/week 3"))
    assert week3 != week
    assert "does not exist" in one_line(await send(coach, "/week 30"))
    assert "not a week number" in one_line(await send(coach, "/week three"))
    clock.now = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    assert "finished" in said(await send(coach, "/today"))


async def test_today_uses_the_runner_time_zone(coach: Coach, clock: Clock) -> None:
    await send(coach, "/plan 10k 8weeks")
    await send(coach, "/remind 06:30 Pacific/Auckland")
    clock.now = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # already Wednesday in Auckland
    assert said(await send(coach, "/today")).startswith("Today, Wednesday 02 Dec")


async def test_remind_sets_shows_and_turns_off(coach: Coach, storage: SqlStorage) -> None:
    assert "06:30 (Europe/Paris)" in said(await send(coach, "/remind 06:30 Europe/Paris"))
    user = storage.find_user("console", "alice")
    assert user is not None and user.remind_at == time(6, 30) and user.reminders_on
    assert user.timezone == "Europe/Paris"
    assert "06:30 Europe/Paris" in said(await send(coach, "/remind"))
    assert "off" in said(await send(coach, "/remind off"))
    user = storage.find_user("console", "alice")
    assert user is not None and not user.reminders_on


async def test_export_gives_calendar_and_json_of_the_active_plan(coach: Coach) -> None:
    assert "no plan yet" in one_line(await send(coach, "/export"))
    await send(coach, "/plan 5k 6weeks 3days")
    attached = files(await send(coach, "/export"))
    plan = json.loads(attached["json"])
    assert plan["schema"] == "runcoach.plan/1" and plan["race"]["name"] == "5k"
    assert icalendar.Calendar.from_ical(attached["ics"]).walk("VEVENT")


async def test_forget_asks_then_deletes_every_row(
    coach: Coach, storage: SqlStorage, engine: Engine
) -> None:
    await send(coach, "/profile weekly=30")
    await send(coach, "/plan 10k 8w")
    await send(coach, "/remind 07:00 UTC")
    await send(coach, "/profile days=3", user="bob")
    assert "/forget confirm" in said(await send(coach, "/forget"))
    assert storage.find_user("console", "alice") is not None
    assert "deleted" in said(await send(coach, "/forget confirm"))
    assert storage.find_user("console", "alice") is None
    counts = row_counts(engine)
    assert counts["users"] == 1 and counts["profiles"] == 1  # bob's only
    assert counts["plans"] == 0
    assert "Nothing to confirm" in one_line(await send(coach, "/forget confirm"))


async def test_forget_confirmation_expires(coach: Coach, clock: Clock, storage: SqlStorage) -> None:
    await send(coach, "/profile weekly=30")
    await send(coach, "/forget")
    clock.advance(minutes=6)
    assert "Nothing to confirm" in one_line(await send(coach, "/forget confirm"))
    assert storage.find_user("console", "alice") is not None


async def test_forget_is_confirmed_in_another_process_too(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, "/profile weekly=30")
    await send(coach, "/forget")
    with ExecutorStorage(storage, threads=1) as elsewhere:
        restarted = Coach(elsewhere, clock=clock)  # the confirmation reaches another process
        assert "deleted" in said(await send(restarted, "/forget confirm"))
    assert storage.find_user("console", "alice") is None


async def test_two_users_never_see_each_other(coach: Coach) -> None:
    await send(coach, "/profile weekly=55 days=6 goal=boston", user="alice")
    await send(coach, "/plan marathon 16w", user="alice")
    assert "no plan yet" in one_line(await send(coach, "/today", user="bob"))
    assert "no plan yet" in one_line(await send(coach, "/export", user="bob"))
    bob_profile = said(await send(coach, "/profile", user="bob"))
    assert "55" not in bob_profile and "boston" not in bob_profile
    await send(coach, "/plan 5k 6w", user="bob")
    assert said(await send(coach, "/plan", user="alice")).lower().startswith("marathon plan")
    assert said(await send(coach, "/plan", user="bob")).lower().startswith("5k plan")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/dance", "unknown command /dance"),
        ("/plan 15k 8w", "not a race I plan for"),
        ("/plan 10k 0w", "at least 1 week"),
        ("/plan 10k 8w 9days", "2 to 7"),
        ("/plan 10k 8w weekly=900", "beyond what I plan for"),
        ("/plan 5k 6w race=5k=8:00", "world record"),
        ("/remind 25:00", "not a time of day"),
        ("/remind 630", "not a time"),
        ("/remind 06:30 Mars/Olympus", "not a time zone"),
        ("/remind 06:30 ../../etc/passwd", "not a time zone"),
        ("/remind 06:30 Europe/Paris extra", "/remind HH:MM"),
        ("/profile weekly=-10", "cannot be negative"),
        ("/profile days=12", "2 to 7"),
        ("/profile shoe=42", "unknown profile field"),
        ("/profile I like turtles", "nothing to update"),
        ("", "empty message"),
        ("   \x00\x07  ", "empty message"),
        ("x" * 10_000, "under 4,000"),
        ("/forget maybe", "/forget confirm"),
    ],
)
async def test_bad_input_gets_one_helpful_line_and_stores_nothing(
    coach: Coach, engine: Engine, text: str, fragment: str
) -> None:
    before = row_counts(engine)
    assert fragment.lower() in one_line(await send(coach, text)).lower()
    assert row_counts(engine) == before


async def test_unicode_and_control_characters_are_cleaned_not_fatal(
    coach: Coach, storage: SqlStorage
) -> None:
    replies = await send(coach, "/profile goal=sub-2h\u200b_🏃_en_été\x1b[31m")
    assert "Saved" in said(replies)
    user = storage.find_user("console", "alice")
    assert user is not None
    goal = storage.profile(user.id).goal
    assert goal is not None and "\x1b" not in goal and "\u200b" not in goal and "été" in goal


async def test_free_text_falls_back_to_pointing_at_commands(coach: Coach) -> None:
    text = said(await send(coach, "how do I pace my first half?"))
    assert "/plan" in text and "/help" in text


async def test_text_at_the_length_limit_is_accepted(coach: Coach) -> None:
    assert "/help" in said(await send(coach, "a" * MAX_TEXT_CHARS))


async def test_an_internal_failure_becomes_an_apology_not_a_traceback(
    coach: Coach, storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(storage, "find_user_and_plan", broken)
    text = one_line(await send(coach, "/today"))
    assert "went wrong" in text and "disk on fire" not in text
