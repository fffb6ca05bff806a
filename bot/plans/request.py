"""Turning what a runner types into a validated ``PlanRequest``.

Every front end (CLI options, `/plan 10k 8weeks` in chat, a stored profile) goes through these
functions, so a bad value gets the same one-line, actionable refusal everywhere, and the
generator only ever sees values inside the ranges RUNNING_SCIENCE.md allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.core import parsing
from bot.core.parsing import quote
from bot.plans import science
from bot.plans.model import (
    RACE_DISTANCE_KM,
    WEEKDAYS,
    PlanRequest,
    PlanRequestError,
    RaceName,
    RecentRace,
    Units,
    Weekday,
)

MAX_WEEKS = 52
MIN_DAYS, MAX_DAYS = 2, 7
MIN_WEEKLY_KM = 5.0  # below this, a run-walk start comes before a race plan
MAX_WEEKLY_KM = 250.0
MAX_LONGEST_RUN_KM = 100.0
# A plan starts at most this far ahead; beyond it the date is a typo, and far enough out (year
# 9999) the race day would not even be a date.
MAX_START_AHEAD = timedelta(days=366)
# Slower than this (about 20 min/km) a race result says nothing useful about running fitness.
SLOWEST_RACE_PACE_S_PER_KM = 1200.0
DEFAULT_DAYS = 4
# When a runner says nothing about volume, assume a modest, already-running base for the race.
DEFAULT_WEEKLY_KM: dict[RaceName, float] = {"5k": 15.0, "10k": 20.0, "half": 30.0, "marathon": 40.0}

_DISTANCE_ALIASES: dict[str, RaceName] = {
    "5k": "5k",
    "5km": "5k",
    "10k": "10k",
    "10km": "10k",
    "half": "half",
    "hm": "half",
    "21k": "half",
    "21km": "half",
    "half-marathon": "half",
    "halfmarathon": "half",
    "half_marathon": "half",
    "marathon": "marathon",
    "42k": "marathon",
    "42km": "marathon",
    "full": "marathon",
}
# Distances a recent race may be run at: the plan races plus common track and road distances.
_RESULT_DISTANCES_KM: dict[str, float] = {
    **{alias: RACE_DISTANCE_KM[name] for alias, name in _DISTANCE_ALIASES.items()},
    "1500m": 1.5,
    "1500": 1.5,
    "mile": science.KM_PER_MILE,
    "1mi": science.KM_PER_MILE,
    "3k": 3.0,
    "3km": 3.0,
    "8k": 8.0,
    "15k": 15.0,
    "15km": 15.0,
    "10mi": 10 * science.KM_PER_MILE,
}
_DAY_ALIASES: dict[str, Weekday] = {
    **{day: day for day in WEEKDAYS},
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
    "tues": "tue",
    "thur": "thu",
    "thurs": "thu",
}
# Applied after parsing.normalize_digits; numbers themselves are read by bot.core.parsing.
_WEEKS = re.compile(r"([0-9]+)\s*(?:w|wk|wks|week|weeks)?", re.ASCII)
_DAYS = re.compile(r"([0-9]+)\s*(?:d|day|days|x|runs)?", re.ASCII)
_DISTANCE = re.compile(r"(.*?)\s*(km|k|mi|miles?)?", re.ASCII | re.DOTALL)


@contextmanager
def _plan_errors() -> Iterator[None]:
    """The shared parser's refusals, as the plan engine's own."""
    try:
        yield
    except parsing.InputError as err:
        raise PlanRequestError(str(err)) from None


def parse_distance(text: str) -> RaceName:
    """A race name from '10k', 'half', 'hm', '21k', 'marathon', 'half marathon'..."""
    key = re.sub(r"\s+", "-", text.strip().lower())
    if key in _DISTANCE_ALIASES:
        return _DISTANCE_ALIASES[key]
    raise PlanRequestError(
        f"'{quote(text)}' is not a race I plan for: choose 5k, 10k, half or marathon"
    )


def parse_weeks(text: str) -> int:
    """Weeks from '8weeks', '8w', '8 weeks' or '8', within 1..52."""
    example = "8weeks or 12w"
    match = _WEEKS.fullmatch(parsing.normalize_digits(text.strip().lower()))
    if not match:
        raise PlanRequestError(f"'{quote(text)}' is not a number of weeks: write e.g. {example}")
    with _plan_errors():
        weeks = parsing.parse_integer(match[1], what="a number of weeks", example=example)
    return check_weeks(weeks)


def check_weeks(weeks: int) -> int:
    if weeks < 1:
        raise PlanRequestError("a plan needs at least 1 week: try e.g. 8weeks")
    if weeks > MAX_WEEKS:
        raise PlanRequestError(f"{weeks} weeks is too far ahead: plan at most {MAX_WEEKS} weeks")
    return weeks


def parse_days(text: str) -> int:
    """Runs per week from '4days', '4d', '4x' or '4', within 2..7."""
    match = _DAYS.fullmatch(parsing.normalize_digits(text.strip().lower()))
    if not match:
        raise PlanRequestError(f"'{quote(text)}' is not a number of days: write e.g. 4days")
    with _plan_errors():
        days = parsing.parse_integer(match[1], what="a number of days", example="4days")
    return check_days(days)


def check_days(days: int) -> int:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise PlanRequestError(
            f"{days} runs a week is outside what I plan for: choose {MIN_DAYS} to {MAX_DAYS}"
        )
    return days


def parse_weekly_km(text: str) -> float:
    """Weekly volume in km from '30', '30km' or '20mi' (miles converted)."""
    example = "30km or 20mi"
    return check_weekly_km(_distance_km(text, what="a weekly distance", example=example))


def check_weekly_km(km: float) -> float:
    if km < 0:
        raise PlanRequestError("weekly distance cannot be negative: give what you run now, e.g. 25")
    if km < MIN_WEEKLY_KM:
        raise PlanRequestError(
            f"plans start from at least {MIN_WEEKLY_KM:g} km a week: build up with run-walk "
            "sessions first, then ask again"
        )
    if km > MAX_WEEKLY_KM:
        raise PlanRequestError(
            f"{km:g} km a week is beyond what I plan for (max {MAX_WEEKLY_KM:g}): check the number"
        )
    return km


def parse_recent_race(text: str) -> RecentRace:
    """A result like '10k=45:00' or '5k=22:30' (also ':' or '@' between), checked for realism."""
    cleaned = parsing.normalize_digits(text.strip().lower())
    parts = re.split(r"\s*[=@]\s*|\s+in\s+|\s+", cleaned, maxsplit=1)
    if len(parts) != 2:
        raise PlanRequestError(
            f"'{quote(text)}' is not a race result: write distance=time, e.g. 10k=45:00"
        )
    distance_text, time_text = parts
    distance_km = _RESULT_DISTANCES_KM.get(distance_text)
    if distance_km is None:
        raise PlanRequestError(
            f"'{quote(distance_text)}' is not a race distance I know: use 5k, 10k, half, "
            "marathon, mile, 3k or 15k"
        )
    try:
        time_s = science.parse_clock(time_text)
    except ValueError as err:
        raise PlanRequestError(str(err)) from None
    if (
        time_s > 0
        and time_text.count(":") == 1
        and not science.is_humanly_possible(distance_km, time_s)
        and science.is_humanly_possible(distance_km, time_s * 60)
        and time_s * 60 / distance_km <= SLOWEST_RACE_PACE_S_PER_KM
    ):
        time_s *= 60  # "half=1:58" is 1 h 58 min: as minutes and seconds nobody could run it
    if time_s <= 0 or not science.is_humanly_possible(distance_km, time_s):
        raise PlanRequestError(
            f"{science.format_clock(time_s)} for {distance_text} is faster than the world record: "
            "check the time (H:MM:SS or MM:SS)"
        )
    if time_s / distance_km > SLOWEST_RACE_PACE_S_PER_KM:
        raise PlanRequestError(
            f"{science.format_clock(time_s)} for {distance_text} is slower than walking pace: "
            "check the time (H:MM:SS or MM:SS)"
        )
    return RecentRace(distance_km=distance_km, time_s=time_s)


def parse_weekday(text: str) -> Weekday:
    key = text.strip().lower()
    if key in _DAY_ALIASES:
        return _DAY_ALIASES[key]
    raise PlanRequestError(f"'{quote(text)}' is not a day of the week: use mon, tue, ... sun")


def parse_date(text: str) -> date:
    with _plan_errors():
        return parsing.parse_iso_date(text)


def parse_longest_run(text: str) -> float:
    value = _distance_km(text, what="a distance", example="12km, your longest recent run")
    if not 0 < value <= MAX_LONGEST_RUN_KM:
        raise PlanRequestError(
            f"{value:g} km is not a believable longest run: give km between 1 and "
            f"{MAX_LONGEST_RUN_KM:g}"
        )
    return value


def parse_units(text: str) -> Units:
    key = text.strip().lower()
    if key in ("km", "metric", "k"):
        return "km"
    if key in ("mi", "mile", "miles", "imperial"):
        return "mi"
    raise PlanRequestError(f"'{quote(text)}' is not a unit: use km or mi")


def _distance_km(text: str, *, what: str, example: str) -> float:
    """'30', '30km' or '20mi' (converted) as km; the sign is kept for the caller's range check."""
    match = _DISTANCE.fullmatch(parsing.normalize_digits(text.strip().lower()))
    assert match is not None  # its first group takes any text
    number, unit = match.groups()
    with _plan_errors():
        value = parsing.parse_decimal(number, what=what, example=example)
    return science.unit_to_km(value, "mi") if (unit or "").startswith("mi") else value


