"""Answers to questions about the runner's own plan, from the stored plan alone (pure).

Every reply names the day it is about ("Thursday 17 Dec: ..."), in the runner's units, so a
misread day is obvious. Without a plan, before it starts and after the race, the reply says so
and what to do, rather than answering from someone else's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.plan_questions import KIND_OF_ZONE as _KIND_OF_ZONE
from bot.core.plan_questions import Condition, PlanQuestion
from bot.core.when import Days, week_of
from bot.plans import render, science
from bot.plans.model import (
    HARD_KINDS,
    QUALITY_KINDS,
    RACE_LABEL,
    Day,
    Plan,
    Units,
    Week,
    days_of,
    plan_start,
    race_day,
)
from bot.plans.workouts import describe_day

NO_PLAN = (
    "You have no plan yet, so nothing is scheduled{when}. Build one with /plan 10k 8weeks "
    "(or /plan half 12w 4days)."
)
ZONE_LABEL = {
    "easy": "easy",
    "long": "long-run (easy)",
    "recovery": "recovery",
    "marathon": "marathon",
    "threshold": "threshold (tempo)",
    "interval": "interval (VO2max)",
    "repetition": "repetition",
    "race": "race",
}
_KIND_NAME = {
    "tempo": "tempo run",
    "interval": "interval session",
    "repetition": "repetition session",
    "marathon_pace": "marathon pace run",
    "long": "long run",
    "easy": "easy run",
    "recovery": "recovery run",
    "race": "race",
}
_ADVICE: dict[Condition, str] = {
    "missed": (
        "Don't make up a missed run: one missed run changes nothing, and cramming it into another "
        "day only piles on fatigue. Carry on with the plan as written."
    ),
    "tired": (
        "A bit tired is normal in training: start easy, and if you still feel flat after 10 "
        "minutes, cut it short or make it an easy run. If you're exhausted or slept badly, rest: "
        "one missed run changes nothing, and I won't cram it into later days."
    ),
    "sore": (
        "General muscle soreness (both legs, dull, easing as you warm up) is fine for an easy run; "
        "swap a hard session for easy running or rest. Pain in one spot that gets worse as you run "
        "is different: don't run through it."
    ),
    "pain": (
        "Don't run through pain: pain in one spot, sharp pain, or pain that changes how you run "
        "means rest today. If it still hurts after a few days of rest, see a physio or doctor."
    ),
    "ill": (
        "Use the neck check: with a mild head cold (runny nose, sneezing) an easy, shorter run is "
        "usually fine; with fever, body aches, chest symptoms or a stomach bug, rest until you've "
        "been symptom-free for a day or two, and ease back in."
    ),
    "busy": (
        "Short on time: a shorter version beats nothing (20-30 minutes easy), or skip it. Don't "
        "squeeze the missed run into another day; the plan carries on as written."
    ),
    "weather": (
        "In bad weather, run by effort rather than pace, take a safer or shorter route, or move "
        "indoors (treadmill); with lightning, ice or smoke, skip it."
    ),
    "none": (
        "If you feel fine, yes: run it as planned. If you feel run down, run easy or skip it: one "
        "missed run changes nothing."
    ),
}
_CHECK_IN = {
    "missed": "Tap Skipped (or send /skip with the day) so the plan knows.",
    "tired": "If you skip it, tap Skipped (or send /skip) so the plan knows.",
    "sore": "If you run with a niggle, log it with /niggle so the next runs ease off.",
    "pain": "Log it with /niggle so the next runs ease off, or /skip if you rest.",
    "ill": "Send /sick if you're ill: the plan pauses and brings you back gradually.",
    "busy": "If you skip it, tap Skipped (or send /skip).",
    "weather": "If you skip it, tap Skipped (or send /skip).",
    "none": "Afterwards, tap Done (or send /done) to log it.",
}


@dataclass(frozen=True)
class PlanView:
    """What the coach holds about the runner when they ask: their plan, units and local date."""

    plan: Plan | None
    units: Units
    today: date


@dataclass(frozen=True)
class PlanReply:
    text: str
    check_in_day: date | None = None  # offer the one-tap check-in buttons for this day


def answer(question: PlanQuestion, view: PlanView) -> PlanReply:
    """The reply to a completed plan question (``question.subject`` set)."""
    units = question.units or view.units
    plan = view.plan
    if plan is None:
        return PlanReply(_no_plan(question, view.today))
    if question.subject == "should_run":
        return _should_run(plan, question, view.today, units)
    answer_of = _ANSWERS.get(question.subject or "workout", _ANSWERS["workout"])
    return PlanReply(answer_of(plan, question, view.today, units))


# ---- days -------------------------------------------------------------------------------------


def _label(day: date, today: date) -> str:
    named = f"{day:%A %d %b}"
    if day == today:
        return f"Today, {named}"
    if day == today + timedelta(days=1):
        return f"Tomorrow, {named}"
    if day == today - timedelta(days=1):
        return f"Yesterday, {named}"
    return named


def _outside(plan: Plan, day: date) -> str | None:
    """Why ``day`` has no workout in the plan, or None when it is inside it."""
    if day < plan_start(plan):
        return f"your plan starts {plan_start(plan):%A %d %b}"
    if day > race_day(plan):
        return (
            f"your plan ended with the race on {race_day(plan):%A %d %b}: send /plan to build "
            "the next one"
        )
    return None


def _day_line(plan: Plan, day: date, today: date, units: Units, *, details: bool) -> str:
    outside = _outside(plan, day)
    if outside:
        return f"{_label(day, today)}: nothing planned, {outside}."
    entry = days_of(plan)[day.isoformat()]
    if entry["kind"] == "rest":
        return f"{_label(day, today)}: rest day, no run planned."
    line = f"{_label(day, today)}: {describe_day(entry, units)}."
    if details and entry.get("details"):
        line += f" {entry['details']}"
    return line


def _workouts(plan: Plan, days: Days | None, today: date, units: Units) -> str:
    days = days or Days((today,), "today")
    if days.whole_week:
        week = _plan_week(plan, days.dates[0])
        if week is not None:
            return render.week_text(plan, week["number"], units)
    if len(days.dates) == 1:
        line = _day_line(plan, days.dates[0], today, units, details=True)
        if days.dates[0] == today and today < plan_start(plan):
            line += " " + _first_workout(plan, today, units)
        return line
    return "\n".join(_day_line(plan, d, today, units, details=False) for d in days.dates)


def _first_workout(plan: Plan, today: date, units: Units) -> str:
    first = next(d for w in plan["weeks"] for d in w["days"] if d["kind"] != "rest")
    when = _label(date.fromisoformat(first["date"]), today)
    return f"Your first workout: {when}, {describe_day(first, units)}."


def _plan_week(plan: Plan, day: date) -> Week | None:
    index = (day - plan_start(plan)).days // 7
    return plan["weeks"][index] if 0 <= index < len(plan["weeks"]) else None


def _week_span(week: Week) -> str:
    first = date.fromisoformat(week["days"][0]["date"])
    last = date.fromisoformat(week["days"][-1]["date"])
    return f"{first:%a %d %b} to {last:%a %d %b}"


# ---- subjects ---------------------------------------------------------------------------------


def _long(plan: Plan, days: Days | None, today: date, units: Units) -> str:
    if days is not None and len(days.dates) == 1 and not days.whole_week:
        asked = days.dates[0]
        outside = _outside(plan, asked)
        if outside:
            return f"{_label(asked, today)}: nothing planned, {outside}."
        entry = days_of(plan)[asked.isoformat()]
        if entry["kind"] in ("long", "race"):
            return _day_line(plan, asked, today, units, details=True)
        anchor = asked
        what = "a rest day" if entry["kind"] == "rest" else "not your long run"
        lead = f"{_label(asked, today)} is {what}. "
    else:
        anchor = days.dates[0] if days else today
        lead = ""
    week = _plan_week(plan, anchor)
    if week is None:
        outside = _outside(plan, anchor) or "that is outside your plan"
        return lead + outside[:1].upper() + outside[1:] + "."
    if days is None:
        upcoming = [
            d for d in week["days"] if d["kind"] == "long" and d["date"] >= today.isoformat()
        ]
        if not upcoming and week["number"] < len(plan["weeks"]):
            week = plan["weeks"][week["number"]]
    long_days = [d for d in week["days"] if d["kind"] == "long"]
    if not long_days:
        race = [d for d in week["days"] if d["kind"] == "race"]
        if race:
            race_line = _day_line(
                plan, date.fromisoformat(race[0]["date"]), today, units, details=False
            )
            return f"{lead}No long run in race week: {race_line}"
        return lead + f"Week {week['number']} ({_week_span(week)}) has no long run."
    day = long_days[0]
    when = _label(date.fromisoformat(day["date"]), today)
    return (
        lead
        + (
            f"Your long run in week {week['number']}: {when}, {describe_day(day, units)}. "
            f"{day.get('details', '')}"
        ).strip()
    )


def _total(plan: Plan, days: Days | None, today: date, units: Units) -> str:
    anchor = days.dates[0] if days else today
    week = _plan_week(plan, anchor)
    if week is None:
        outside = _outside(plan, anchor) or "that is outside your plan"
        return outside[:1].upper() + outside[1:] + "."
    runs = [d for d in week["days"] if d["kind"] != "rest"]
    longest = max((d["distance_km"] for d in runs), default=0.0)
    cutback = (
        " It's a cutback week, lighter on purpose so you absorb the training."
        if week.get("cutback")
        else ""
    )
    return (
        f"Week {week['number']} of {len(plan['weeks'])} ({_week_span(week)}, {week['phase']}): "
        f"{science.format_distance(week['total_km'], units)} in {len(runs)} run"
        f"{'s' * (len(runs) != 1)}, the longest {science.format_distance(longest, units)}.{cutback}"
    )


def _phase(plan: Plan, days: Days | None, today: date, units: Units) -> str:
    """Where the runner is in the plan: this week's phase and cutback, and when the next
    cutback and the taper come."""
    anchor = days.dates[0] if days else today
    week = _plan_week(plan, anchor)
    if week is None:
        outside = _outside(plan, anchor) or "that is outside your plan"
        return outside[:1].upper() + outside[1:] + "."
    cutback = ", a cutback week (lighter on purpose)" if week.get("cutback") else ""
    lines = [
        f"Week {week['number']} of {len(plan['weeks'])} ({_week_span(week)}) is a "
        f"{week['phase']} week{cutback}: {science.format_distance(week['total_km'], units)}."
    ]
    later = plan["weeks"][week["number"] :]
    cutbacks = [w for w in later if w.get("cutback")]
    if cutbacks and not week.get("cutback"):
        lines.append(f"Next cutback: week {cutbacks[0]['number']} ({_week_span(cutbacks[0])}).")
    taper = next((w for w in plan["weeks"] if w["phase"] == "taper"), None)
    if taper is not None and taper["number"] >= week["number"] and week["phase"] != "taper":
        lines.append(
            f"Your taper starts in week {taper['number']} ({_week_span(taper)}), cutting "
            "volume so you arrive at the race fresh."
        )
    elif week["phase"] in ("taper", "race"):
        lines.append("You're tapering: less volume, a little quality, and rest before the race.")
    return " ".join(lines)


_PHASE_REASON = {
    "base": "a base week builds easy volume before harder training, so quality is short",
    "build": "a build week adds race-specific quality on top of the base",
    "peak": "a peak week holds your highest training load",
    "taper": "a taper week cuts volume so you arrive at the race fresh",
    "race": "race week keeps you sharp with a few short runs",
}


def _why(plan: Plan, question: PlanQuestion, today: date, units: Units) -> str:
    """'why is sunday only 6.9k?', 'how come no intervals till week 4?': the plan's own rules
    for that week (its phase, a cutback, the taper), with its numbers against the week before."""
    anchor = question.days.dates[0] if question.days else today
    week = _plan_week(plan, anchor)
    if week is None:
        outside = _outside(plan, anchor) or "that is outside your plan"
        return outside[:1].upper() + outside[1:] + "."
    lines = [f"Week {week['number']} is a {week['phase']} week: {_PHASE_REASON[week['phase']]}."]
    before = plan["weeks"][week["number"] - 2] if week["number"] > 1 else None
    if week.get("cutback"):
        lines.append(
            "It's also a cutback week, lighter on purpose so your body absorbs the training"
            + (
                f": {science.format_distance(week['total_km'], units)} against "
                f"{science.format_distance(before['total_km'], units)} the week before."
                if before
                else "."
            )
        )
    kind = _KIND_OF_ZONE.get(question.zone or "")
    if kind in QUALITY_KINDS:
        first = next((w for w in plan["weeks"] for d in w["days"] if d["kind"] == kind), None)
        if first is not None:
            lines.append(
                f"Your first {_KIND_NAME[kind]} comes in week {first['number']} "
                f"({_week_span(first)}): harder sessions come once the base is built."
            )
    long_days = [d for d in week["days"] if d["kind"] == "long"]
    if long_days and before is not None:
        before_long = [d for d in before["days"] if d["kind"] == "long"]
        if before_long:
            lines.append(
                f"Long run: {science.format_distance(long_days[0]['distance_km'], units)} this "
                f"week, {science.format_distance(before_long[0]['distance_km'], units)} the week "
                "before."
            )
    if week["phase"] in ("taper", "race"):
        peak = max(plan["weeks"], key=lambda w: w["total_km"])
        lines.append(
            f"Your peak was week {peak['number']} "
            f"({science.format_distance(peak['total_km'], units)}); now you cut back to race fresh."
        )
    return " ".join(lines)


def _compare(plan: Plan, days: Days | None, today: date, units: Units) -> str:
    """'is next week harder than this one?': the asked week against the week before it (or
    this week), by volume and long run."""
    asked = _plan_week(plan, days.dates[0] if days else today)
    this = _plan_week(plan, today)
    if asked is None:
        return "That week is outside your plan."
    other = this if this is not None and this is not asked else None
    if other is None:
        index = asked["number"] - 2
        other = plan["weeks"][index] if index >= 0 else None
    if other is None:
        return _total(plan, days, today, units)

    def described(week: Week) -> str:
        longest = max((d["distance_km"] for d in week["days"] if d["kind"] != "rest"), default=0.0)
        quality = sum(1 for d in week["days"] if d["kind"] in HARD_KINDS - {"long"})
        return (
            f"week {week['number']} ({_week_span(week)}): "
            f"{science.format_distance(week['total_km'], units)}, longest run "
            f"{science.format_distance(longest, units)}, {quality} quality session"
            f"{'s' * (quality != 1)}"
        )

    change = asked["total_km"] - other["total_km"]
    verdict = (
        "about the same volume"
        if abs(change) < 1
        else f"{science.format_distance(abs(change), units)} {'more' if change > 0 else 'less'}"
    )
    return (
        f"{described(asked)[:1].upper()}{described(asked)[1:]}; {described(other)}. That is "
        f"{verdict} than week {other['number']}."
    )


def _duration(plan: Plan, days: Days | None, today: date, units: Units) -> str:
    """'how long will sunday take me?': the distance at the planned pace range, in minutes."""
    day = days.dates[0] if days else today
    outside = _outside(plan, day)
    if outside:
        return f"{_label(day, today)}: nothing planned, {outside}."
    entry = days_of(plan)[day.isoformat()]
    if entry["kind"] == "rest":
        return f"{_label(day, today)} is a rest day: no run planned."
    pace = entry.get("pace_s_per_km")
    easy = plan["paces_s_per_km"]["easy"]
    fast, slow = (
        (pace[0], pace[1]) if pace and entry["kind"] in ("easy", "long", "recovery") else easy
    )
    low, high = (round(entry["distance_km"] * p / 60) for p in (fast, slow))
    note = (
        ""
        if entry["kind"] in ("easy", "long", "recovery")
        else " (easy pace for the whole run; the fast parts make it a little shorter)"
    )
    return (
        f"{_label(day, today)}: {describe_day(entry, units)}. At that pace it takes about "
        f"{low}-{high} minutes{note}."
    )


def _race(plan: Plan, today: date, units: Units) -> str:
    race = race_day(plan)
    label = RACE_LABEL[plan["race"]["name"]]
    if today > race:
        return (
            f"Your {label} was on {race:%A %d %B %Y}, so this plan is finished. Send /plan to "
            "build the next one."
        )
    left = (race - today).days
    weeks, days = divmod(left, 7)
    parts = [f"{weeks} week{'s' * (weeks != 1)}"] if weeks else []
    if days or not weeks:
        parts.append(f"{days} day{'s' * (days != 1)}")
    away = "today!" if left == 0 else f"{' and '.join(parts)} from today ({left} days)."
    week = _plan_week(plan, today)
    where = (
        f" You're in week {week['number']} of {len(plan['weeks'])} ({week['phase']})."
        if week is not None
        else f" Your plan starts {plan_start(plan):%A %d %b}."
    )
    race_line = describe_day(days_of(plan)[race.isoformat()], units)
    return (
        f"Your {label} is on {race:%A %d %B %Y}: {away}{where} {race_line}. "
        f"{_prediction(plan, units)}"
    )


def _prediction(plan: Plan, units: Units) -> str:
    predicted = plan["race"].get("predicted_time_s")
    athlete = plan["athlete"]
    label = RACE_LABEL[plan["race"]["name"]]
    if predicted is None or athlete.get("vdot_source") != "recent_race":
        race_day_pace = days_of(plan)[plan["race"]["date"]].get("pace_s_per_km")
        start = (
            f" Your plan's race pace is an estimate: start at about "
            f"{science.format_pace(race_day_pace[0], units)} and run by feel."
            if race_day_pace
            else ""
        )
        return (
            f"I can't predict your {label} time yet: your paces are estimates from your weekly "
            f"volume.{start} Add a recent race result (e.g. /profile race=10k=50:00), then /plan "
            "again, for a prediction and exact paces."
        )
    pace = predicted / plan["race"]["distance_km"]
    return (
        f"Predicted {label} finish: {science.format_clock(predicted)}, about "
        f"{science.format_pace(pace, units)} (VDOT {athlete['vdot']:g}, from your recent race)."
    )


def _paces(plan: Plan, zone: str | None, units: Units) -> str:
    paces = plan["paces_s_per_km"]
    athlete = plan["athlete"]
    basis = (
        f"VDOT {athlete['vdot']:g}, from your recent race"
        if athlete.get("vdot_source") == "recent_race"
        else "estimated from your weekly volume: run by effort, and add a recent race for exact "
        "paces"
    )
    if zone == "race":
        return _prediction(plan, units)
    if zone in ("long", "recovery"):
        easy = science.format_pace_range(paces["easy"], units)
        if zone == "long":
            return f"Your long runs are at easy pace: {easy} ({basis}); keep them conversational."
        return (
            f"Recovery runs go at the slow end of your easy pace or slower: around "
            f"{science.format_pace(paces['easy'][1], units)} ({basis})."
        )
    if zone in paces:
        shown = science.format_pace_range(paces[zone], units)
        return f"Your {ZONE_LABEL[zone]} pace: {shown} ({basis})."
    lines = [f"Your training paces ({basis}):"]
    lines += [
        f"- {ZONE_LABEL.get(name, name)}: {science.format_pace_range(pace, units)}"
        for name, pace in paces.items()
    ]
    return "\n".join(lines)


def _next_run(plan: Plan, today: date, units: Units) -> str:
    """'done today's reps, what's next?': the first run after today."""
    for week in plan["weeks"]:
        for day in week["days"]:
            if day["kind"] != "rest" and day["date"] > today.isoformat():
                return _day_line(plan, date.fromisoformat(day["date"]), today, units, details=True)
    return f"That was the last run before the race: {_race(plan, today, units)}"


def _biggest(plan: Plan, today: date, units: Units) -> str:
    """The plan's peak: its biggest week and its longest run, and whether that is now."""
    peak = max(plan["weeks"], key=lambda w: w["total_km"])
    runs = [d for w in plan["weeks"] for d in w["days"] if d["kind"] not in ("rest", "race")]
    longest = max(runs, key=lambda d: d["distance_km"])
    this = _plan_week(plan, today)
    now = " That's this week." if this is not None and this["number"] == peak["number"] else ""
    return (
        f"Your biggest week is week {peak['number']} ({_week_span(peak)}): "
        f"{science.format_distance(peak['total_km'], units)}.{now} Your longest run is "
        f"{date.fromisoformat(longest['date']):%A %d %b}: {describe_day(longest, units)}."
    )


