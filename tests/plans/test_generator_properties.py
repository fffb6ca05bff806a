"""Every valid request gives a plan that obeys every coaching rule, or a one-line refusal whose
advice, once followed, does give one. Hypothesis explores the request space; a few examples pin
down what a runner would notice first; broken plans prove the rule checker can fail."""

from __future__ import annotations

import copy
import json
import math
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.plans import science
from bot.plans.generator import (
    BEGINNER_BELOW_KM,
    BEGINNER_MIN_WEEKS,
    LONG_RUN_CAP_KM,
    MIN_WEEKS,
    generate_plan,
)
from bot.plans.model import (
    RACE_DISTANCE_KM,
    RUN_KINDS,
    WEEKDAYS,
    Plan,
    PlanRequest,
    PlanRequestError,
    RaceName,
    RecentRace,
    Weekday,
)
from bot.plans.request import SLOWEST_RACE_PACE_S_PER_KM
from bot.plans.workouts import describe_day
from tests.plans import rules

START = date(2027, 1, 4)  # a Monday
RACES: tuple[RaceName, ...] = ("5k", "10k", "half", "marathon")
SUGGESTIONS = {
    "weeks": re.compile(r"try (\d+) weeks"),
    "days_per_week": re.compile(r"run (\d) days a week"),
    "weekly_km": re.compile(r"start from at most ([\d.]+) km a week"),
    "start": re.compile(r"try (\d{4}-\d{2}-\d{2})"),
}
DEAD_ENDS = ("build up", "pick a shorter race", "check your longest run")
PROPERTY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_sound(plan: Plan, req: PlanRequest) -> None:
    broken = rules.violations(plan, req)
    assert not broken, "\n".join([repr(req), *broken[:20]])


def follow_advice(req: PlanRequest, hops: int = 4) -> tuple[PlanRequest, Plan | None]:
    """Generate, and while refused, do what the one-line message says; None at a dead end."""
    for _ in range(hops):
        try:
            return req, generate_plan(req)
        except PlanRequestError as err:
            message = str(err)
            assert message and "\n" not in message, message
            change = next(
                (
                    (field, m.group(1))
                    for field, rx in SUGGESTIONS.items()
                    if (m := rx.search(message))
                ),
                None,
            )
            if change is None:
                assert any(words in message for words in DEAD_ENDS), message
                return req, None
            field, value = change
            parsers: dict[str, Callable[[str], Any]] = {
                "weeks": int,
                "days_per_week": int,
                "weekly_km": float,
                "start": date.fromisoformat,
            }
            req = replace(req, **{field: parsers[field](value)})
    raise AssertionError(f"advice went round in circles for {req}")


def shortest_plan(race: RaceName, weekly_km: float) -> int:
    beginner = weekly_km < BEGINNER_BELOW_KM[race]
    return (BEGINNER_MIN_WEEKS if beginner else MIN_WEEKS)[race]


@st.composite
def race_results(draw: st.DrawFn) -> RecentRace:
    """Any result the parser lets through: from world-record pace down to a 20 min/km walk."""
    distance = draw(st.sampled_from((1.5, 1.609344, 3.0, 5.0, 10.0, 15.0, 21.0975, 42.195)))
    pace = draw(st.floats(science.world_record_pace(distance), SLOWEST_RACE_PACE_S_PER_KM - 1))
    return RecentRace(distance, math.ceil(pace * distance))


@st.composite
def requests(draw: st.DrawFn) -> PlanRequest:
    """Valid requests, mostly inside what a plan can serve: runs of 2 km or more that the
    race's long-run cap can hold, and at least the minimum plan length."""
    race = draw(st.sampled_from(RACES))
    days = draw(st.integers(2, 7))
    lowest = max(5.0, math.ceil(2 * days / 1.15 * 10) / 10)
    highest = min(130.0, days * LONG_RUN_CAP_KM[race] / 0.8 - 0.1)
    weekly = round(draw(st.floats(lowest, highest)), 1)
    weeks = draw(st.integers(shortest_plan(race, weekly), 52))
    longest = draw(st.none() | st.floats(weekly / days, weekly / 2).map(lambda km: round(km, 1)))
    return PlanRequest(
        race=race,
        weeks=weeks,
        days_per_week=days,
        weekly_km=weekly,
        start=START,
        long_run_day=draw(st.sampled_from(WEEKDAYS)),
        recent_race=draw(st.none() | race_results()),
        longest_run_km=longest,
    )


