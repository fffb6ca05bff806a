"""Adapted plans obey every coaching rule: for random plans and random check-in histories, the
rest of the plan (from the Monday after the check-in) passes the same rule checker as a new plan,
with the spike rule measured against the runner's real recent runs (worked out here, apart from
the code under test), and nothing is ever crammed: the days already scheduled only get easier."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.plans.adapt import STATUSES, CheckIn, adapt
from bot.plans.generator import generate_plan
from bot.plans.model import QUALITY_KINDS, RUN_KINDS, Day, Plan, PlanRequest
from tests.plans import rules
from tests.plans.test_generator_properties import START, follow_advice, requests

ADAPTED = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def days_of(plan: Plan) -> list[Day]:
    return [day for week in plan["weeks"] for day in week["days"]]


def real_longest(
    plan: Plan, req: PlanRequest, history: list[CheckIn], today: date, resume: date
) -> float | None:
    """Independently: the longest run really run up to today, in the 30 days before ``resume``."""
    said = {c.day: c for c in history}
    found = []
    for day in days_of(plan):
        when = date.fromisoformat(day["date"])
        if not resume - timedelta(days=30) <= when <= today:
            continue
        check = said.get(when)
        ran = day["kind"] in RUN_KINDS and (
            check is None or check.status in ("done", "hard", "niggle")
        )
        km = check.distance_km if check and check.distance_km is not None else day["distance_km"]
        if ran and km > 0:
            found.append(km)
    if req.longest_run_km is not None and resume - timedelta(days=30) < START:
        found.append(req.longest_run_km)
    return max(found) if found else None


def week_total(plan: Plan, day: date) -> float:
    iso = day.isoformat()
    return next(w for w in plan["weeks"] if w["days"][0]["date"] <= iso <= w["days"][-1]["date"])[
        "total_km"
    ]


def remainder(plan: Plan, resume: date) -> Plan:
    weeks = [w for w in plan["weeks"] if date.fromisoformat(w["days"][0]["date"]) >= resume]
    weeks = [{**w, "number": n} for n, w in enumerate(weeks, 1)]
    return {**plan, "weeks": weeks}


@st.composite
def histories(draw: st.DrawFn, plan: Plan) -> tuple[date, list[CheckIn]]:
    """A day inside the plan, and check-ins for some runs up to it, the last one on that day."""
    runs = [d for d in days_of(plan) if d["kind"] in RUN_KINDS and d["kind"] != "race"]
    today_index = draw(st.integers(0, len(runs) - 1))
    history = []
    for day in runs[: today_index + 1]:
        if draw(st.booleans()) or day is runs[today_index]:
            status = draw(st.sampled_from((*STATUSES, "skipped", "skipped", "hard")))
            km = draw(st.none() | st.floats(1, day["distance_km"] * 1.2).map(lambda k: round(k, 1)))
            history.append(CheckIn(date.fromisoformat(day["date"]), status, km, None))
    return date.fromisoformat(runs[today_index]["date"]), history


@ADAPTED
@given(data=st.data(), req=requests())
def test_adapted_rest_of_plan_obeys_every_rule(data: st.DataObject, req: PlanRequest) -> None:
    final, plan = follow_advice(req)
    if plan is None:
        return
    today, history = data.draw(histories(plan))
    result = adapt(plan, final, history, history[-1], today)
    event(result.rule + (" regenerated" if result.basis else " eased"))
    if result.plan is None:
        assert result.rule in ("carry_on", "stop")
        return
    new = result.plan
    resume = result.resume_on
    assert resume is not None and resume.weekday() == 0 and 0 < (resume - today).days <= 7
    assert new["race"]["date"] == plan["race"]["date"]
    old_days = {d["date"]: d for d in days_of(plan)}
    for day in days_of(new):
        when = date.fromisoformat(day["date"])
        old = old_days[day["date"]]
        if when <= today:
            assert day == old, "the past is never rewritten"
        elif when < resume:  # the rest of this week: only ever easier, never crammed
            assert day["distance_km"] <= old["distance_km"] + 1e-9
            if result.rule != "too_hard":
                assert day["kind"] not in QUALITY_KINDS
            if result.rule == "sick":
                assert day["kind"] in ("rest", "race"), "paused while ill; the race date kept"
    longest = real_longest(plan, final, history, today, resume)
    if result.basis is not None:
        basis = result.basis
        assert basis.longest_run_km == (None if longest is None else round(longest, 1))
        rest = remainder(new, resume)
        broken = rules.violations(rest, basis)
        assert not broken, "\n".join([result.rule, repr(basis), *broken[:10]])
        due = week_total(plan, today)
        floor = final.days_per_week * 2.5 + 0.1
        limit = {"bridge": 0.75, "niggle": 0.8, "sick": 0.6}.get(result.rule, 1.0)
        assert basis.weekly_km <= max(floor, limit * due + 0.1)
        if result.rule in ("bridge", "rebuild", "sick", "niggle"):
            assert not rules.quality_days(rest["weeks"][0]), "quality off after a gap"
    else:  # the rest was only eased: never longer, and within the spike rule of real runs
        for day in days_of(new):
            assert day["distance_km"] <= old_days[day["date"]]["distance_km"] + 1e-9


def test_one_skip_carries_on_and_two_give_an_easy_bridge_week() -> None:
    req = PlanRequest("half", 12, 4, 30.0, START, recent_race=None)
    plan = generate_plan(req)
    week3 = plan["weeks"][2]["days"]
    runs = [date.fromisoformat(d["date"]) for d in week3 if d["kind"] in RUN_KINDS]
    one = [CheckIn(runs[0], "skipped")]
    assert adapt(plan, req, one, one[-1], runs[0]).rule == "carry_on"
    three = [CheckIn(day, "skipped") for day in runs[:3]]
    result = adapt(plan, req, three, three[-1], runs[2])
    assert result.rule == "bridge" and "bridge week" in result.reason
    assert result.plan is not None and result.resume_on is not None
    bridge = remainder(result.plan, result.resume_on)["weeks"][0]
    assert bridge["total_km"] < plan["weeks"][2]["total_km"]
    assert not rules.quality_days(bridge)


def test_too_hard_twice_eases_paces_by_one_vdot_step() -> None:
    req = PlanRequest("10k", 10, 4, 40.0, START)
    plan = generate_plan(req)
    runs = [date.fromisoformat(d["date"]) for d in days_of(plan)[7:14] if d["kind"] in RUN_KINDS]
    first = [CheckIn(runs[0], "hard")]
    assert adapt(plan, req, first, first[-1], runs[0]).rule == "carry_on"
    both = [*first, CheckIn(runs[1], "hard")]
    result = adapt(plan, req, both, both[-1], runs[1])
    assert result.rule == "too_hard" and result.plan is not None
    eased, before = result.plan["athlete"]["vdot"], plan["athlete"]["vdot"]
    assert before is not None and eased == round(before - 1, 1)
    assert result.plan["paces_s_per_km"]["threshold"][0] > plan["paces_s_per_km"]["threshold"][0]


def test_red_flag_stops_the_plan() -> None:
    req = PlanRequest("10k", 10, 4, 40.0, START)
    plan = generate_plan(req)
    flag = CheckIn(START + timedelta(days=8), "niggle", red_flag=True)
    result = adapt(plan, req, [flag], flag, flag.day)
    assert result.rule == "stop" and result.plan is None and "doctor" in result.reason


def test_a_race_out_of_reach_is_said_with_options() -> None:
    req = PlanRequest("marathon", 16, 4, 50.0, START, longest_run_km=20.0)
    plan = generate_plan(req)
    race = date.fromisoformat(plan["race"]["date"])
    today = race - timedelta(days=36)  # five weeks out, after three weeks of illness
    history = [CheckIn(today - timedelta(days=i), "sick") for i in range(25)]
    result = adapt(plan, req, history, history[0], today)
    assert result.rule == "sick"
    assert result.options and "no longer safely reachable" in result.options
    assert result.plan is not None and result.plan["race"]["date"] == plan["race"]["date"]
