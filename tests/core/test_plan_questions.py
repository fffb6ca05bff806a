"""Questions about the runner's own plan, read and answered from a real generated plan.

The plan: a 12-week half marathon from Monday 7 Dec 2026, 4 runs a week, 30 km a week, VDOT 38.2
from a 52:00 10K. Week 2 (14-20 Dec): easy Tue, repetitions Wed, easy Fri, long run Sun (10 km).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core import plan_questions, run_reports, smalltalk
from bot.core.plan_answers import PlanView, answer
from bot.core.when import find_days
from bot.plans.generator import generate_plan
from bot.plans.model import Plan, Units, days_of, plan_start
from bot.plans.request import PlanDefaults, parse_plan_text
from bot.plans.workouts import describe_day

TUESDAY = date(2026, 12, 15)  # week 2


@pytest.fixture(scope="module")
def plan() -> Plan:
    text = "half 12weeks 4days weekly=30 race=10k=52:00 start=2026-12-07"
    return generate_plan(parse_plan_text(text, date(2026, 12, 1), PlanDefaults()).request)


def ask(plan: Plan | None, text: str, today: date = TUESDAY, units: Units = "km") -> str:
    start = plan_start(plan) if plan else None
    question = plan_questions.follow_up(plan_questions.read(text, today, start), None)
    assert question is not None and question.subject is not None, text
    return answer(question, PlanView(plan, units, today)).text


def day(plan: Plan, iso: str, units: Units = "km") -> str:
    return describe_day(days_of(plan)[iso], units)


@pytest.mark.parametrize(
    ("text", "iso", "named"),
    [
        ("what am i running on friday?", "2026-12-18", "Friday 18 Dec"),
        ("whats on tmrw", "2026-12-16", "Tomorrow, Wednesday 16 Dec"),
        ("am i running today", "2026-12-15", "Today, Tuesday 15 Dec"),
        ("what's my workout on the 20th", "2026-12-20", "Sunday 20 Dec"),
        ("wats planned for weds?", "2026-12-16", "Tomorrow, Wednesday 16 Dec"),
    ],
)
def test_a_day_is_answered_from_the_plan_and_named(
    plan: Plan, text: str, iso: str, named: str
) -> None:
    reply = ask(plan, text)
    assert reply.startswith(named) and day(plan, iso) in reply


def test_the_same_question_in_miles(plan: Plan) -> None:
    reply = ask(plan, "how far is my long run on sunday", units="mi")
    assert day(plan, "2026-12-20", "mi") in reply and "mi" in reply and " km" not in reply


def test_a_rest_day_says_rest(plan: Plan) -> None:
    assert "rest day" in ask(plan, "what am i running thursday?").lower()


def test_the_long_run_of_the_week_when_no_day_is_named(plan: Plan) -> None:
    reply = ask(plan, "how long is my long run this week")
    assert "Sunday 20 Dec" in reply and "10 km" in reply


def test_the_week_total(plan: Plan) -> None:
    reply = ask(plan, "how many km am i doing next week")
    week3 = plan["weeks"][2]
    assert f"{week3['total_km']:g} km" in reply and "Week 3 of 12" in reply


def test_race_date_weeks_left_and_prediction(plan: Plan) -> None:
    reply = ask(plan, "how many weeks till my race??")
    assert "28 February 2027" in reply and "10 weeks and 5 days" in reply
    assert "1:55:23" in reply


@pytest.mark.parametrize(
    ("text", "pace"),
    [
        ("what pace are my threshold runs?", "5:14-5:20/km"),
        ("how fast should my easy runs be", "6:04-7:15/km"),
        ("my interval pace?", "4:49-4:55/km"),
    ],
)
def test_paces_are_the_runners_own(plan: Plan, text: str, pace: str) -> None:
    assert pace in ask(plan, text)


def test_should_i_run_when_ill_gives_advice_and_the_check_in(plan: Plan) -> None:
    start = plan_start(plan)
    question = plan_questions.read("feel sick, should i run today?", TUESDAY, start)
    assert question is not None
    reply = answer(question, PlanView(plan, "km", TUESDAY))
    assert "fever" in reply.text and "/sick" in reply.text and reply.check_in_day == TUESDAY


def test_moving_a_hard_day_next_to_another_is_refused(plan: Plan) -> None:
    # Saturday 19 Dec sits right before Sunday's long run; Wednesday has repetitions.
    reply = ask(plan, "can i do wednesday's session on saturday instead?")
    assert reply.startswith("Better not") and "two hard days in a row" in reply


def test_moving_a_run_where_it_fits_is_allowed(plan: Plan) -> None:
    assert ask(plan, "can i move friday's run to thursday").startswith("Yes")


def test_no_plan_before_start_and_after_the_race(plan: Plan) -> None:
    assert "no plan yet" in ask(None, "what am i running tomorrow")
    assert "starts Monday 07 Dec" in ask(plan, "what's on today", today=date(2026, 12, 2))
    assert "ended with the race" in ask(plan, "what's on today", today=date(2027, 3, 3))


def test_a_follow_up_keeps_the_subject_and_moves_the_day(plan: Plan) -> None:
    start = plan_start(plan)
    first = plan_questions.read("how long is my long run on sunday", TUESDAY, start)
    second = plan_questions.follow_up(plan_questions.read("and next week?", TUESDAY, start), first)
    assert second is not None and second.subject == "long"
    assert "Sunday 27 Dec" in answer(second, PlanView(plan, "km", TUESDAY)).text


@pytest.mark.parametrize(
    "text",
    [
        "what is a tempo run?",
        "what should i eat before my long run tomorrow",
        "how do i avoid blisters",
        "how many gels for a 3:45 marathon",
    ],
)
def test_textbook_questions_are_not_plan_questions(plan: Plan, text: str) -> None:
    assert plan_questions.read(text, TUESDAY, plan_start(plan)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thurs", date(2026, 12, 17)),
        ("last sunday", date(2026, 12, 13)),
        ("tomorow", date(2026, 12, 16)),
        ("dec 24th", date(2026, 12, 24)),
        ("2027-01-03", date(2027, 1, 3)),
    ],
)
def test_days_named_loosely(text: str, expected: date) -> None:
    found = find_days(text, TUESDAY)
    assert found is not None and found.dates[0] == expected


@pytest.mark.parametrize(
    ("text", "status", "km", "iso"),
    [
        ("did 8k this morning, legs heavy", "done", 8.0, "2026-12-15"),
        ("ran 10 miles yesterday felt great", "done", 16.09, "2026-12-14"),
        ("long run done, 16km, brutal", "hard", 16.0, "2026-12-15"),
        ("skipped my run today, work", "skip", None, "2026-12-15"),
    ],
)
def test_runs_reported_in_words(text: str, status: str, km: float | None, iso: str) -> None:
    report = run_reports.read(text, TUESDAY, "km")
    assert report is not None
    assert (report.status, report.distance_km, report.day.isoformat()) == (status, km, iso)


@pytest.mark.parametrize(
    "text", ["should i run 8k today?", "i want to run 10k tomorrow", "how far did you run"]
)
def test_questions_and_intentions_are_not_reports(text: str) -> None:
    assert run_reports.read(text, TUESDAY, "km") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [("hi", "greeting"), ("thanks!", "thanks"), ("cheers coach", "thanks"), ("lol ok", "ack")],
)
def test_small_talk(text: str, kind: str) -> None:
    assert smalltalk.kind_of(text) == kind


def test_small_talk_with_a_question_is_a_question() -> None:
    assert smalltalk.kind_of("thanks, and what about tomorrow?") is None


def test_where_the_runner_is_in_the_plan(plan: Plan) -> None:
    reply = ask(plan, "when do i taper?")
    assert "Week 2 of 12" in reply and "base week" in reply
    assert "taper starts in week 11 (Mon 15 Feb" in reply and "Next cutback: week 4" in reply


def test_next_week_against_this_one(plan: Plan) -> None:
    reply = ask(plan, "is next week harder than this one?")
    this, following = plan["weeks"][1]["total_km"], plan["weeks"][2]["total_km"]
    assert f"{following:g} km" in reply and f"{this:g} km" in reply
    assert f"{following - this:.1f} km more" in reply


def test_how_long_a_run_takes_at_its_pace(plan: Plan) -> None:
    # Sunday 20 Dec: 10 km at 6:04-7:15/km.
    assert "about 61-72 minutes" in ask(plan, "how long will sunday's run take me")


def test_a_move_takes_the_day_whose_run_it_is(plan: Plan) -> None:
    reply = ask(plan, "away this weekend, can i do sunday's run on friday?")
    assert reply.startswith("Yes") and "Sunday's Long run 10 km" in reply


@pytest.mark.parametrize(
    "text", ["can i swap my long run to sat this wk", "move my tempo to saturday"]
)
def test_moving_a_workout_to_a_day_before_the_plan_says_when_it_starts(
    plan: Plan, text: str
) -> None:
    reply = ask(plan, text, today=date(2026, 12, 2))  # the week before the plan
    assert reply == "Saturday 05 Dec is outside your plan: your plan starts Monday 07 Dec."


@pytest.mark.parametrize(
    "text", ["how many reps on wednesday", "is sunday a big one?", "LR this wk?"]
)
def test_a_workout_asked_about_sideways_is_still_that_days_workout(plan: Plan, text: str) -> None:
    reply = ask(plan, text)
    assert day(plan, "2026-12-16") in reply or day(plan, "2026-12-20") in reply


def test_when_the_next_session_of_a_kind_is(plan: Plan) -> None:
    first_tempo = next(d for w in plan["weeks"] for d in w["days"] if d["kind"] == "tempo")
    assert describe_day(first_tempo, "km") in ask(plan, "tempo sesh when?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thurday run distance pls", date(2026, 12, 17)),
        ("whats on wendsday", date(2026, 12, 16)),
        ("what do i have on 20/12", date(2026, 12, 20)),
        ("what do i have on 12/20", date(2026, 12, 20)),
        ("day 1, what am i doing", date(2026, 12, 7)),
    ],
)
def test_days_written_every_which_way(plan: Plan, text: str, expected: date) -> None:
    found = find_days(text, TUESDAY, plan_start(plan))
    assert found is not None and found.dates == (expected,)


def test_a_run_of_six_and_a_half_km_is_not_a_date() -> None:
    assert find_days("tempo done, 6.5k but it felt hard", TUESDAY) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("wednesday - how many of the 200s?", "2026-12-16"),
        ("tmrw's run, easy right?", "2026-12-16"),
        ("sorry been slammed at work, fri is what again?", "2026-12-18"),
    ],
)
def test_a_detail_or_a_check_of_a_days_run_gets_that_day(plan: Plan, text: str, iso: str) -> None:
    assert day(plan, iso) in ask(plan, text)


def test_whats_next_after_todays_run(plan: Plan) -> None:
    reply = ask(plan, "done today's run. whats next?")
    assert reply.startswith("Tomorrow, Wednesday 16 Dec") and day(plan, "2026-12-16") in reply


def test_the_next_rest_day(plan: Plan) -> None:
    assert ask(plan, "when's my next rest day?") == "Your next rest day is Thursday 17 Dec."


def test_the_biggest_week_of_the_plan(plan: Plan) -> None:
    peak = max(plan["weeks"], key=lambda week: week["total_km"])
    reply = ask(plan, "whats the biggest week of my plan")
    assert f"week {peak['number']}" in reply and f"{peak['total_km']:g} km" in reply


def test_race_day_and_race_week_are_the_runners_own(plan: Plan) -> None:
    race_line = day(plan, "2027-02-28")
    start = plan_start(plan)
    question = plan_questions.read(
        "what pace should i go for on race day", TUESDAY, start, date(2027, 2, 28)
    )
    assert question is not None
    assert race_line in answer(question, PlanView(plan, "km", TUESDAY)).text


def test_why_a_workout_is_in_the_plan_is_a_textbook_question(plan: Plan) -> None:
    text = "my plan has these reps on wednesdays, whats the actual point of them"
    assert plan_questions.read(text, TUESDAY, plan_start(plan)) is None


def asked(plan: Plan, text: str) -> list[str]:
    questions = plan_questions.read_all(text, TUESDAY, plan_start(plan), date(2027, 2, 28))
    view = PlanView(plan, "km", TUESDAY)
    return [answer(plan_questions.follow_up(q, None) or q, view).text for q in questions]


def test_a_burst_of_questions_gets_every_answer(plan: Plan) -> None:
    replies = asked(plan, "ok 3 things: whats tmrw, how far is sunday, and how many weeks left")
    assert len(replies) == 3
    assert day(plan, "2026-12-16") in replies[0] and day(plan, "2026-12-20") in replies[1]
    assert "28 February 2027" in replies[2]


def test_context_first_the_question_last(plan: Plan) -> None:
    (reply,) = asked(plan, "did the reps yesterday, felt great. so whats on today")
    assert reply.startswith("Today, Tuesday 15 Dec") and day(plan, "2026-12-15") in reply


def test_the_asking_clause_takes_the_day_named_before_it(plan: Plan) -> None:
    (reply,) = asked(plan, "race day!!! what pace do i start at")
    assert day(plan, "2027-02-28") in reply


def test_why_a_week_is_lighter_gives_the_plans_reason(plan: Plan) -> None:
    cutback = next(week for week in plan["weeks"] if week.get("cutback"))
    (reply,) = asked(plan, f"why is week {cutback['number']} so short??")
    assert f"Week {cutback['number']} is a {cutback['phase']} week" in reply
    assert "cutback week" in reply


def test_someone_else_being_ill_makes_the_runner_busy_not_ill(plan: Plan) -> None:
    question = plan_questions.read(
        "can i skip wed? work is insane and my kid is sick too", TUESDAY, plan_start(plan)
    )
    assert question is not None and question.condition == "busy"


@pytest.mark.parametrize(
    "text",
    [
        "pee was dark brown after the long run and my thighs are swollen",
        "one spot on my shin hurts more every run, now aches at night too",
        "chest went tight on the hill and the pain went down my left arm",
    ],
)
def test_red_flags_in_everyday_words(text: str) -> None:
    from bot.core.red_flags import red_flags

    assert red_flags(text)


def test_a_missed_run_is_not_made_up(plan: Plan) -> None:
    reply = ask(plan, "missed my run yesterday, should i make it up today?")
    assert "Don't make up a missed run" in reply


def test_a_question_about_the_runner_after_plan_context_is_not_a_plan_question(
    plan: Plan,
) -> None:
    text = "legs are sore after yesterday's long run, is that normal?"
    assert plan_questions.read_all(text, TUESDAY, plan_start(plan)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("whats on 20.12", date(2026, 12, 20)), ("what's on for to day", TUESDAY)],
)
def test_more_ways_of_writing_a_day(text: str, expected: date) -> None:
    found = find_days(text, TUESDAY)
    assert found is not None and found.dates == (expected,)


def test_the_day_before_the_race(plan: Plan) -> None:
    found = find_days("what do i do the day before the race", TUESDAY, None, date(2027, 2, 28))
    assert found is not None and found.dates == (date(2027, 2, 27),)


def test_a_sore_knee_run_or_nah_gets_the_pain_advice(plan: Plan) -> None:
    reply = ask(plan, "ugh knee is a bit sore, run tmrw or nah?")
    assert reply.startswith("Don't run through pain") and "/niggle" in reply


def test_the_long_one_this_weekend_is_the_weekends_long_run(plan: Plan) -> None:
    reply = ask(plan, "how far is my long one this wknd")
    assert "Your long run in week 2: Sunday 20 Dec" in reply
