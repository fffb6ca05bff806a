"""RUNNING_SCIENCE.md as executable checks: one function per rule, each returning violations.

Written independently of the generator (floats, dates, the rule text), so that generated plans,
and later adapted plans, can be checked against the rules rather than against the code that
built them. ``violations(plan, request)`` runs every rule; an empty list means a sound plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import pairwise

import jsonschema

from bot.plans import science
from bot.plans.model import (
    HARD_KINDS,
    QUALITY_KINDS,
    RACE_DISTANCE_KM,
    RUN_KINDS,
    WEEKDAYS,
    Day,
    Plan,
    PlanRequest,
    Week,
    plan_schema,
)

EPS = 1e-6
LONG_RUN_CAP_KM = {"5k": 14.0, "10k": 19.0, "half": 23.0, "marathon": 35.0}
LONG_RUN_MINIMUM_KM = {"half": 16.0, "marathon": 28.0}
PHASE_ORDER = ("base", "build", "peak", "taper", "race")
# Per-session caps: (share of the week, ceiling km, floor km).
SESSION_CAPS = {
    "tempo": (0.10, math.inf, 2.0),
    "interval": (0.08, 10.0, 1.6),
    "repetition": (0.05, 8.0, 0.8),
    "marathon_pace": (0.20, 29.0, 3.0),
}
ZONE_OF_KIND = {"tempo": "threshold", "interval": "interval", "marathon_pace": "marathon"}

Rule = Callable[[Plan, PlanRequest], list[str]]


def all_days(plan: Plan) -> Iterator[tuple[Week, Day]]:
    for week in plan["weeks"]:
        for day in week["days"]:
            yield week, day


def is_run(day: Day) -> bool:
    return day["kind"] in RUN_KINDS


def race_km_in(week: Week) -> float:
    return sum(day["distance_km"] for day in week["days"] if day["kind"] == "race")


def training_km(week: Week) -> float:
    return week["total_km"] - race_km_in(week)


def is_race_week(week: Week) -> bool:
    return any(day["kind"] == "race" for day in week["days"])


def share_cap(runs: int) -> float:
    return 0.50 if runs <= 3 else 0.42 if runs == 4 else 0.36


# ---- structure ------------------------------------------------------------------------------


def rule_schema(plan: Plan, req: PlanRequest) -> list[str]:
    errors = jsonschema.Draft202012Validator(plan_schema()).iter_errors(plan)
    return [f"{error.message} at {list(error.path)}" for error in errors]


def rule_calendar(plan: Plan, req: PlanRequest) -> list[str]:
    """Weeks Monday to Sunday from the start; the race is the last day and the only race."""
    found = []
    if len(plan["weeks"]) != req.weeks:
        found.append(f"{len(plan['weeks'])} weeks, asked for {req.weeks}")
    if req.start.weekday() != 0:
        found.append("plan does not start on a Monday")
    expected = req.start
    for number, week in enumerate(plan["weeks"], 1):
        if week["number"] != number:
            found.append(f"week {week['number']} numbered out of order")
        for day in week["days"]:
            if day["date"] != expected.isoformat():
                found.append(f"week {number}: {day['date']} where {expected} was due")
            expected += timedelta(days=1)
    races = [day for _, day in all_days(plan) if day["kind"] == "race"]
    last = plan["weeks"][-1]["days"][-1]
    if len(races) != 1 or last["kind"] != "race":
        found.append(f"{len(races)} race days; the race must be the last day and the only one")
    if plan["race"]["date"] != last["date"]:
        found.append(f"race date {plan['race']['date']} is not the last day {last['date']}")
    if plan["race"]["name"] != req.race:
        found.append(f"race {plan['race']['name']} but {req.race} was asked for")
    if abs(last["distance_km"] - RACE_DISTANCE_KM[req.race]) > 0.05 + EPS:
        found.append(f"race day is {last['distance_km']} km, not the {req.race}")
    return found


def rule_phases(plan: Plan, req: PlanRequest) -> list[str]:
    """Phases run base -> build -> peak -> taper -> race, the race week alone being 'race'."""
    phases = [week["phase"] for week in plan["weeks"]]
    unknown = sorted(set(phases) - set(PHASE_ORDER))
    if unknown:
        return [f"unknown phases {unknown}"]
    order = [PHASE_ORDER.index(phase) for phase in phases]
    found = []
    if order != sorted(order):
        found.append(f"phases out of order: {phases}")
    if phases[-1] != "race" or phases.count("race") != 1:
        found.append("the race week, and only it, has phase 'race'")
    return found


def rule_distances(plan: Plan, req: PlanRequest) -> list[str]:
    """Distances in 0.1 km; a week's total is the sum of its days; rest is 0 km, a run more."""
    found = []
    for _, day in all_days(plan):
        km = day["distance_km"]
        if abs(km * 10 - round(km * 10)) > EPS:
            found.append(f"{day['date']}: {km} km is not rounded to 0.1 km")
        if is_run(day) != (km > 0):
            found.append(f"{day['date']}: {day['kind']} of {km} km")
    for week in plan["weeks"]:
        total = round(sum(day["distance_km"] for day in week["days"]), 1)
        if abs(total - week["total_km"]) > 0.05 + EPS:
            found.append(f"week {week['number']}: total {week['total_km']} but days sum to {total}")
    return found


