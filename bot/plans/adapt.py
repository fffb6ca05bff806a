"""Plan adaptation: a pure, deterministic function from a plan and the runner's check-ins to the
next version of the plan, with a one-line reason.

Soundness comes from the generator, not from patching: the rest of the plan, from the Monday
after today, is generated again (``generate_plan(..., resuming=True)``) from a *basis* request
that says what the runner can do now: a reduced volume after missed runs, their real recent
volume after a long gap, their real longest run of the last 30 days for the single-run spike
rule, one VDOT step less after sessions that were too hard. So every rule of
RUNNING_SCIENCE.md holds for the rest of the plan by the generator's construction, and the
property tests check it against that basis. The days left in the current week are only ever
shortened, made easy or rested: missed sessions are never crammed into later or rest days.

Where the generator cannot serve the rest (fewer than ``MIN_RESUME_WEEKS`` weeks to the race, or
the race no longer reachable safely), the rest of the plan is kept but only ever eased: quality
off where the rule says so and every run capped by the spike rule against what the runner really
ran. An unreachable race is said so, with the generator's own advice as the options.

Runs without a check-in count as done as planned: most runners tap only when something differs.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from bot.plans import workouts
from bot.plans.generator import generate_plan, vdot_of
from bot.plans.model import (
    QUALITY_KINDS,
    RACE_LABEL,
    RUN_KINDS,
    Day,
    Plan,
    PlanRequest,
    PlanRequestError,
    Status,
    Week,
)

Rule = Literal["carry_on", "bridge", "rebuild", "sick", "niggle", "too_hard", "stop"]
STATUSES: tuple[Status, ...] = ("done", "skipped", "hard", "niggle", "sick")
RAN: frozenset[str] = frozenset({"done", "hard", "niggle"})

MIN_RESUME_WEEKS = 4  # shorter rests of a plan cannot hold a build, a taper and the race
BRIDGE_PCT = 75  # an easy bridge week at three quarters of the week that was missed
SICK_PCT = 60
NIGGLE_PCT = 80
SPIKE_WINDOW_DAYS = 30
MIN_RUN_KM = 2.0
VDOT_STEP = 1.0  # one line of Daniels' tables


@dataclass(frozen=True)
class CheckIn:
    """What the runner said about one day's workout."""

    day: date
    status: Status
    distance_km: float | None = None  # what they actually ran, when they say
    effort: int | None = None  # 1-10
    red_flag: bool = False  # sharp or worsening pain, chest symptoms: the core decides


@dataclass(frozen=True)
class Adaptation:
    """The rule that fired and, unless the plan stays as it is, its next version.

    ``basis`` is the request the rest of the plan was generated from (None when it was only
    eased); ``options`` is set when the race is no longer safely reachable.
    """

    rule: Rule
    reason: str
    plan: Plan | None = None
    basis: PlanRequest | None = None
    resume_on: date | None = None
    options: str | None = None


STOP_REASON = (
    "Plan stopped: sharp or worsening pain, or chest symptoms, need a doctor or physio before "
    "any more training. Send /plan to start again once you are cleared."
)


def adapt(
    plan: Plan,
    request: PlanRequest,
    history: Sequence[CheckIn],
    latest: CheckIn,
    today: date,
    *,
    since: date | None = None,
) -> Adaptation:
    """The adaptation ``latest`` calls for; ``since`` is when the plan last changed (for counting
    too-hard sessions afresh after paces were eased)."""
    if latest.red_flag:
        return Adaptation("stop", STOP_REASON)
    rule, why = _rule(plan, request, history, latest, since)
    if rule == "carry_on":
        return Adaptation("carry_on", why)
    resume = today + timedelta(days=7 - today.weekday())
    race_day = date.fromisoformat(plan["race"]["date"])
    real = real_runs(plan, request, history, today)
    longest = longest_before(real, resume, plan, request)
    new = copy.deepcopy(plan)
    _ease_this_week(new, rule, today, resume, longest)
    weeks_left = (race_day - resume).days // 7 + 1 if resume <= race_day else 0
    strip = rule in ("bridge", "rebuild", "sick", "niggle")
    if weeks_left >= MIN_RESUME_WEEKS:
        basis = _basis(plan, request, rule, today, resume, weeks_left, real, longest)
        try:
            rest = generate_plan(basis, resuming=True)
        except PlanRequestError as err:
            options = _options(plan, str(err))
        else:
            if strip:
                _quality_off(rest["weeks"][0], rest)
            _join(new, rest, resume)
            return Adaptation(rule, why, new, basis, resume)
    else:
        options = None
    _ease_rest(new, resume, real, strip, rule)
    if options:
        why = f"{why}; {options}"
    return Adaptation(rule, why, new, None, resume, options)


# ---- which rule ------------------------------------------------------------------------------


