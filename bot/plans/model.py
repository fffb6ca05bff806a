"""The plan engine's shared vocabulary.

A plan travels as the JSON dict described by ``plan.schema.json`` (it is what the CLI prints and
what the database stores), so the types here are TypedDicts over that shape rather than classes
that would need converting at every edge; ``StoredRequest`` is the request stored beside it.
``PlanRequest`` is the one validated input every front end builds (CLI options, chat text,
stored profile) before the pure generator runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal, NotRequired, TypedDict

RaceName = Literal["5k", "10k", "half", "marathon"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Phase = Literal["base", "build", "peak", "taper", "race"]
DayKind = Literal[
    "rest",
    "easy",
    "recovery",
    "long",
    "tempo",
    "interval",
    "repetition",
    "marathon_pace",
    "race",
    "cross",
]
Units = Literal["km", "mi"]
Status = Literal["done", "skipped", "hard", "niggle", "sick"]  # how a runner says a day went

SCHEMA_ID = "runcoach.plan/1"
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RACE_DISTANCE_KM: dict[RaceName, float] = {
    "5k": 5.0,
    "10k": 10.0,
    "half": 21.0975,
    "marathon": 42.195,
}
RACE_LABEL: dict[RaceName, str] = {
    "5k": "5K",
    "10k": "10K",
    "half": "half marathon",
    "marathon": "marathon",
}
QUALITY_KINDS: frozenset[str] = frozenset({"tempo", "interval", "repetition", "marathon_pace"})
HARD_KINDS: frozenset[str] = QUALITY_KINDS | {"long", "race"}
RUN_KINDS: frozenset[str] = frozenset(
    {"easy", "recovery", "long", "tempo", "interval", "repetition", "marathon_pace", "race"}
)


@dataclass(frozen=True)
class RecentRace:
    """A race result the runner gives us; the only honest source of precise paces."""

    distance_km: float
    time_s: float


@dataclass(frozen=True)
class PlanRequest:
    """Everything the generator needs, already validated by ``bot.plans.request``."""

    race: RaceName
    weeks: int
    days_per_week: int
    weekly_km: float
    start: date
    long_run_day: Weekday = "sun"
    recent_race: RecentRace | None = None
    longest_run_km: float | None = None
    # VDOT taken off the runner's fitness: a step after sessions reported too hard, and when a
    # plan is adapted, what keeps an estimated VDOT where it was although the volume changed.
    vdot_ease: float = 0.0


class RaceInfo(TypedDict):
    name: RaceName
    distance_km: float
    date: str
    predicted_time_s: float | None


class Athlete(TypedDict):
    days_per_week: int
    weekly_km_start: float
    long_run_day: Weekday
    vdot: float | None
    vdot_source: Literal["recent_race", "estimate"] | None


class Day(TypedDict):
    date: str
    kind: DayKind
    distance_km: float
    summary: str
    duration_min: NotRequired[float | None]
    pace_s_per_km: NotRequired[list[float] | None]
    details: NotRequired[str]
    quality_km: NotRequired[float | None]
    # Paces from an estimated VDOT (no race result given): shown with "~" and told so.
    pace_estimated: NotRequired[bool]


class Week(TypedDict):
    number: int
    phase: Phase
    total_km: float
    days: list[Day]
    cutback: NotRequired[bool]


class Plan(TypedDict):
    schema: str
    race: RaceInfo
    athlete: Athlete
    paces_s_per_km: dict[str, list[float]]
    weeks: list[Week]


class StoredRace(TypedDict):
    distance_km: float
    time_s: float


class StoredRequest(TypedDict):
    """A ``PlanRequest`` as JSON, stored beside the plan it built so an adaptation can generate
    the rest of the plan again, with what the runner typed and the units they read it in.

    Keys a plan stored before they existed may lack are NotRequired; readers give their
    defaults (km, no longest run, no easing)."""

    text: str
    units: NotRequired[Units]
    race: RaceName
    weeks: int
    days_per_week: int
    weekly_km: float
    start: str  # ISO date
    long_run_day: Weekday
    recent_race: StoredRace | None
    longest_run_km: NotRequired[float | None]
    vdot_ease: NotRequired[float]
    eased_on: NotRequired[str]  # ISO date the paces were last eased (check-ins too hard)


@cache
def plan_schema() -> dict[str, Any]:
    """The JSON Schema every plan must satisfy (shipped with the package)."""
    text = resources.files("bot.plans").joinpath("plan.schema.json").read_text("utf-8")
    return json.loads(text)


class PlanRequestError(ValueError):
    """A request the plan engine refuses; ``str(err)`` is one line a runner can act on."""


def plan_start(plan: Plan) -> date:
    """The plan's first day (a Monday)."""
    return date.fromisoformat(plan["weeks"][0]["days"][0]["date"])


def race_day(plan: Plan) -> date:
    return date.fromisoformat(plan["race"]["date"])


def days_of(plan: Plan) -> dict[str, Day]:
    """Every day of the plan by its ISO date, for looking a date up once rather than scanning."""
    return {day["date"]: day for week in plan["weeks"] for day in week["days"]}