def rule_day_fields(plan: Plan, req: PlanRequest) -> list[str]:
    """quality_km on (and only on) quality days, within the run; a pace band on every run."""
    found = []
    for _, day in all_days(plan):
        quality = day.get("quality_km")
        if day["kind"] in QUALITY_KINDS:
            if not quality or quality <= 0 or quality > day["distance_km"] + EPS:
                found.append(f"{day['date']}: {day['kind']} with quality_km {quality}")
        elif quality:
            found.append(f"{day['date']}: {day['kind']} has quality_km {quality}")
        pace = day.get("pace_s_per_km")
        if is_run(day) and (not pace or len(pace) != 2 or pace[0] > pace[1]):
            found.append(f"{day['date']}: {day['kind']} without a [fast, slow] pace: {pace}")
        if not day["summary"] or "\n" in day["summary"]:
            found.append(f"{day['date']}: summary must be one non-empty line")
    return found


# ---- load -----------------------------------------------------------------------------------


def rule_week_one_volume(plan: Plan, req: PlanRequest) -> list[str]:
    """Week 1 matches current volume within -20% / +15%."""
    total = plan["weeks"][0]["total_km"]
    if 0.8 * req.weekly_km - EPS <= total <= 1.15 * req.weekly_km + EPS:
        return []
    return [f"week 1 is {total} km for a runner at {req.weekly_km} km"]


def rule_weekly_increase(plan: Plan, req: PlanRequest) -> list[str]:
    """No week over 1.10 x the highest earlier week + 1 km (race week included, race and all)."""
    found = []
    highest = plan["weeks"][0]["total_km"]
    for week in plan["weeks"][1:]:
        if week["total_km"] > 1.1 * highest + 1 + EPS:
            found.append(f"week {week['number']}: {week['total_km']} km after a high of {highest}")
        highest = max(highest, week["total_km"])
    return found


def rule_cutbacks(plan: Plan, req: PlanRequest) -> list[str]:
    """Cutbacks are lower weeks, at least every 4th week in 8+ week plans (before the taper),
    and there are never 5 non-decreasing weeks in a row before the taper."""
    weeks = plan["weeks"]
    found = [
        f"week {b['number']} flagged cutback but not lower than week {a['number']}"
        for a, b in pairwise(weeks)
        if b.get("cutback") and b["total_km"] >= a["total_km"]
    ]
    if weeks[0].get("cutback"):
        found.append("week 1 cannot be a cutback")
    if len(weeks) < 8:
        return found
    build_up = [week for week in weeks if week["phase"] in ("base", "build", "peak")]
    without = 0
    for week in build_up:
        without = 0 if week.get("cutback") else without + 1
        if without >= 4:
            found.append(f"week {week['number']}: 4 weeks without a cutback")
    rising = 1
    for a, b in pairwise(build_up):
        rising = rising + 1 if b["total_km"] >= a["total_km"] else 1
        if rising >= 5:
            found.append(f"week {b['number']}: 5 non-decreasing weeks in a row")
    return found


def rule_taper(plan: Plan, req: PlanRequest) -> list[str]:
    """Race week (race excluded) <= 65% of peak; half/marathon reduce the week before too, the
    marathon to <= 85% of peak."""
    weeks = plan["weeks"]
    peak = max(training_km(week) for week in weeks)
    found = []
    if training_km(weeks[-1]) > 0.65 * peak + EPS:
        found.append(f"race week {training_km(weeks[-1]):.1f} km is over 65% of peak {peak}")
    before = weeks[-2]["total_km"] if len(weeks) > 1 else 0.0
    if req.race in ("half", "marathon") and before >= peak - EPS:
        found.append(f"week before race week ({before} km) is not reduced from peak {peak}")
    if req.race == "marathon" and before > 0.85 * peak + EPS:
        found.append(f"week before race week ({before} km) is over 85% of peak {peak}")
    return found


def long_runs(plan: Plan) -> list[tuple[Week, Day]]:
    return [(week, day) for week, day in all_days(plan) if day["kind"] == "long"]