@PROPERTY
@given(requests())
def test_every_plan_obeys_every_rule(req: PlanRequest) -> None:
    final, plan = follow_advice(req)
    event("accepted as asked" if final == req else "accepted after advice")
    assert plan is not None, f"no plan for {req}"
    assert_sound(plan, final)
    assert generate_plan(final) == plan  # deterministic
    for _, day in rules.all_days(plan):
        assert day["summary"] == describe_day(day, "km")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    race=st.sampled_from(RACES),
    weeks=st.integers(1, 52),
    days=st.integers(2, 7),
    weekly=st.floats(5, 250).map(lambda km: round(km, 1)),
    start=st.dates(date(2026, 1, 1), date(2030, 12, 31)),
    long_day=st.sampled_from(WEEKDAYS),
    longest=st.none() | st.floats(1, 100).map(lambda km: round(km, 1)),
    recent=st.none() | race_results(),
)
def test_anything_valid_gives_a_sound_plan_or_advice_that_works(
    race: RaceName,
    weeks: int,
    days: int,
    weekly: float,
    start: date,
    long_day: Weekday,
    longest: float | None,
    recent: RecentRace | None,
) -> None:
    req = PlanRequest(race, weeks, days, weekly, start, long_day, recent, longest)
    final, plan = follow_advice(req)
    event("plan" if plan is not None else "dead end")
    if plan is not None:
        assert_sound(plan, final)


def test_most_of_the_ordinary_request_space_is_served_as_asked() -> None:
    """Runners at 20-80 km a week asking for the usual lengths mostly get the plan they asked."""
    asked = served = 0
    for race in RACES:
        for days in range(3, 8):
            for weekly in (20.0, 30.0, 45.0, 60.0, 80.0):
                for weeks in (12, 16, 20):
                    if weekly > days * LONG_RUN_CAP_KM[race] / 0.8:
                        continue
                    req = PlanRequest(race, weeks, days, weekly, START)
                    asked += 1
                    try:
                        assert_sound(generate_plan(req), req)
                        served += 1
                    except PlanRequestError:
                        pass
    assert served >= 0.9 * asked, (served, asked)


# ---- what a runner notices ------------------------------------------------------------------


def test_10k_in_8_weeks_from_30_km_has_a_cutback_and_a_taper() -> None:
    req = PlanRequest("10k", 8, 4, 30.0, START)
    plan = generate_plan(req)
    assert_sound(plan, req)
    weeks = plan["weeks"]
    assert any(week["cutback"] for week in weeks)
    assert [week["phase"] for week in weeks][-2:] == ["taper", "race"]
    peak = max(week["total_km"] for week in weeks[:-1])
    assert weeks[-2]["total_km"] < peak
    assert weeks[-1]["days"][-1]["kind"] == "race"
    assert weeks[-1]["days"][-1]["date"] == plan["race"]["date"] == "2027-02-28"


def test_beginner_asking_for_a_marathon_in_12_weeks_is_told_how_long_it_takes() -> None:
    req = PlanRequest("marathon", 12, 2, 5.0, START)
    with pytest.raises(PlanRequestError) as refused:
        generate_plan(req)
    message = str(refused.value)
    assert "\n" not in message and "16 weeks" in message
    match = SUGGESTIONS["weeks"].search(message)
    assert match, message
    weeks = int(match.group(1))
    assert weeks > 16
    longer = PlanRequest("marathon", weeks, 2, 5.0, START)
    assert_sound(generate_plan(longer), longer)
    with pytest.raises(PlanRequestError):  # the suggestion is the shortest that works
        generate_plan(PlanRequest("marathon", weeks - 1, 2, 5.0, START))


def test_a_recent_race_gives_daniels_paces_and_a_prediction() -> None:
    req = PlanRequest("half", 12, 4, 40.0, START, recent_race=RecentRace(10.0, 45 * 60))
    plan = generate_plan(req)
    vdot = science.vdot_from_race(10.0, 2700)
    expected = {zone: list(band) for zone, band in science.training_paces(vdot).items()}
    assert plan["paces_s_per_km"] == expected
    assert plan["athlete"]["vdot_source"] == "recent_race"
    assert plan["athlete"]["vdot"] == round(vdot, 1)
    assert plan["race"]["predicted_time_s"] == round(science.predict_race_time(vdot, 21.0975))
    tempo = next(day for _, day in rules.all_days(plan) if day["kind"] == "tempo")
    assert tempo["pace_s_per_km"] == expected["threshold"]
    assert "~" not in tempo["summary"] and "comfortably hard" in tempo["summary"]