def _next_of_kind(plan: Plan, zone: str, today: date, units: Units) -> str:
    if zone == "rest":
        for week in plan["weeks"]:
            for day in week["days"]:
                if day["kind"] == "rest" and day["date"] > today.isoformat():
                    return (
                        f"Your next rest day is {_label(date.fromisoformat(day['date']), today)}."
                    )
        return "There are no rest days left before the race."
    kind = _KIND_OF_ZONE.get(zone, "easy")
    for week in plan["weeks"]:
        for day in week["days"]:
            if day["kind"] == kind and day["date"] >= today.isoformat():
                return _day_line(plan, date.fromisoformat(day["date"]), today, units, details=True)
    return f"There's no {_KIND_NAME[kind]} left in your plan. {_paces(plan, zone, units)}"


def _should_run(plan: Plan, question: PlanQuestion, today: date, units: Units) -> PlanReply:
    if question.days is not None and question.days.whole_week:
        return PlanReply(_workouts(plan, question.days, today, units))
    day = question.days.dates[0] if question.days else today
    condition = question.condition or "none"
    outside = _outside(plan, day)
    if outside:
        return PlanReply(f"{_label(day, today)}: nothing planned, {outside}.")
    entry = days_of(plan)[day.isoformat()]
    if entry["kind"] == "rest":
        rest = f"{_label(day, today)} is a rest day in your plan: no run needed, enjoy it."
        return PlanReply(f"{rest} {_ADVICE['missed']}" if condition == "missed" else rest)
    workout = f"{_label(day, today)}: {describe_day(entry, units)}."
    if condition in ("ill", "pain"):
        # Advice first, and no distances to tempt a runner who should not run at all.
        return PlanReply(
            f"{_ADVICE[condition]} {_CHECK_IN[condition]} Your plan had "
            f"{_KIND_NAME.get(entry['kind'], 'a run')} planned for {_label(day, today)}: "
            "it can wait.",
            check_in_day=day,
        )
    advice = _ADVICE[condition]
    if condition in ("tired", "sore", "busy") and entry["kind"] in HARD_KINDS - {"race"}:
        name = _KIND_NAME.get(entry["kind"], "session")
        advice += f" A hard day ({name}) is the one to drop or make easy first."
    return PlanReply(f"{workout}\n{advice} {_CHECK_IN[condition]}", check_in_day=day)