def _rule(
    plan: Plan,
    request: PlanRequest,
    history: Sequence[CheckIn],
    latest: CheckIn,
    since: date | None,
) -> tuple[Rule, str]:
    if latest.status == "sick":
        return "sick", (
            "ill: training paused for the rest of the week, then an easy return at reduced "
            "volume with no quality for a week"
        )
    if latest.status == "niggle":
        return "niggle", (
            "niggle: the next runs are capped and easy and quality is off for a week, so you get "
            "at least two pain-free runs before any hard session"
        )
    if latest.status == "hard":
        hard = [c for c in history if c.status == "hard" and (since is None or c.day > since)]
        if len(hard) >= 2:
            return "too_hard", (
                f"{len(hard)} sessions too hard: paces eased by one VDOT step from next Monday"
            )
        return "carry_on", "noted as too hard; if another one is, I'll ease your paces"
    if latest.status != "skipped":
        return "carry_on", "logged"
    monday = latest.day - timedelta(days=latest.day.weekday())
    week = [c for c in history if monday <= c.day < monday + timedelta(days=7)]
    missed = sum(c.status in ("skipped", "sick") for c in week)
    if missed >= 5 or _away(plan, request, history, latest.day):
        return "rebuild", (
            f"{missed} runs missed: the plan rebuilds from what you really ran lately, easy first"
        )
    if missed >= 2:
        return "bridge", (
            f"{missed} runs missed in a week: an easy bridge week at reduced volume before "
            "resuming, rather than cramming them in"
        )
    return "carry_on", "one missed run: carry on with the plan, no need to make it up"


def _away(plan: Plan, request: PlanRequest, history: Sequence[CheckIn], last: date) -> bool:
    """A week away: every planned run of the seven days to ``last`` missed, a full week's worth."""
    said = {c.day: c.status for c in history}
    window = {(last - timedelta(days=i)).isoformat() for i in range(7)}
    runs = [
        date.fromisoformat(d["date"])
        for w in plan["weeks"]
        for d in w["days"]
        if d["date"] in window and d["kind"] in RUN_KINDS
    ]
    missed = [day for day in runs if said.get(day) in ("skipped", "sick")]
    return len(runs) >= request.days_per_week and len(missed) == len(runs)


# ---- what the runner really ran -------------------------------------------------------------


def real_runs(
    plan: Plan, request: PlanRequest, history: Sequence[CheckIn], today: date
) -> dict[date, float]:
    """km run on each plan day up to today: as reported, or as planned when not reported."""
    said = {c.day: c for c in history}
    runs: dict[date, float] = {}
    for week in plan["weeks"]:
        for day in week["days"]:
            when = date.fromisoformat(day["date"])
            if when > today:
                return runs
            check = said.get(when)
            if check is None:
                runs[when] = day["distance_km"] if day["kind"] in RUN_KINDS else 0.0
            elif check.status in RAN:
                planned = day["distance_km"] if day["kind"] in RUN_KINDS else 0.0
                runs[when] = check.distance_km if check.distance_km is not None else planned
            else:
                runs[when] = 0.0
    return runs


def longest_before(
    real: dict[date, float], resume: date, plan: Plan, request: PlanRequest
) -> float | None:
    """The longest real run of the 30 days before ``resume`` (the runner's own longest run
    counts while the window reaches back before the plan); None if there is none."""
    start = resume - timedelta(days=SPIKE_WINDOW_DAYS)
    found = [km for day, km in real.items() if start <= day < resume and km > 0]
    plan_start = date.fromisoformat(plan["weeks"][0]["days"][0]["date"])
    if request.longest_run_km is not None and start < plan_start:
        found.append(request.longest_run_km)
    return max(found) if found else None


def _weekly_recent(real: dict[date, float], resume: date) -> float:
    """Average real km a week over the two weeks before ``resume``."""
    start = resume - timedelta(days=14)
    return sum(km for day, km in real.items() if start <= day < resume) / 2


# ---- the basis of the rest of the plan ------------------------------------------------------


def _basis(
    plan: Plan,
    request: PlanRequest,
    rule: Rule,
    today: date,
    resume: date,
    weeks_left: int,
    real: dict[date, float],
    longest: float | None,
) -> PlanRequest:
    # This week as planned, never the weeks after it: an earlier adaptation this week has already
    # rewritten those, and basing on them again would shrink the plan with every tap.
    planned = _week_of(plan, today)["total_km"]
    recent = _weekly_recent(real, resume)
    weekly = {
        "bridge": planned * BRIDGE_PCT / 100,
        "rebuild": min(recent, planned),
        "sick": min(recent, planned * SICK_PCT / 100),
        "niggle": planned * NIGGLE_PCT / 100,
        "too_hard": planned,
    }[rule]
    days = request.days_per_week
    floor = days * MIN_RUN_KM / 0.8
    if longest is not None:  # week 1 must fit under the spike rule
        weekly = min(weekly, days * (1.1 * longest + 0.5))
    basis = replace(
        request,
        weeks=weeks_left,
        weekly_km=math.ceil(max(floor, weekly) * 10 - 1e-6) / 10,
        start=resume,
        longest_run_km=None if longest is None else round(longest, 1),
        vdot_ease=0.0,
    )
    # Fitness moves only by the rule: an estimate from the new volume would move it too.
    target = vdot_of(request)[0] - (VDOT_STEP if rule == "too_hard" else 0.0)
    return replace(basis, vdot_ease=round(vdot_of(basis)[0] - target, 6))