def rule_long_run_share(plan: Plan, req: PlanRequest) -> list[str]:
    """Long run <= 50% of the week with <= 3 runs, 42% with 4, 36% with 5+ (race week exempt:
    it has no long run); one long run a week, and none of the week's runs is longer."""
    found = []
    for week in plan["weeks"]:
        if is_race_week(week):
            continue
        longs = [day for day in week["days"] if day["kind"] == "long"]
        runs = [day for day in week["days"] if is_run(day)]
        if len(longs) != 1:
            found.append(f"week {week['number']}: {len(longs)} long runs")
            continue
        long = longs[0]["distance_km"]
        cap = share_cap(len(runs))
        if long > cap * week["total_km"] + EPS:
            found.append(f"week {week['number']}: long run {long} km over {cap:.0%} of the week")
        if any(day["distance_km"] > long + EPS for day in runs):
            found.append(f"week {week['number']}: a run is longer than the long run")
    return found


def rule_long_run_caps(plan: Plan, req: PlanRequest) -> list[str]:
    cap = LONG_RUN_CAP_KM[req.race]
    return [
        f"{day['date']}: long run {day['distance_km']} km over the {req.race} cap of {cap} km"
        for _, day in long_runs(plan)
        if day["distance_km"] > cap + EPS
    ]


def rule_long_run_minimum(plan: Plan, req: PlanRequest) -> list[str]:
    """12+ week half/marathon plans from 30+ km a week build the long run to 16 / 28 km."""
    minimum = LONG_RUN_MINIMUM_KM.get(req.race)
    if minimum is None or req.weeks < 12 or req.weekly_km < 30:
        return []
    longest = max((day["distance_km"] for _, day in long_runs(plan)), default=0.0)
    return [] if longest >= minimum - EPS else [f"longest long run {longest} km < {minimum} km"]


def rule_single_run_spike(plan: Plan, req: PlanRequest) -> list[str]:
    """No run over 1.10 x the longest run of the previous 30 days + 0.5 km, from week 2 on (and
    in week 1 too when the runner's longest recent run is known); the race is exempt."""
    start = req.start
    days = [day for _, day in all_days(plan)]
    found = []
    for index, day in enumerate(days):
        if not is_run(day) or day["kind"] == "race":
            continue
        window = [d["distance_km"] for d in days[max(0, index - 30) : index] if is_run(d)]
        if index - 30 < 0 and req.longest_run_km is not None:
            window.append(req.longest_run_km)
        if index < 7 and req.longest_run_km is None:
            continue
        limit = 1.1 * max(window, default=0.0) + 0.5
        if day["distance_km"] > limit + EPS:
            found.append(
                f"{day['date']}: {day['distance_km']} km over {limit:.2f} km "
                f"(day {(date.fromisoformat(day['date']) - start).days + 1})"
            )
    return found


# ---- quality and hard days ------------------------------------------------------------------


def quality_days(week: Week) -> list[Day]:
    return [day for day in week["days"] if day["kind"] in QUALITY_KINDS]


def rule_quality_share(plan: Plan, req: PlanRequest) -> list[str]:
    """Quality-pace km at most 30% of the week."""
    found = []
    for week in plan["weeks"]:
        quality = sum(day.get("quality_km") or 0.0 for day in quality_days(week))
        if quality > 0.3 * week["total_km"] + EPS:
            found.append(f"week {week['number']}: {quality} quality km of {week['total_km']}")
    return found


def rule_quality_count(plan: Plan, req: PlanRequest) -> list[str]:
    return [
        f"week {week['number']}: {len(quality_days(week))} quality sessions"
        for week in plan["weeks"]
        if len(quality_days(week)) > 2
    ]


def rule_hard_days(plan: Plan, req: PlanRequest) -> list[str]:
    """No two hard days in a row, across week boundaries too."""
    days = [day for _, day in all_days(plan)]
    return [
        f"{a['date']} {a['kind']} then {b['date']} {b['kind']}"
        for a, b in pairwise(days)
        if a["kind"] in HARD_KINDS and b["kind"] in HARD_KINDS
    ]


def rule_session_caps(plan: Plan, req: PlanRequest) -> list[str]:
    """Daniels' per-session caps on quality km, with their floors."""
    found = []
    for week in plan["weeks"]:
        for day in quality_days(week):
            share, ceiling, floor = SESSION_CAPS[day["kind"]]
            cap = max(floor, min(ceiling, share * week["total_km"]))
            if (day.get("quality_km") or 0.0) > cap + EPS:
                found.append(f"{day['date']}: {day['kind']} {day['quality_km']} km over {cap:.2f}")
    return found


# ---- the runner's week ----------------------------------------------------------------------


def rule_runs_per_week(plan: Plan, req: PlanRequest) -> list[str]:
    """Exactly the requested runs each week; race week may have fewer, never more."""
    found = []
    for week in plan["weeks"]:
        runs = sum(is_run(day) for day in week["days"])
        if runs > req.days_per_week or (runs != req.days_per_week and not is_race_week(week)):
            found.append(f"week {week['number']}: {runs} runs for {req.days_per_week} days")
    return found