def _move(plan: Plan, question: PlanQuestion, today: date, units: Units) -> str:
    """Checked against the rule that matters most for a swap: never two hard days in a row."""
    assert question.moved_to is not None
    target = question.moved_to.dates[0]
    source = _source_day(plan, question, target)
    if source is None:
        outside = _outside(plan, target)
        if outside:  # "my long run to saturday", a Saturday before the plan
            return f"{target:%A %d %b} is outside your plan: {outside}."
        return (
            f"Which workout do you want to move to {target:%A %d %b}? E.g. 'move thursday's run "
            f"to {target:%A}'."
        )
    for day in (source, target):
        outside = _outside(plan, day)
        if outside:
            return f"{day:%A %d %b} is outside your plan: {outside}."
    all_days = days_of(plan)
    moving = all_days[source.isoformat()]
    if moving["kind"] == "rest":
        return f"{source:%A %d %b} is already a rest day in your plan: nothing to move."
    if source == target:
        return f"That workout is already on {target:%A %d %b}: {describe_day(moving, units)}."
    there = all_days[target.isoformat()]
    kinds = {d: all_days[d.isoformat()]["kind"] for d in _around(all_days, source, target)}
    kinds[target], kinds[source] = moving["kind"], there["kind"]
    clash = _hard_neighbour(kinds, target) if moving["kind"] in HARD_KINDS else None
    clash = clash or (_hard_neighbour(kinds, source) if there["kind"] in HARD_KINDS else None)
    what = f"{source:%A}'s {describe_day(moving, units)}"
    if clash is not None:
        first, second = (f"{d:%A}'s {_KIND_NAME.get(kinds[d], 'session')}" for d in clash)
        return (
            f"Better not: moving {what} to {target:%A %d %b} puts two hard days in a row "
            f"({first}, then {second}), and hard days need an easy day or rest between them. "
            + _alternative(all_days, source, moving, units)
        )
    swap = (
        f" {target:%A}'s {describe_day(there, units).lower()} moves to {source:%A}, or drop it."
        if there["kind"] != "rest"
        else f" {source:%A} becomes a rest day."
    )
    return (
        f"Yes, that works: {what} on {target:%A %d %b} still keeps an easy day or rest between "
        f"hard sessions.{swap} The plan itself stays as it is, so just run it on the new day."
    )


