"""Check-ins through the core, as a runner uses them: a tap on a workout's buttons is the command
it carries; missed runs adapt the plan, and /plan diff, /why, /export and /progress follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import pytest

from bot.core.coach import Coach
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.reminders import reminder_messages
from bot.plans.model import QUALITY_KINDS, RUN_KINDS
from bot.plans.workouts import describe_day
from bot.storage.repositories import SqlStorage
from tests.support import Clock

pytestmark = pytest.mark.asyncio
PLAN = "/plan half 12w 4days weekly=30"  # built Tue 24 Nov 2026: starts Mon 30 Nov


async def send(coach: Coach, text: str) -> list[OutgoingMessage]:
    return await coach.handle(IncomingMessage("console", "alice", text, display_name="alice"))


def said(replies: list[OutgoingMessage]) -> str:
    return "\n".join(message.text for message in replies)


def one_line(replies: list[OutgoingMessage]) -> str:
    assert len(replies) == 1 and replies[0].text and "\n" not in replies[0].text
    return replies[0].text


def run_days(storage: SqlStorage, week: int) -> list[date]:
    user = storage.find_user("console", "alice")
    plan = storage.active_plan(user.id).plan
    days = plan["weeks"][week - 1]["days"]
    return [date.fromisoformat(d["date"]) for d in days if d["kind"] in RUN_KINDS]


def at(clock: Clock, day: date) -> None:
    clock.now = datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC)


async def test_today_buttons_record_a_check_in_and_one_skip_carries_on(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, PLAN)
    first = run_days(storage, 3)[0]
    at(clock, first)
    today = (await send(coach, "/today"))[0]
    assert [a.label for a in today.actions] == ["Done", "Skipped", "Too hard", "Niggle", "Sick"]
    assert all(a.command.endswith(first.isoformat()) for a in today.actions)
    assert all(len(a.command.encode()) <= 64 for a in today.actions)
    skip = next(a for a in today.actions if a.label == "Skipped")
    answer = one_line(await send(coach, skip.command))
    assert "carry on" in answer and "Logged" in answer
    user = storage.find_user("console", "alice")
    assert [(c.day, c.status) for c in storage.checkins(user.id, first)] == [(first, "skipped")]
    assert storage.active_plan(user.id).version == 1


async def test_three_skips_in_a_week_give_a_bridge_week_and_say_why(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, PLAN)
    user = storage.find_user("console", "alice")
    before = storage.active_plan(user.id).plan
    runs = run_days(storage, 3)
    replies = []
    for day in runs[:3]:
        at(clock, day)
        replies.append(one_line(await send(coach, f"/skip {day.isoformat()}")))
    assert "carry on" in replies[0]
    assert "bridge week" in replies[1] and "adapted your plan (version 2)" in replies[1]
    assert "bridge week" in replies[2] and "already allows for it" in replies[2]
    record = storage.active_plan(user.id)
    assert record.version >= 2 and "bridge week" in (record.reason or "")
    week4 = record.plan["weeks"][3]
    assert week4["total_km"] < before["weeks"][2]["total_km"]
    assert not [d for d in week4["days"] if d["kind"] in QUALITY_KINDS]
    assert record.plan["race"]["date"] == before["race"]["date"]

    diff = said(await send(coach, "/plan diff"))
    assert diff.startswith(f"Version {record.version}:") and "bridge week" in diff and "->" in diff
    at(clock, date.fromisoformat(week4["days"][0]["date"]))
    why = said(await send(coach, "/why"))
    assert "adapted" in why and "bridge week" in why

    ics = next(
        m.file for m in await send(coach, "/export") if m.file and "calendar" in m.file.mime_type
    )
    events = {
        e.decoded("dtstart").isoformat(): str(e.get("summary"))
        for e in icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    }
    for planned in week4["days"]:
        if planned["kind"] != "rest":
            assert events[planned["date"]] == describe_day(planned, "km")


async def test_a_red_flag_stops_the_plan_and_advises_a_professional(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, PLAN)
    day = run_days(storage, 2)[1]
    at(clock, day)
    answer = one_line(await send(coach, "/done 5km but I had chest pain near the end"))
    assert "Safety first" in answer and "chest pain" in answer and "doctor" in answer
    assert storage.active_plan(storage.find_user("console", "alice").id) is None
    assert "no plan yet" in one_line(await send(coach, "/today"))  # and no more reminders
    await send(coach, PLAN)  # a new plan, from next Monday
    at(clock, run_days(storage, 1)[0])
    answer = one_line(await send(coach, "/niggle sharp pain in my knee, getting worse"))
    assert "sharp or worsening pain" in answer


async def test_progress_shows_planned_against_done_with_a_chart(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, PLAN)
    runs = run_days(storage, 1)
    at(clock, runs[0])
    await send(coach, "/done 6.5km effort=5")
    at(clock, runs[1])
    await send(coach, f"/done {runs[1].isoformat()}")  # planned distance counts
    replies = await send(coach, "/progress")
    assert "Week 1: 11.3 km of 12.9 km, 2/2 runs" in replies[0].text  # so far this week
    assert replies[1].file.data.startswith(b"\x89PNG")


async def test_reminders_carry_the_same_buttons(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, PLAN)
    day = run_days(storage, 2)[0]
    record = storage.active_plan(storage.find_user("console", "alice").id)
    [message] = reminder_messages(record, day)
    assert [a.command for a in message.actions][:2] == [f"/done {day}", f"/skip {day}"]
    rest = next(
        date.fromisoformat(d["date"])
        for d in record.plan["weeks"][1]["days"]
        if d["kind"] == "rest"
    )
    assert reminder_messages(record, rest)[0].actions == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("/done 2027-06-01", "hasn't happened yet"),
        ("/done 2026-02-30", "not a date"),
        ("/done 500km", "not a believable run"),
        ("/done effort=11", "Effort goes from 1"),
        ("/done 2026-11-20", "more than 14 days ago"),
    ],
)
async def test_bad_check_ins_get_one_actionable_line(
    coach: Coach, clock: Clock, text: str, words: str
) -> None:
    assert "no plan yet" in one_line(await send(coach, "/done"))
    await send(coach, PLAN)
    at(clock, date(2026, 12, 9))
    assert words in one_line(await send(coach, text))


async def test_a_rest_day_has_nothing_to_check_in_but_sick_works(
    coach: Coach, clock: Clock, storage: SqlStorage
) -> None:
    await send(coach, PLAN)
    plan = storage.active_plan(storage.find_user("console", "alice").id).plan
    rest = next(
        date.fromisoformat(d["date"]) for d in plan["weeks"][1]["days"] if d["kind"] == "rest"
    )
    at(clock, rest)
    assert "rest day" in one_line(await send(coach, "/done"))
    answer = one_line(await send(coach, "/sick"))
    assert "paused" in answer