def test_without_a_race_paces_are_honest_estimates() -> None:
    plan = generate_plan(PlanRequest("10k", 10, 4, 30.0, START))
    assert plan["athlete"]["vdot_source"] == "estimate"
    assert plan["race"]["predicted_time_s"] is None
    runs = [day for _, day in rules.all_days(plan) if day["kind"] in RUN_KINDS]
    assert all("~" in day["summary"] for day in runs)
    assert all("estimate" in day["details"] for day in runs)
    assert any("conversational" in day["summary"] for day in runs)
    assert any("comfortably hard" in day["summary"] for day in runs)
    assert "(est.)" in runs[-1]["summary"]


def test_a_start_that_is_not_a_monday_gets_the_nearest_mondays() -> None:
    with pytest.raises(PlanRequestError, match=r"Monday: try 2026-11-30 or 2026-11-23$"):
        generate_plan(PlanRequest("10k", 8, 4, 30.0, date(2026, 11, 25)))


@pytest.mark.parametrize(
    ("req", "advice"),
    [
        (PlanRequest("half", 10, 2, 120.0, START), "run 5 days a week"),
        (PlanRequest("5k", 8, 4, 5.0, START), "run 2 days a week"),
        (PlanRequest("5k", 8, 7, 130.0, START), "start from at most 122.5 km a week"),
        (PlanRequest("10k", 8, 3, 30.0, START, longest_run_km=4.0), "run 5 days a week"),
        (PlanRequest("10k", 3, 4, 30.0, START), "needs at least 6 weeks: try 6 weeks"),
        (PlanRequest("marathon", 12, 6, 30.0, START), "try "),
    ],
)
def test_unsound_requests_are_refused_with_one_line_that_says_what_to_change(
    req: PlanRequest, advice: str
) -> None:
    with pytest.raises(PlanRequestError) as refused:
        generate_plan(req)
    assert advice in str(refused.value) and "\n" not in str(refused.value)
    final, plan = follow_advice(req)
    assert plan is not None
    assert_sound(plan, final)


@pytest.mark.parametrize(
    "change",
    [
        {"weeks": 0},
        {"weeks": 53},
        {"days_per_week": 1},
        {"days_per_week": 8},
        {"weekly_km": -3.0},
        {"weekly_km": 2.0},
        {"weekly_km": 900.0},
        {"weekly_km": math.nan},
        {"long_run_day": "someday"},
        {"race": "ultra"},
        {"longest_run_km": 0.0},
        {"recent_race": RecentRace(5.0, 600.0)},  # faster than the world record
        {"recent_race": RecentRace(5.0, -1.0)},
    ],
)
def test_requests_the_parser_would_stop_are_refused_here_too(change: dict[str, object]) -> None:
    req = replace(PlanRequest("10k", 8, 4, 30.0, START), **change)  # type: ignore[arg-type]
    with pytest.raises(PlanRequestError) as refused:
        generate_plan(req)
    assert str(refused.value) and "\n" not in str(refused.value)


def test_plans_are_byte_for_byte_reproducible() -> None:
    req = PlanRequest("marathon", 18, 5, 50.0, START, "sat", RecentRace(21.0975, 5400), 20.0)
    first, second = generate_plan(req), generate_plan(req)
    assert json.dumps(first, sort_keys=False) == json.dumps(second, sort_keys=False)


def test_an_18_week_marathon_plan_takes_well_under_20_ms() -> None:
    req = PlanRequest("marathon", 18, 5, 50.0, START, recent_race=RecentRace(21.0975, 5400))
    generate_plan(req)
    timings = []
    for _ in range(30):
        began = time.perf_counter()
        generate_plan(req)
        timings.append(time.perf_counter() - began)
    assert statistics.median(timings) < 0.020


# ---- the checker catches broken plans -------------------------------------------------------

REQUEST = PlanRequest("half", 16, 5, 40.0, START, recent_race=RecentRace(10.0, 2700))


@pytest.fixture(scope="module")
def sound() -> Plan:
    plan = generate_plan(REQUEST)
    assert_sound(plan, REQUEST)
    return plan


def set_km(plan: Plan, week: int, weekday: int, km: float) -> None:
    """Change one day's distance and keep the week total consistent, as a careless edit would."""
    target = plan["weeks"][week]
    target["days"][weekday]["distance_km"] = km
    target["total_km"] = round(sum(day["distance_km"] for day in target["days"]), 1)