def _source_day(plan: Plan, question: PlanQuestion, target: date) -> date | None:
    if question.days is not None:
        return question.days.dates[0]
    kind = _KIND_OF_ZONE.get(question.zone or "")
    if kind is None:
        return None
    week = _plan_week(plan, target)
    found = [d for d in (week["days"] if week else []) if d["kind"] == kind]
    return date.fromisoformat(found[0]["date"]) if found else None


def _around(all_days: dict[str, Day], *centres: date) -> list[date]:
    return [
        d
        for centre in centres
        for d in (centre - timedelta(days=1), centre, centre + timedelta(days=1))
        if d.isoformat() in all_days
    ]


def _hard_neighbour(kinds: Mapping[date, str], day: date) -> tuple[date, date] | None:
    for other in (day - timedelta(days=1), day + timedelta(days=1)):
        if kinds.get(other) in HARD_KINDS:
            return (min(day, other), max(day, other))
    return None


def _alternative(all_days: dict[str, Day], source: date, moving: Day, units: Units) -> str:
    """A day in the same week where the hard workout fits, if any."""
    monday = week_of(source)[0]
    week = [monday + timedelta(days=i) for i in range(7)]
    for day in week:
        if day == source or day.isoformat() not in all_days:
            continue
        if all_days[day.isoformat()]["kind"] != "rest":
            continue
        kinds = {d: all_days[d.isoformat()]["kind"] for d in _around(all_days, day, source)}
        kinds[source], kinds[day] = "rest", moving["kind"]
        if _hard_neighbour(kinds, day) is None:
            return f"{day:%A %d %b} is free and keeps the hard days apart."
    return "Keep it where it is, or make it an easy run on the new day."