def next_monday(today: date) -> date:
    """Plans start on a Monday; by default the next one, so week 1 is a full week."""
    return today + timedelta(days=7 - today.weekday())


@dataclass(frozen=True)
class RawPlanOptions:
    """Plan options as typed by a runner, before validation; None means 'not given'."""

    distance: str
    weeks: str
    days: str | None = None
    weekly_km: str | None = None
    recent_race: str | None = None
    long_run_day: str | None = None
    start: str | None = None
    longest_run: str | None = None
    units: str | None = None


@dataclass(frozen=True)
class PlanDefaults:
    """Values that fill in what the runner did not type (their stored profile, usually)."""

    days: int | None = None
    weekly_km: float | None = None
    recent_race: RecentRace | None = None
    long_run_day: Weekday | None = None
    units: Units = "km"


@dataclass(frozen=True)
class ParsedPlan:
    request: PlanRequest
    units: Units = "km"
    given: frozenset[str] = field(default_factory=frozenset)


def build_request(
    raw: RawPlanOptions, today: date, defaults: PlanDefaults | None = None
) -> ParsedPlan:
    """Validate every option, fill the rest from defaults, and refuse what no plan should serve."""
    defaults = defaults or PlanDefaults()
    race = parse_distance(raw.distance)
    weeks = parse_weeks(raw.weeks)
    days = parse_days(raw.days) if raw.days is not None else (defaults.days or DEFAULT_DAYS)
    weekly_km = (
        parse_weekly_km(raw.weekly_km)
        if raw.weekly_km is not None
        else (defaults.weekly_km if defaults.weekly_km is not None else DEFAULT_WEEKLY_KM[race])
    )
    recent = parse_recent_race(raw.recent_race) if raw.recent_race else defaults.recent_race
    long_day = (
        parse_weekday(raw.long_run_day)
        if raw.long_run_day is not None
        else (defaults.long_run_day or "sun")
    )
    start = parse_date(raw.start) if raw.start is not None else next_monday(today)
    if start > today + MAX_START_AHEAD:
        raise PlanRequestError(
            f"a plan starting {start.isoformat()} is too far ahead: start by "
            f"{(today + MAX_START_AHEAD).isoformat()}"
        )
    race_day = start + timedelta(weeks=weeks) - timedelta(days=1)
    if race_day < today:
        raise PlanRequestError(
            f"a plan starting {start.isoformat()} would end in the past: pick a later start"
        )
    longest = parse_longest_run(raw.longest_run) if raw.longest_run is not None else None
    units = parse_units(raw.units) if raw.units is not None else defaults.units
    given = frozenset(name for name, value in vars(raw).items() if value is not None)
    request = PlanRequest(
        race=race,
        weeks=weeks,
        days_per_week=days,
        weekly_km=weekly_km,
        start=start,
        long_run_day=long_day,
        recent_race=recent,
        longest_run_km=longest,
    )
    return ParsedPlan(request=request, units=units, given=given)


