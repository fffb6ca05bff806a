"""Check-ins in chat: the one-tap answers a workout carries, what a typed answer means, and the
texts that explain how the plan changed (/plan diff, /why).

A button is only a rendering of a command with the day in it (``/skip 2026-12-03``), so a tap, a
typed command and a late answer for an earlier day all take the same path through the coach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core import parsing
from bot.core.errors import UserFacingError
from bot.core.messages import Action
from bot.core.red_flags import red_flags
from bot.plans.adapt import Status
from bot.plans.model import Plan, Units, days_of
from bot.plans.workouts import describe_day

COMMAND_STATUS: dict[str, Status] = {
    "done": "done",
    "skip": "skipped",
    "hard": "hard",
    "niggle": "niggle",
    "sick": "sick",
}
_LABELS = (("Done", "done"), ("Skipped", "skip"), ("Too hard", "hard"), ("Niggle", "niggle"))
LATE_DAYS = 14  # answers for older days no longer change the plan's future meaningfully
# What parse_checkin reads as a value rather than a note, after normalize_digits: anything in
# these shapes is parsed and refused if out of range.
_DATE_SHAPE = re.compile(r"[0-9]{2,4}-[0-9]{1,2}-[0-9]{1,2}", re.ASCII)
_EFFORT = re.compile(
    r"(?:effort|rpe)(?:[=:]|(?=[+-]?[0-9]))(?P<value>.*)|(?P<out_of_ten>.+)/10", re.ASCII
)
_NUMBER_SHAPE = re.compile(
    r"[+-]?[.,]?[0-9][0-9.,]*(?:e[+-]?[0-9]*)?\s*(?:km|k|mi|miles?)?", re.ASCII
)
_UNIT_WORDS = frozenset({"km", "k", "mi", "mile", "miles"})
_PHASE_WHY = {
    "base": "a base week builds easy volume before harder training",
    "build": "a build week adds race-specific quality on top of the base",
    "peak": "a peak week holds your highest training load",
    "taper": "a taper week cuts volume so you arrive at the race fresh",
    "race": "race week keeps you sharp with a few short runs",
}


@dataclass(frozen=True)
class ParsedCheckIn:
    day: date
    distance_km: float | None
    effort: int | None
    note: str


def actions_for(day: date) -> tuple[Action, ...]:
    """The one-tap answers to a day's run; sick also works on a rest day, so it is always there."""
    iso = day.isoformat()
    return (
        *(Action(label, f"/{name} {iso}") for label, name in _LABELS),
        Action("Sick", f"/sick {iso}"),
    )


def parse_checkin(args: str, today: date, units: Units) -> ParsedCheckIn:
    """'/done 2026-12-03 8.5km effort=6', '/done yesterday 5', '/niggle left calf tight'.

    The first words may be a day, a distance and an effort, in any order; whatever follows is a
    note (for /niggle and /sick, the words the red-flag check reads). A word shaped like one of
    those values but out of range ('-5km', '1e308km', 'effort=-1') is refused, never taken as
    the start of the note: the runner meant a number, and a note would log the run as if fine.
    """
    words = args.split()
    day, distance, effort = today, None, None
    while words:
        word = words[0].lower()
        digits = parsing.normalize_digits(word)
        if word in ("today", "yesterday"):
            day = today - timedelta(days=word == "yesterday")
        elif _DATE_SHAPE.fullmatch(digits):
            day = parsing.parse_iso_date(word)
        elif match := _EFFORT.fullmatch(digits):
            value = match["value"] if match["value"] is not None else match["out_of_ten"]
            effort = parsing.parse_effort(value)
        elif _NUMBER_SHAPE.fullmatch(digits) and distance is None:
            if len(words) > 1 and words[1].lower() in _UNIT_WORDS:  # '8 km'
                word += words.pop(1).lower()
            distance = round(parsing.parse_distance_km(word, units), 1)
        else:
            break
        words.pop(0)
    if day > today:
        raise UserFacingError(f"{day:%a %d %b} hasn't happened yet: check in on the day or after")
    if (today - day).days > LATE_DAYS:
        raise UserFacingError(
            f"that is more than {LATE_DAYS} days ago: check in for recent days only"
        )
    return ParsedCheckIn(day, distance, effort, " ".join(words))


def is_red_flag(note: str) -> bool:
    """Sharp or worsening pain, chest symptoms and the like stop the plan, whatever was tapped."""
    return bool(red_flags(note))


def diff_text(old: Plan, new: Plan, reason: str | None, version: int, units: Units) -> str:
    """What changed between two versions, day by day, most recent changes first in the week."""
    before, after = days_of(old), days_of(new)
    lines = [f"Version {version}: {reason or 'adapted'}."]
    changed = [
        (iso, before[iso], day)
        for iso, day in after.items()
        if iso in before
        and (before[iso]["kind"], before[iso]["distance_km"], before[iso].get("quality_km"))
        != (day["kind"], day["distance_km"], day.get("quality_km"))
    ]
    if not changed:
        lines.append("No workout changed; only paces or notes.")
    for iso, was, now in changed[:14]:
        when = date.fromisoformat(iso)
        lines.append(f"{when:%a %d %b}: {describe_day(was, units)} -> {describe_day(now, units)}")
    if len(changed) > 14:
        lines.append(f"... and {len(changed) - 14} more days: /week shows them.")
    return "\n".join(lines)


def why_text(plan: Plan, today: date, reason: str | None, version: int, units: Units) -> str:
    """Today's workout and the rule behind it: the plan's phase and, if adapted, the reason."""
    iso = today.isoformat()
    week = next((w for w in plan["weeks"] if any(d["date"] == iso for d in w["days"])), None)
    if week is None:
        raise UserFacingError("today is outside your plan: /plan shows its dates")
    day = days_of(plan)[iso]
    lines = [f"Today: {describe_day(day, units)}."]
    lines.append(f"Week {week['number']} is {_PHASE_WHY[week['phase']]}.")
    if week.get("cutback"):
        lines.append("It is a cutback week: about a quarter less volume so the last weeks sink in.")
    if day.get("details"):
        lines.append(day["details"])
    if version > 1 and reason:
        lines.append(f"Your plan was adapted (version {version}): {reason}.")
    return "\n".join(lines)