def _no_plan(question: PlanQuestion, today: date) -> str:
    if question.subject == "paces":
        return (
            "You have no plan yet, so I don't know your paces. Build one with /plan 10k 8weeks "
            "race=5k=25:00 (a recent race gives exact paces), or ask e.g. 'paces for a 50:00 10k'."
        )
    when = ""
    if question.days is not None and len(question.days.dates) == 1:
        when = f" for {question.days.dates[0]:%A %d %b}"
    return NO_PLAN.format(when=when)


# What answers each subject: one table, read by ``answer``.
_ANSWERS: dict[str, Callable[[Plan, PlanQuestion, date, Units], str]] = {
    "overview": lambda plan, q, today, units: render.overview_text(plan, units),
    "race": lambda plan, q, today, units: _race(plan, today, units),
    "prediction": lambda plan, q, today, units: _prediction(plan, units),
    "paces": lambda plan, q, today, units: _paces(plan, q.zone, units),
    "move": _move,
    "long": lambda plan, q, today, units: _long(plan, q.days, today, units),
    "total": lambda plan, q, today, units: _total(plan, q.days, today, units),
    "next": lambda plan, q, today, units: _next_run(plan, today, units),
    "biggest": lambda plan, q, today, units: _biggest(plan, today, units),
    "why": _why,
    "phase": lambda plan, q, today, units: _phase(plan, q.days, today, units),
    "compare": lambda plan, q, today, units: _compare(plan, q.days, today, units),
    "duration": lambda plan, q, today, units: _duration(plan, q.days, today, units),
    "first": lambda plan, q, today, units: _first_workout(plan, today, units),
    "kind": lambda plan, q, today, units: _next_of_kind(plan, q.zone or "easy", today, units),
    "workout": lambda plan, q, today, units: _workouts(plan, q.days, today, units),
}