def first_day(plan: Plan, kind: str) -> tuple[int, int]:
    for w, week in enumerate(plan["weeks"]):
        for d, day in enumerate(week["days"]):
            if day["kind"] == kind:
                return w, d
    raise LookupError(kind)


def break_week_one(plan: Plan) -> None:
    set_km(plan, 0, first_day(plan, "easy")[1], 30.0)


def break_hard_days(plan: Plan) -> None:
    w, d = first_day(plan, "long")
    plan["weeks"][w]["days"][d - 1]["kind"] = "tempo"
    plan["weeks"][w]["days"][d - 1]["quality_km"] = 2.0


def break_spike(plan: Plan) -> None:
    w, d = first_day(plan, "long")
    set_km(plan, w + 1, d, plan["weeks"][w]["days"][d]["distance_km"] * 1.5)


def break_quality_share(plan: Plan) -> None:
    w, d = first_day(plan, "tempo")
    day = plan["weeks"][w]["days"][d]
    day["quality_km"] = day["distance_km"] = plan["weeks"][w]["total_km"] * 0.5
    plan["weeks"][w]["total_km"] = round(sum(x["distance_km"] for x in plan["weeks"][w]["days"]), 1)


def break_cutbacks(plan: Plan) -> None:
    for week in plan["weeks"]:
        week["cutback"] = False


def break_taper(plan: Plan) -> None:
    race_week = plan["weeks"][-1]
    set_km(plan, len(plan["weeks"]) - 1, 0, race_week["total_km"])


def break_paces(plan: Plan) -> None:
    plan["paces_s_per_km"]["threshold"] = [300, 310]


def break_total(plan: Plan) -> None:
    plan["weeks"][2]["total_km"] += 5


def break_runs(plan: Plan) -> None:
    w, d = first_day(plan, "easy")
    day = plan["weeks"][w]["days"][d]
    day["kind"] = "rest"
    day["distance_km"] = 0.0
    day["pace_s_per_km"] = None


def break_schema(plan: Plan) -> None:
    plan["weeks"][0]["phase"] = "warmup"  # type: ignore[typeddict-item]


def break_long_share(plan: Plan) -> None:
    w, d = first_day(plan, "long")
    set_km(plan, w, d, plan["weeks"][w]["total_km"] * 0.9)


def break_race(plan: Plan) -> None:
    plan["weeks"][-1]["days"][-1]["kind"] = "easy"


@pytest.mark.parametrize(
    ("breaker", "rule"),
    [
        (break_week_one, rules.rule_week_one_volume),
        (break_hard_days, rules.rule_hard_days),
        (break_spike, rules.rule_single_run_spike),
        (break_quality_share, rules.rule_quality_share),
        (break_quality_share, rules.rule_session_caps),
        (break_cutbacks, rules.rule_cutbacks),
        (break_taper, rules.rule_taper),
        (break_paces, rules.rule_paces),
        (break_total, rules.rule_distances),
        (break_runs, rules.rule_runs_per_week),
        (break_schema, rules.rule_schema),
        (break_long_share, rules.rule_long_run_share),
        (break_long_share, rules.rule_long_run_caps),
        (break_race, rules.rule_calendar),
    ],
)
def test_the_checker_reports_a_broken_rule(
    sound: Plan, breaker: Callable[[Plan], None], rule: rules.Rule
) -> None:
    broken = copy.deepcopy(sound)
    breaker(broken)
    assert rule(broken, REQUEST), f"{rule.__name__} missed {breaker.__name__}"
    assert any(problem.startswith(rule.__name__) for problem in rules.violations(broken, REQUEST))


def test_the_checker_knows_the_long_run_minimum_and_rest_spread(sound: Plan) -> None:
    short = copy.deepcopy(sound)
    for _, day in rules.long_runs(short):
        day["distance_km"] = 12.0
    assert rules.rule_long_run_minimum(short, REQUEST)
    clumped = copy.deepcopy(sound)
    week = clumped["weeks"][1]["days"]
    runs = [day for day in week if day["kind"] in RUN_KINDS]
    rests = [day for day in week if day["kind"] not in RUN_KINDS]
    clumped["weeks"][1]["days"] = [*rests, *runs]
    assert rules.rule_rest_spread(clumped, REQUEST)


def test_distances_in_the_plan_match_the_race() -> None:
    for race in RACES:
        req = PlanRequest(race, 16, 4, 45.0, START + timedelta(weeks=1))
        plan = generate_plan(req)
        assert plan["race"]["distance_km"] == RACE_DISTANCE_KM[race]
        assert_sound(plan, req)