def rule_long_run_day(plan: Plan, req: PlanRequest) -> list[str]:
    want = WEEKDAYS.index(req.long_run_day)
    return [
        f"{day['date']}: long run is not on {req.long_run_day}"
        for week, day in long_runs(plan)
        if date.fromisoformat(day["date"]).weekday() != want
    ]


def rule_rest_spread(plan: Plan, req: PlanRequest) -> list[str]:
    """Rest days as spread as the runs allow (race week exempt): with d runs, no more than
    ceil((7 - d) / d) rest days together, counted round the week."""
    allowed = math.ceil((7 - req.days_per_week) / req.days_per_week)
    found = []
    for week in plan["weeks"]:
        if is_race_week(week):
            continue
        flags = [not is_run(day) for day in week["days"]] * 2
        longest = current = 0
        for rest in flags:
            current = current + 1 if rest else 0
            longest = max(longest, current)
        if longest > allowed:
            found.append(f"week {week['number']}: {longest} rest days in a row")
    return found


# ---- paces ----------------------------------------------------------------------------------


def rule_paces(plan: Plan, req: PlanRequest) -> list[str]:
    """All five zones; T, I and M midpoints within 3% of Daniels for the plan's VDOT; each day's
    band in its zone; a recent race gives its VDOT and a prediction, no race an honest estimate."""
    athlete, race = plan["athlete"], plan["race"]
    vdot = athlete["vdot"]
    zones = plan["paces_s_per_km"]
    found = []
    if set(zones) != set(science.ZONES):
        return [f"pace zones {sorted(zones)}"]
    if vdot is None:
        return ["no VDOT: the paces come from nowhere"]
    science_paces = science.training_paces(vdot)
    exact = {
        "threshold": science.pace_at_fraction(vdot, science.THRESHOLD_FRACTION),
        "interval": science.pace_at_fraction(vdot, science.INTERVAL_FRACTION),
        "marathon": science.marathon_pace(vdot),
    }
    for zone, value in exact.items():
        middle = sum(zones[zone]) / 2
        if abs(middle - value) > 0.03 * value:
            found.append(f"{zone} midpoint {middle} is not within 3% of {value:.1f}")
    easy = zones["easy"]
    if any(abs(a - b) > 0.03 * b for a, b in zip(easy, science_paces["easy"], strict=True)):
        found.append(f"easy zone {easy} is not Daniels' {science_paces['easy']}")
    for _, day in all_days(plan):
        pace = day.get("pace_s_per_km")
        if not pace or day["kind"] == "race":
            continue
        day_zone = ZONE_OF_KIND.get(day["kind"])
        if day_zone:
            middle = sum(pace) / 2
            if abs(middle - exact[day_zone]) > 0.03 * exact[day_zone]:
                found.append(f"{day['date']}: {day['kind']} pace {pace} off {day_zone}")
        elif day["kind"] in ("easy", "long", "recovery") and (
            pace[0] < easy[0] or pace[1] > easy[1]
        ):
            found.append(f"{day['date']}: {day['kind']} pace {pace} outside easy {easy}")
    if req.recent_race is not None:
        real = science.vdot_from_race(req.recent_race.distance_km, req.recent_race.time_s)
        real -= req.vdot_ease  # paces eased after sessions reported too hard
        predicted = science.predict_race_time(real, RACE_DISTANCE_KM[req.race])
        if athlete["vdot_source"] != "recent_race" or abs(vdot - real) > 0.051:
            found.append(f"VDOT {vdot} ({athlete['vdot_source']}) for a race giving {real:.2f}")
        if race["predicted_time_s"] is None or abs(race["predicted_time_s"] - predicted) > 2:
            found.append(f"predicted {race['predicted_time_s']} s, science says {predicted:.0f}")
    elif athlete["vdot_source"] != "estimate" or race["predicted_time_s"] is not None:
        found.append("without a recent race, VDOT is an estimate and nothing is predicted")
    return found


RULES: tuple[Rule, ...] = (
    rule_schema,
    rule_calendar,
    rule_phases,
    rule_distances,
    rule_day_fields,
    rule_week_one_volume,
    rule_weekly_increase,
    rule_cutbacks,
    rule_taper,
    rule_long_run_share,
    rule_long_run_caps,
    rule_long_run_minimum,
    rule_single_run_spike,
    rule_quality_share,
    rule_quality_count,
    rule_hard_days,
    rule_session_caps,
    rule_runs_per_week,
    rule_long_run_day,
    rule_rest_spread,
    rule_paces,
)


def violations(plan: Plan, req: PlanRequest) -> list[str]:
    """Every broken rule, each prefixed with the rule's name; empty for a sound plan."""
    return [f"{rule.__name__}: {problem}" for rule in RULES for problem in rule(plan, req)]
