"""Reading profile facts from what a runner writes: `weekly=30 days=4` or "I run 30 km a week".

Values go through the plan request checks, so a profile can never hold a number the plan engine
would refuse, and the refusal reads the same as it does for `/plan`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypedDict

from bot.core.errors import UserFacingError
from bot.core.ports import ProfileRecord
from bot.plans import request, science
from bot.plans.model import PlanRequestError, Units, Weekday

MAX_GOAL_CHARS = 200


class ProfileUpdate(TypedDict, total=False):
    """The ``ProfileRecord`` fields a message sets, each present only when it was named."""

    weekly_km: float
    days_per_week: int
    long_run_day: Weekday
    recent_race_km: float
    recent_race_s: float
    goal: str
    units: Units


_KEYS = {
    "weekly": "weekly_km",
    "weekly_km": "weekly_km",
    "weekly-km": "weekly_km",
    "km": "weekly_km",
    "volume": "weekly_km",
    "days": "days_per_week",
    "runs": "days_per_week",
    "long": "long_run_day",
    "long_run_day": "long_run_day",
    "long-run-day": "long_run_day",
    "race": "recent_race",
    "recent": "recent_race",
    "recent_race": "recent_race",
    "pb": "recent_race",
    "goal": "goal",
    "units": "units",
    "unit": "units",
}
_DISTANCE = r"(\d+(?:\.\d+)?)\s*(km|k|kms|kilometers|kilometres|mi|miles?)"
_WEEKLY = re.compile(
    _DISTANCE + r"\s*(?:(?:a|per|each|every|/)\s*(?:week|wk)|weekly)"
    r"|(?:a|per|each|every)\s+(?:week|wk)\W{0,3}(?:~|about|around|roughly)?\s*" + _DISTANCE,
    re.IGNORECASE,
)
_COUNT = r"(\d|two|three|four|five|six|seven)"
_DAYS = re.compile(
    _COUNT + r"\s*(?:(?:days|runs|times)(?:\s*(?:a|per|each|every|/)\s*week)?"
    r"|x\s*(?:a|per|each|every|/)\s*week)\b",
    re.IGNORECASE,
)
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_LONG_DAY = re.compile(
    r"long\s*runs?\s*(?:on|is on|are on)?\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*", re.IGNORECASE
)
_RACE_NAME = r"(5k|10k|half(?:[ -]marathon)?|marathon|hm|21k|42k|mile|3k|15k)"
_CLOCK = r"(\d+:\d{2}(?::\d{2})?)"
# "ran a 5k in 27:30", "my 5k is 27:30", "5k pb 27:30", "27:30 for the 5k": distance, then time.
_RACE = re.compile(
    r"(?:(?:ran|run|did|raced)\s+(?:a|an|the|my)?\s*|\bmy\s+)?\b"
    + _RACE_NAME
    + r"\s+(?:(?:pb|pr|best|personal best|time|race)\s+)?(?:is\s+|was\s+|of\s+|in\s+|at\s+|=\s*"
    r"|:\s*|-\s*)?" + _CLOCK + r"\b",
    re.IGNORECASE,
)
_RACE_TIME_FIRST = re.compile(
    r"\b(?:ran|did|raced|clocked|got|pb|pr|best)\s+(?:is\s+|was\s+|of\s+)?(?:a\s+|an\s+)?"
    + _CLOCK
    + r"\s+(?:(?:for|in)\s+(?:(?:a|an|the|my)\s+)?)?"
    + _RACE_NAME
    + r"\b",
    re.IGNORECASE,
)
# "miles please", "in miles", "I'm in the US", "use km": which units the runner reads.
_UNITS = re.compile(
    r"\b(?:(?:in|use|using|prefer|want|switch to|give me)\s+)?(miles|mi|km|kms|kilomet(?:er|re)s)"
    r"\s+(?:please|pls|plz|thanks|instead)\b|\b(?:use|using|prefer|switch to|switch me to"
    r"|everything in|always in|i think in|i run in)\s+(miles|km|kms|kilomet(?:er|re)s|metric"
    r"|imperial)\b|\b(?:i'm|im|i am)\s+(?:in|from)\s+the\s+"
    r"(us|usa|states)\b",
    re.IGNORECASE,
)
_GOAL = re.compile(r"(?:my\s+)?goal\s+is\s+(?:to\s+)?(.+?)(?:[.!]|$)", re.IGNORECASE)


def parse_profile_update(text: str) -> ProfileUpdate:
    """Profile fields named in ``text`` (key=value or plain words); refuses bad values."""
    fields: ProfileUpdate = {}
    rest: list[str] = []
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep:
            rest.append(token)
            continue
        name = _KEYS.get(key.lower())
        if name is None:
            raise UserFacingError(
                f"unknown profile field '{key}': use weekly, days, long, race or goal"
            )
        fields.update(_field(name, value))
    if rest:
        said = _plain_words(" ".join(rest))
        said.update(fields)  # a key=value beats the same fact in plain words
        return said
    return fields


def _field(name: str, value: str) -> ProfileUpdate:
    try:
        if name == "weekly_km":
            return {"weekly_km": request.parse_weekly_km(value)}
        if name == "days_per_week":
            return {"days_per_week": request.parse_days(value)}
        if name == "long_run_day":
            return {"long_run_day": request.parse_weekday(value)}
        if name == "recent_race":
            race = request.parse_recent_race(value)
            return {"recent_race_km": race.distance_km, "recent_race_s": race.time_s}
        if name == "units":
            return {"units": request.parse_units(value)}
    except PlanRequestError as err:
        raise UserFacingError(str(err)) from None
    return {"goal": _goal(value)}


def _goal(value: str) -> str:
    goal = value.replace("_", " ").strip()
    if not goal:
        raise UserFacingError("a goal needs some words, e.g. goal=finish_my_first_half")
    if len(goal) > MAX_GOAL_CHARS:
        raise UserFacingError(f"keep your goal under {MAX_GOAL_CHARS} characters")
    return goal


def _plain_words(text: str) -> ProfileUpdate:
    fields: ProfileUpdate = {}
    if match := _WEEKLY.search(text):
        number, unit = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        fields.update(_field("weekly_km", number + unit))
    if match := _DAYS.search(text):
        count = match.group(1).lower()
        fields.update(_field("days_per_week", str(_COUNT_WORDS.get(count, count))))
    if match := _LONG_DAY.search(text):
        fields.update(_field("long_run_day", match.group(1)))
    if match := _RACE.search(text):
        fields.update(_field("recent_race", f"{match.group(1).replace(' ', '-')}={match.group(2)}"))
    elif match := _RACE_TIME_FIRST.search(text):
        fields.update(_field("recent_race", f"{match.group(2).replace(' ', '-')}={match.group(1)}"))
    if match := _UNITS.search(text):
        said = next(group for group in match.groups() if group).lower()
        fields["units"] = "km" if said.startswith(("km", "kilomet", "metric")) else "mi"
    if match := _GOAL.search(text):
        fields["goal"] = _goal(match.group(1))
    return fields


def fact_spans(text: str) -> list[tuple[int, int]]:
    """Where plain-words profile facts sit in ``text``, so a caller can tell a bare statement of
    facts ("I run 30 km a week") from a sentence that says more than the profile can hold."""
    patterns = (_WEEKLY, _DAYS, _LONG_DAY, _RACE, _RACE_TIME_FIRST, _UNITS, _GOAL)
    return [match.span() for pattern in patterns for match in pattern.finditer(text)]


def apply_update(profile: ProfileRecord, fields: ProfileUpdate) -> ProfileRecord:
    return replace(profile, **fields)


def describe_profile(profile: ProfileRecord, units: science.Units = "km") -> str:
    """The profile as a runner reads it, with what is still missing and how to set it."""
    lines = ["Your profile:"]
    lines.append(
        f"- weekly volume: {science.format_distance(profile.weekly_km, units)}"
        if profile.weekly_km is not None
        else "- weekly volume: not set (e.g. /profile weekly=30)"
    )
    lines.append(
        f"- runs per week: {profile.days_per_week}"
        if profile.days_per_week is not None
        else "- runs per week: not set (e.g. /profile days=4)"
    )
    lines.append(f"- long run day: {profile.long_run_day or 'sun (default)'}")
    if profile.recent_race_km is not None and profile.recent_race_s is not None:
        vdot = science.vdot_from_race(profile.recent_race_km, profile.recent_race_s)
        lines.append(
            f"- recent race: {science.format_distance(profile.recent_race_km, units)} in "
            f"{science.format_clock(profile.recent_race_s)} (VDOT {vdot:.1f})"
        )
    else:
        lines.append("- recent race: not set (e.g. /profile race=10k=48:30) for exact paces")
    lines.append(f"- goal: {profile.goal}" if profile.goal else "- goal: not set")
    lines.append(f"- units: {'miles' if profile.units == 'mi' else 'km'}")
    return "\n".join(lines)
