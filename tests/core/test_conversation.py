"""Free text through the whole coach: plan questions from the stored plan, statements that
update the profile or log a run, small talk, and follow-ups, as a runner would send them.

The clock starts Tuesday 24 Nov 2026; plans start Monday 30 Nov, so week 1 is 30 Nov - 6 Dec.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from bot.core.coach import Coach
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.ports import CheckInRecord
from bot.plans.model import days_of
from bot.plans.workouts import describe_day
from bot.storage.repositories import SqlStorage
from tests.support import Clock, row_counts

PLAN = "/plan half 12weeks 4days weekly=30 race=10k=52:00 start=2026-11-30"


async def say(coach: Coach, text: str, user: str = "sam") -> list[OutgoingMessage]:
    return await coach.handle(IncomingMessage("console", user, text, display_name="Sam"))


async def said(coach: Coach, text: str, user: str = "sam") -> str:
    return "\n".join(reply.text for reply in await say(coach, text, user))


def workout(storage: SqlStorage, iso: str) -> tuple[str, str]:
    user = storage.find_user("console", "sam")
    assert user is not None
    record = storage.active_plan(user.id)
    assert record is not None
    day = days_of(record.plan)[iso]
    return describe_day(day, "km"), describe_day(day, "mi")


async def test_a_weekday_question_is_answered_from_the_stored_plan(
    coach: Coach, storage: SqlStorage, clock: Clock
) -> None:
    await say(coach, PLAN)
    clock.advance(days=7)  # Tuesday 1 Dec, week 1
    in_km, _ = workout(storage, "2026-12-04")
    reply = await said(coach, "what am i running on friday?")
    assert reply.startswith("Friday 04 Dec") and in_km in reply


async def test_the_same_plan_question_in_miles(
    coach: Coach, storage: SqlStorage, clock: Clock
) -> None:
    await say(coach, PLAN + " units=mi")
    clock.advance(days=7)
    _, in_miles = workout(storage, "2026-12-06")
    reply = await said(coach, "how far is my long run sunday")
    assert in_miles in reply and " km" not in reply


async def test_without_a_plan_before_it_and_after_the_race_the_reply_says_so(
    coach: Coach, clock: Clock
) -> None:
    assert "no plan yet" in await said(coach, "what am i running tomorrow?")
    await say(coach, PLAN)
    assert "starts Monday 30 Nov" in await said(coach, "what's on today?")
    clock.advance(days=100)
    assert "ended with the race" in await said(coach, "anything planned for tomorrow?")


async def test_a_rest_day_is_named_as_one(coach: Coach, storage: SqlStorage, clock: Clock) -> None:
    await say(coach, PLAN)
    clock.advance(days=6)  # Monday 30 Nov: the plan's first day is a rest day
    assert workout(storage, "2026-11-30")[0] == "Rest day"
    assert "rest day" in (await said(coach, "am i running today")).lower()


async def test_a_follow_up_reads_the_question_before_it(
    coach: Coach, storage: SqlStorage, clock: Clock
) -> None:
    await say(coach, PLAN)
    clock.advance(days=7)
    await say(coach, "how long is my long run this sunday")
    reply = await said(coach, "and next week?")
    assert reply.startswith("Your long run in week 2") and "Sunday 13 Dec" in reply


async def test_should_i_run_offers_the_one_tap_check_in(coach: Coach, clock: Clock) -> None:
    await say(coach, PLAN)
    clock.advance(days=7)
    replies = await say(coach, "feeling knackered, should i run today?")
    assert "one missed run changes nothing" in replies[0].text
    assert [action.command for action in replies[0].actions][:2] == [
        "/done 2026-12-01",
        "/skip 2026-12-01",
    ]


async def test_a_run_told_in_words_is_logged_as_that_days_check_in(
    coach: Coach, storage: SqlStorage, clock: Clock
) -> None:
    await say(coach, PLAN)
    clock.advance(days=7)
    reply = await said(coach, "did 8k this morning, legs heavy")
    assert reply.startswith("Logged for Tue 01 Dec (8 km)")
    user = storage.find_user("console", "sam")
    assert user is not None
    assert storage.checkins(user.id, date(2026, 11, 30)) == [
        CheckInRecord(date(2026, 12, 1), "done", 8.0, None, "did 8k this morning, legs heavy")
    ]


async def test_several_profile_facts_in_one_message_shape_the_next_plan(coach: Coach) -> None:
    reply = await said(coach, "I run 25 km a week, 4 days, and my 5k is 27:30")
    assert "25 km" in reply and "27:30" in reply
    plan = await said(coach, "make me a 10k plan for 10 weeks")
    assert "VDOT 34.2" in plan and "estimated" not in plan


async def test_a_runner_who_asks_for_miles_gets_plans_in_miles(coach: Coach) -> None:
    await say(coach, "i'm in the us so miles please, i run 4 days and about 18 miles a week")
    plan = await said(coach, "make me a 5k plan for 8 weeks")
    assert "/mi" in plan and "/km" not in plan and "18 mi" in plan


async def test_greetings_and_thanks_get_a_short_human_reply(coach: Coach, engine: Engine) -> None:
    before = row_counts(engine)
    assert (await said(coach, "hi coach!")).startswith("Hi Sam!")
    assert await said(coach, "thanks!!") == "You're welcome! Happy running."
    assert row_counts(engine) == before