def _options(plan: Plan, refusal: str) -> str:
    race = RACE_LABEL[plan["race"]["name"]]
    return (
        f"your {race} on {plan['race']['date']} is no longer safely reachable ({refusal}); "
        "options: a later race, a shorter one, or run it easy as a training day"
    )


# ---- editing days ---------------------------------------------------------------------------


def _week_of(plan: Plan, day: date) -> Week:
    iso = day.isoformat()
    for week in plan["weeks"]:
        if any(d["date"] == iso for d in week["days"]):
            return week
    return plan["weeks"][-1] if day > date.fromisoformat(plan["race"]["date"]) else plan["weeks"][0]


def _easy(day: Day, plan: Plan) -> None:
    """A quality day becomes an easy run of the same length."""
    day["kind"] = "easy"
    day.pop("quality_km", None)
    day["pace_s_per_km"] = list(plan["paces_s_per_km"]["easy"])
    day["details"] = workouts.guidance("easy", estimated=bool(day.get("pace_estimated")))
    day["summary"] = workouts.describe_day(day, "km")


def _rest(day: Day) -> None:
    day["kind"] = "rest"
    day["distance_km"] = 0.0
    day["pace_s_per_km"] = None
    day.pop("quality_km", None)
    day.pop("pace_estimated", None)
    day["details"] = workouts.guidance("rest")
    day["summary"] = workouts.describe_day(day, "km")


def _cap(day: Day, km: float, plan: Plan) -> None:
    """Shorten a run to ``km`` (never lengthen); quality that no longer fits becomes easy."""
    km = max(MIN_RUN_KM, int(km * 10) / 10)
    if day["kind"] not in RUN_KINDS or day["kind"] == "race" or day["distance_km"] <= km:
        return
    if day["kind"] in QUALITY_KINDS:
        _easy(day, plan)
    day["distance_km"] = km
    day["summary"] = workouts.describe_day(day, "km")


def _retotal(week: Week) -> None:
    week["total_km"] = round(sum(d["distance_km"] for d in week["days"]), 1)


def _quality_off(week: Week, plan: Plan) -> None:
    for day in week["days"]:
        if day["kind"] in QUALITY_KINDS:
            _easy(day, plan)


def _ease_this_week(
    plan: Plan, rule: Rule, today: date, resume: date, longest: float | None
) -> None:
    """The days after today in this week: rested when ill, else easy and within the spike rule."""
    if rule == "too_hard":
        return
    for week in plan["weeks"]:
        touched = False
        for day in week["days"]:
            when = date.fromisoformat(day["date"])
            if not today < when < resume or day["kind"] == "race":
                continue
            touched = True
            if rule == "sick":
                _rest(day)
                continue
            if day["kind"] in QUALITY_KINDS:
                _easy(day, plan)
            if rule == "niggle":
                _cap(day, day["distance_km"] * NIGGLE_PCT / 100, plan)
            if longest is not None:
                _cap(day, 1.1 * longest + 0.5, plan)
        if touched:
            _retotal(week)


def _ease_rest(plan: Plan, resume: date, real: dict[date, float], strip: bool, rule: Rule) -> None:
    """Keep the rest of the plan but only ease it: quality off in its first week when the rule
    says so, and each run within the spike rule against the real and scheduled runs before it."""
    recent = {day: km for day, km in real.items() if day < resume}
    first_week_end = resume + timedelta(days=7)
    for week in plan["weeks"]:
        touched = False
        for day in week["days"]:
            when = date.fromisoformat(day["date"])
            if when < resume:
                if when not in recent:  # this week's eased days count as scheduled
                    recent[when] = day["distance_km"] if day["kind"] in RUN_KINDS else 0.0
                continue
            touched = True
            if strip and when < first_week_end and day["kind"] in QUALITY_KINDS:
                _easy(day, plan)
            window = [
                km for d, km in recent.items() if when - timedelta(days=SPIKE_WINDOW_DAYS) <= d
            ]
            if day["kind"] in RUN_KINDS and day["kind"] != "race" and max(window, default=0):
                _cap(day, 1.1 * max(window) + 0.5, plan)
            recent[when] = day["distance_km"] if day["kind"] in RUN_KINDS else 0.0
        if touched:
            _retotal(week)


def _join(plan: Plan, rest: Plan, resume: date) -> None:
    """Past weeks as they were, then the regenerated rest; fitness and paces from the rest."""
    kept = [w for w in plan["weeks"] if date.fromisoformat(w["days"][0]["date"]) < resume]
    for number, week in enumerate(rest["weeks"], len(kept) + 1):
        week["number"] = number
    plan["weeks"] = kept + rest["weeks"]
    plan["athlete"] = {**rest["athlete"], "weekly_km_start": plan["athlete"]["weekly_km_start"]}
    plan["paces_s_per_km"] = rest["paces_s_per_km"]
    plan["race"] = rest["race"]