_KEYS: dict[str, str] = {
    "days": "days",
    "runs": "days",
    "weekly": "weekly_km",
    "weekly-km": "weekly_km",
    "weekly_km": "weekly_km",
    "km": "weekly_km",
    "volume": "weekly_km",
    "race": "recent_race",
    "recent": "recent_race",
    "recent-race": "recent_race",
    "recent_race": "recent_race",
    "pb": "recent_race",
    "long": "long_run_day",
    "long-run-day": "long_run_day",
    "long_run_day": "long_run_day",
    "start": "start",
    "longest": "longest_run",
    "longest-run": "longest_run",
    "longest_run": "longest_run",
    "units": "units",
    "unit": "units",
}


def parse_plan_text(text: str, today: date, defaults: PlanDefaults | None = None) -> ParsedPlan:
    """Parse chat arguments: '10k 8weeks', 'half 12w 5days', 'marathon 16 weekly=50 race=10k=42:00'.

    Positional words are the distance, then weeks, then runs per week; everything else is
    ``key=value``. Two-word distances ('half marathon') are accepted.
    """
    tokens = text.replace(",", " ").split()
    if len(tokens) >= 2 and tokens[0].lower() == "half" and tokens[1].lower() == "marathon":
        tokens = ["half", *tokens[2:]]
    options: dict[str, str] = {}
    positional: list[str] = []
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            positional.append(token)
            continue
        name = _KEYS.get(key.lower().lstrip("-"))
        if name is None:
            raise PlanRequestError(
                f"unknown option '{quote(key)}': use days, weekly, race, long, start, longest "
                "or units"
            )
        if not value:
            raise PlanRequestError(f"option '{quote(key)}=' needs a value, e.g. {quote(key)}=4")
        options[name] = value
    if not positional:
        raise PlanRequestError("tell me the race and the weeks, e.g. /plan 10k 8weeks")
    if len(positional) == 1:
        race = quote(positional[0])
        raise PlanRequestError(f"how many weeks until your {race}? e.g. /plan {race} 8weeks")
    if len(positional) > 3:
        raise PlanRequestError(
            f"I did not understand '{quote(' '.join(positional[3:]))}': write e.g. "
            "/plan 10k 8weeks 4days"
        )
    options["distance"], options["weeks"] = positional[0], positional[1]
    if len(positional) == 3:
        if "days" in options:
            raise PlanRequestError("runs per week given twice: keep one, e.g. 4days")
        options["days"] = positional[2]
    return build_request(RawPlanOptions(**options), today, defaults)
