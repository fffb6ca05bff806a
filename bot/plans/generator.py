"""Training plans: a pure, deterministic function from a ``PlanRequest`` to a ``Plan``.

Every rule in RUNNING_SCIENCE.md holds by construction, not by luck, so the plan is built in two
steps. First a *shape* per week (training volume and long run, in integer tenths of a km so that
no rounding can tip a cap) is simulated under the load rules; that simulation is also the
feasibility test, so a refusal can suggest the number of weeks (found by search) that does work.
Then each week is laid out on days from one weekly template and quality sessions are sized
under the per-session and weekly caps.

Decisions, in one place:
- Phases: the race week, a taper (one week for the half, one or two for the marathon and one for
  5k/10k plans of 8+ weeks), and before it base (the rest), build (about 35%, at most 8 weeks)
  and peak (about 25%, at most 4 weeks). Every 4th pre-taper week is a cutback to 75%.
- Volume ramps linearly from the runner's current week to a modest peak (+2.5% per pre-taper
  week, at most +35% or +25 km), raised where the long run the race needs demands it, never faster
  than the 10% (+1 km) rule allows.
- The long run starts at the runner's longest recent run and ramps to its peak under the
  single-run spike rule, the share caps and the distance caps. If the gentle ramp misses the long
  run the race needs, the shape is re-simulated at the fastest the rules allow.
- A *beginner* runs less per week than an already-running base for the distance (5k 10, 10k 20,
  half 30, marathon 40 km) and needs a longer minimum plan (6, 8, 12, 16 weeks instead of 4, 6,
  8, 12).
- Every plan must build the long run a race needs (5k 5, 10k 8, half 14, marathon 28 km; the half
  16 km for 12+ week plans from 30+ km a week, as the rules require).
- Without a recent race, VDOT is estimated conservatively from weekly volume (30 + 0.2 per
  weekly km, at most 50) and every pace is marked as an estimate.
- Without the runner's longest recent run, week 1 assumes the larger of an average run and 30%
  of the week; from week 2 the spike rule counts only the plan's own runs.
- The race counts in its week's total (so the 10% rule holds even there) but is exempt from the
  spike rule, as the rules say, and race week is exempt from the long-run share cap (it has no
  long run) and from the rest-day pattern.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from itertools import combinations, pairwise
from typing import Literal

from bot.plans import science, workouts
from bot.plans.model import (
    RACE_DISTANCE_KM,
    RACE_LABEL,
    SCHEMA_ID,
    WEEKDAYS,
    Athlete,
    Day,
    DayKind,
    Phase,
    Plan,
    PlanRequest,
    PlanRequestError,
    RaceInfo,
    RaceName,
    Week,
)
from bot.plans.request import (
    MAX_LONGEST_RUN_KM,
    SLOWEST_RACE_PACE_S_PER_KM,
    check_days,
    check_weekly_km,
    check_weeks,
)

MIN_WEEKS: dict[RaceName, int] = {"5k": 4, "10k": 6, "half": 8, "marathon": 12}
BEGINNER_MIN_WEEKS: dict[RaceName, int] = {"5k": 6, "10k": 8, "half": 12, "marathon": 16}
BEGINNER_BELOW_KM: dict[RaceName, float] = {"5k": 10.0, "10k": 20.0, "half": 30.0, "marathon": 40.0}
LONG_RUN_CAP_KM: dict[RaceName, float] = {"5k": 14.0, "10k": 19.0, "half": 23.0, "marathon": 35.0}
READY_LONG_RUN_KM: dict[RaceName, float] = {"5k": 5.0, "10k": 8.0, "half": 14.0, "marathon": 28.0}
# RUNNING_SCIENCE: 12+ week half/marathon plans from 30+ km a week build the long run this far.
RULE_LONG_RUN_KM: dict[RaceName, float] = {"half": 16.0, "marathon": 28.0}
MIN_RUN_KM = 2.0  # a shorter outing is not worth lacing up for, so it limits runs per week

_MIN_RUN = 20  # tenths of a km, like every distance below
_CUTBACK_EVERY = 4
_CUTBACK_PCT = 75
_PEAK_CAP: dict[RaceName, int] = {"5k": 800, "10k": 1000, "half": 1200, "marathon": 1600}
_TAPER_PCT: dict[int, tuple[int, ...]] = {1: (80,), 2: (85, 70), 3: (90, 80, 70)}
# Race week without the race, as % of peak: under the 65% cap, deeper for longer races.
_RACE_WEEK_PCT: dict[RaceName, int] = {"5k": 50, "10k": 50, "half": 45, "marathon": 40}
_RACE_WEEK_DAYS: dict[int, tuple[int, ...]] = {  # weekday indexes of race-week runs before Sunday
    0: (),
    1: (2,),
    2: (1, 3),
    3: (1, 3, 5),
    4: (0, 1, 3, 5),
    5: (0, 1, 2, 3, 5),
    6: (0, 1, 2, 3, 4, 5),
}
_RACE_WEEK_SHARPENER: dict[RaceName, DayKind] = {
    "5k": "interval",
    "10k": "tempo",
    "half": "tempo",
    "marathon": "marathon_pace",
}
# Quality by phase, in order of importance (the first is kept when only one fits).
_SESSIONS: dict[RaceName, dict[str, tuple[DayKind, ...]]] = {
    "5k": {
        "base": ("repetition",),
        "build": ("interval", "repetition"),
        "peak": ("interval", "tempo"),
    },
    "10k": {"base": ("repetition",), "build": ("interval", "tempo"), "peak": ("tempo", "interval")},
    "half": {
        "base": ("repetition",),
        "build": ("tempo", "interval"),
        "peak": ("tempo", "marathon_pace"),
    },
    "marathon": {
        "base": ("repetition",),
        "build": ("tempo", "marathon_pace"),
        "peak": ("marathon_pace", "tempo"),
    },
}
# Per-session targets as % of the week, under Daniels' caps (RUNNING_SCIENCE), and the floors.
_TARGET_PCT = {"tempo": 8, "interval": 6, "repetition": 4, "marathon_pace": 15}
_CAP_PCT = {"tempo": 10, "interval": 8, "repetition": 5, "marathon_pace": 20}
_CAP_MAX = {"tempo": 10**6, "interval": 100, "repetition": 80, "marathon_pace": 290}
_CAP_FLOOR = {"tempo": 20, "interval": 16, "repetition": 8, "marathon_pace": 30}
_PHASE_QUALITY_PCT = {"base": 75, "build": 100, "peak": 100, "taper": 70, "race": 50}
_QUALITY_SHARE_PCT = 30
_EASY_WARM_UP = 40  # warm-up plus cool-down a quality session aims for
_EASY_WARM_UP_MIN = 20
_RACE_WEEK_RUN = 30  # race-week runs are short; fewer of them rather than shorter still


@dataclass(frozen=True)
class _Runner:
    """The request in the generator's units: tenths of a km."""

    race: RaceName
    days: int
    weekly: int
    long_day: int
    longest: int | None
    resuming: bool = False

    @property
    def race_tenths(self) -> int:
        return round(RACE_DISTANCE_KM[self.race] * 10)

    @property
    def long_cap(self) -> int:
        return round(LONG_RUN_CAP_KM[self.race] * 10)

    def first_longest(self) -> int:
        """The longest recent run week 1 may build on: the runner's, or a cautious guess."""
        if self.longest is not None:
            return self.longest
        return max(-(-self.weekly // self.days), 3 * self.weekly // 10)

    def week_one_bounds(self) -> tuple[int, int]:
        """Week-1 volume within -20%/+15% of now that the days and the longest run can hold."""
        low = max(-(-8 * self.weekly // 10), self.days * _MIN_RUN)
        high = min(115 * self.weekly // 100, self.days * self.max_run(self.first_longest()))
        return low, high

    def max_run(self, longest: int) -> int:
        return min(self.long_cap, _spike_limit(longest))


@dataclass(frozen=True)
class _Shape:
    """One week before it is laid out on days."""

    phase: Phase
    volume: int  # training km in tenths, the race excluded
    long: int  # 0 in race week
    cutback: bool = False


def generate_plan(req: PlanRequest, *, resuming: bool = False) -> Plan:
    """The plan for ``req``, or PlanRequestError with one line saying what to change.

    ``resuming`` re-plans the rest of a plan already under way (``bot.plans.adapt``): the
    minimum plan length is about building a base, which the runner has, and a long run they
    already ran in the last 30 days (``longest_run_km``) counts towards the one the race needs.
    """
    runner = _checked_runner(req, resuming)
    shapes = _shapes(runner, req.weeks)
    if shapes is None:
        raise PlanRequestError(_unreachable(runner, req.weeks))
    return _assemble(req, runner, shapes)


# ---- refusing what no sound plan can serve --------------------------------------------------


def _checked_runner(req: PlanRequest, resuming: bool) -> _Runner:
    """Validate in the order a runner would fix things: what, when, how often, how long."""
    if req.race not in RACE_DISTANCE_KM:
        raise PlanRequestError(
            f"'{req.race}' is not a race I plan for: choose 5k, 10k, half or marathon"
        )
    check_weeks(req.weeks)
    check_days(req.days_per_week)
    if not math.isfinite(req.weekly_km):
        raise PlanRequestError("weekly distance must be a number: give what you run now, e.g. 25")
    check_weekly_km(req.weekly_km)
    if req.long_run_day not in WEEKDAYS:
        raise PlanRequestError(
            f"'{req.long_run_day}' is not a day of the week: use mon, tue, ... sun"
        )
    _check_longest(req.longest_run_km)
    _check_recent_race(req)
    _check_monday(req.start)
    runner = _Runner(
        race=req.race,
        days=req.days_per_week,
        weekly=round(req.weekly_km * 10),
        long_day=WEEKDAYS.index(req.long_run_day),
        longest=None if req.longest_run_km is None else round(req.longest_run_km * 10),
        resuming=resuming,
    )
    _check_days_fit(runner)
    if not resuming:
        _check_length(runner, req.weeks)
    return runner


def _check_longest(longest_km: float | None) -> None:
    if longest_km is not None and not 0 < longest_km <= MAX_LONGEST_RUN_KM:
        raise PlanRequestError(
            f"{longest_km:g} km is not a believable longest run: give km between 1 and "
            f"{MAX_LONGEST_RUN_KM:g}"
        )


def _check_recent_race(req: PlanRequest) -> None:
    race = req.recent_race
    if race is None:
        return
    if not (
        math.isfinite(race.distance_km)
        and math.isfinite(race.time_s)
        and race.distance_km > 0
        and race.time_s > 0
    ):
        raise PlanRequestError("the recent race needs a distance and a time, e.g. 10k=45:00")
    if not science.is_humanly_possible(race.distance_km, race.time_s):
        raise PlanRequestError("that race time is faster than the world record: check the time")
    if race.time_s / race.distance_km > SLOWEST_RACE_PACE_S_PER_KM:
        raise PlanRequestError("that race time is slower than walking pace: check the time")


def _check_monday(start: date) -> None:
    if start.weekday():
        after = start + timedelta(days=7 - start.weekday())
        before = start - timedelta(days=start.weekday())
        raise PlanRequestError(
            f"plans start on a Monday: try {after.isoformat()} or {before.isoformat()}"
        )


def _check_days_fit(runner: _Runner) -> None:
    """Week 1 must hold the runner's volume in ``days`` runs: none too short, none too long."""
    if _fits(runner):
        return
    weekly = _km(runner.weekly)
    fitting = [days for days in range(2, 8) if _fits(replace(runner, days=days))]
    if runner.days * _MIN_RUN > 115 * runner.weekly // 100:
        fix = f"run {max(fitting)} days a week" if fitting else "build up to more km first"
        raise PlanRequestError(
            f"{weekly} km a week is too little for {runner.days} runs of at least "
            f"{MIN_RUN_KM:g} km: {fix}"
        )
    if runner.longest is not None and runner.max_run(runner.longest) < runner.long_cap:
        reason = (
            f"your longest recent run ({_km(runner.longest)} km) is too short to spread "
            f"{weekly} km a week over {runner.days} runs safely"
        )
    else:
        reason = (
            f"{weekly} km a week does not fit in {runner.days} runs (a {RACE_LABEL[runner.race]} "
            f"plan keeps runs to {_km(runner.long_cap)} km)"
        )
    raise PlanRequestError(f"{reason}: {_days_fix(runner, fitting)}")


def _days_fix(runner: _Runner, fitting: list[int]) -> str:
    """More runs a week if some number fits, else the most km a week these runs can hold."""
    more = [days for days in fitting if days > runner.days]
    if more:
        return f"run {min(more)} days a week"
    most = runner.days * runner.max_run(runner.first_longest()) * 10 // 8
    if _fits(replace(runner, weekly=most)):
        return f"start from at most {_km(most)} km a week"
    return "check your longest run"


def _fits(runner: _Runner) -> bool:
    low, high = runner.week_one_bounds()
    return low <= high


def _shortest(runner: _Runner) -> int:
    """The minimum plan length; beginners (below an already-running base) need longer."""
    beginner = runner.weekly < round(BEGINNER_BELOW_KM[runner.race] * 10)
    return (BEGINNER_MIN_WEEKS if beginner else MIN_WEEKS)[runner.race]


def _check_length(runner: _Runner, weeks: int) -> None:
    shortest = _shortest(runner)
    if weeks >= shortest:
        return
    who = "" if shortest == MIN_WEEKS[runner.race] else f" from {_km(runner.weekly)} km a week"
    works = _weeks_that_work(runner, shortest)
    fix = f"try {works} weeks" if works else _no_weeks_fix(runner)
    raise PlanRequestError(
        f"a {RACE_LABEL[runner.race]} plan{who} needs at least {shortest} weeks: {fix}"
    )


def _unreachable(runner: _Runner, weeks: int) -> str:
    goal = _km(_ready_long(runner, weeks))
    works = _weeks_that_work(runner, weeks + 1)
    fix = f"try {works} weeks" if works else _no_weeks_fix(runner)
    return (
        f"{weeks} weeks from {_km(runner.weekly)} km a week over {runner.days} runs cannot safely "
        f"build the long run to the {goal} km a {RACE_LABEL[runner.race]} needs: {fix}"
    )


def _weeks_that_work(runner: _Runner, first: int) -> int | None:
    return next((n for n in range(first, 53) if _shapes(runner, n) is not None), None)


def _no_weeks_fix(runner: _Runner) -> str:
    """When no length works, fewer runs a week allow a larger long-run share; else build first."""
    for days in range(runner.days - 1, 1, -1):
        fewer = replace(runner, days=days)
        if _fits(fewer) and _weeks_that_work(fewer, _shortest(fewer)) is not None:
            return f"run {days} days a week"
    return "build up your weekly running first, or pick a shorter race"


# ---- week shapes: volume and long run under the load rules -----------------------------------


def _shapes(runner: _Runner, weeks: int) -> list[_Shape] | None:
    """Week shapes reaching the long run the race needs, gently if possible; None if impossible."""
    phases = _phases(runner.race, weeks)
    ready = _ready_long(runner, weeks)
    for aggressive in (False, True):
        shapes = _simulate(runner, phases, aggressive)
        if shapes is not None and max(shape.long for shape in shapes) >= ready:
            return shapes
    return None


def _ready_long(runner: _Runner, weeks: int) -> int:
    ready = READY_LONG_RUN_KM[runner.race]
    if runner.race in RULE_LONG_RUN_KM and weeks >= 12 and runner.weekly >= 300:
        ready = max(ready, RULE_LONG_RUN_KM[runner.race])
    elif runner.resuming and (runner.longest or 0) >= round(ready * 10):
        return 0  # already run lately: the rest of the plan keeps it, it need not rebuild it
    return round(ready * 10)


@cache
def _phases(race: RaceName, weeks: int) -> tuple[Phase, ...]:
    """Phase of each week; a cutback that would fall just before the taper joins the taper."""
    if race == "marathon":
        taper = 2 if weeks >= 16 else 1
    else:
        taper = 1 if race == "half" or weeks >= 8 else 0
    build_up = weeks - 1 - taper
    if build_up % _CUTBACK_EVERY == 0:
        build_up, taper = build_up - 1, taper + 1
    peak = min(4, max(1, int(build_up / 4 + 0.5)))
    build = min(8, max(1, int(build_up * 0.35 + 0.5)))
    base = build_up - peak - build
    counts: tuple[tuple[Phase, int], ...] = (
        ("base", base),
        ("build", build),
        ("peak", peak),
        ("taper", taper),
        ("race", 1),
    )
    return tuple(phase for phase, count in counts for _ in range(count))


def _simulate(runner: _Runner, phases: tuple[Phase, ...], aggressive: bool) -> list[_Shape] | None:
    """Volume and long run week by week; None where the rules leave no room.

    Gently, both ramp linearly to their peak by the first peak week; aggressively, each week takes
    the most the rules allow, for runners who need every week to reach the race's long run.
    """
    build_up = phases.index("taper") if "taper" in phases else len(phases) - 1
    ramp_end = build_up - phases.count("peak")
    share = _target_share(runner)
    low, high = runner.week_one_bounds()
    first = min(high, max(runner.weekly, low))
    first -= first % 2 if runner.days == 2 else 0
    ready = _ready_long(runner, len(phases))
    growth = min(35, 25 * build_up // 10)
    peak = min(runner.weekly * (100 + growth) // 100, runner.weekly + 250, _PEAK_CAP[runner.race])
    peak = max(peak, first, -(-ready * 100 // share))
    long_first = min(runner.first_longest(), share * first // 100)
    long_peak = max(ready, min(runner.long_cap, share * peak // 100))
    shapes: list[_Shape] = []
    for index in range(build_up):
        cutback = (index + 1) % _CUTBACK_EVERY == 0
        if cutback:
            volume = max(runner.days * _MIN_RUN, shapes[-1].volume * _CUTBACK_PCT // 100)
            long_goal: int | None = shapes[-1].long * _CUTBACK_PCT // 100
        else:
            goal = peak if aggressive else _ramp(first, peak, index, ramp_end)
            volume = min(goal, _increase_limit(shapes)) if shapes else first
            long_goal = None if aggressive else _ramp(long_first, long_peak, index, ramp_end)
        shape = _week(runner, shapes, phases[index], volume, long_goal, cutback)
        if shape is None or (cutback and shape.volume >= shapes[-1].volume):
            return None
        shapes.append(shape)
    top = max(shape.volume for shape in shapes)
    top_long = max(shape.long for shape in shapes)
    for pct in _TAPER_PCT.get(len(phases) - 1 - build_up, ()):
        volume = max(runner.days * _MIN_RUN, top * pct // 100)
        shape = _week(runner, shapes, "taper", volume, top_long * pct // 100, False)
        if shape is None or shape.volume >= top:
            return None
        shapes.append(shape)
    race_week = _race_week(runner, shapes, top)
    return None if race_week is None else [*shapes, race_week]


def _target_share(runner: _Runner) -> int:
    """Long-run share aimed for: the cap for the half and marathon, a third or so for 5k/10k."""
    cap = _share_cap(runner.days)
    return cap if runner.race in ("half", "marathon") else min(cap, 35)


def _ramp(start: int, end: int, index: int, ramp_end: int) -> int:
    if index >= ramp_end:
        return end
    return start + (end - start) * index // ramp_end


def _week(
    runner: _Runner,
    shapes: list[_Shape],
    phase: Phase,
    volume: int,
    long_goal: int | None,
    cutback: bool,
) -> _Shape | None:
    """Fit a week to the caps, the volume giving way if it must; no long goal means the most."""
    days = runner.days
    longest = _window_longest(runner, shapes) if shapes else runner.first_longest()
    max_run = runner.max_run(longest)
    volume = min(volume, days * max_run)
    volume -= volume % 2 if days == 2 else 0
    if volume < days * _MIN_RUN:
        return None
    low = -(-volume // days)  # the long run is the week's longest run
    high = min(max_run, _share_cap(days) * volume // 100, volume - (days - 1) * _MIN_RUN)
    goal = high if long_goal is None else min(long_goal, _target_share(runner) * volume // 100)
    long = max(low, min(goal, high))
    return _Shape(phase, volume, long, cutback) if long <= high else None


def _window_longest(runner: _Runner, shapes: list[_Shape]) -> int:
    """The longest run that every day of the next week counts in its last 30 days.

    Sunday's window reaches back least; the three weeks before always lie inside it (so any
    reading of "30 days" from 22 up agrees), and so does the time before the plan, when the
    runner's own longest run counts, throughout the first four weeks.
    """
    index = len(shapes)
    recent = [shape.long for shape in shapes[max(0, index - 3) :]]
    if runner.longest is not None and index <= 3:
        recent.append(runner.longest)
    return max(recent)


def _spike_limit(longest: int) -> int:
    """RUNNING_SCIENCE: no run over 1.10 x the longest run of the last 30 days + 0.5 km."""
    return 11 * longest // 10 + 5


def _increase_limit(shapes: list[_Shape], race: int = 0) -> int:
    """RUNNING_SCIENCE: no week over 1.10 x the highest earlier week + 1 km (race included)."""
    highest = max(shape.volume for shape in shapes)
    return 11 * highest // 10 + 10 - race


def _share_cap(runs: int) -> int:
    """RUNNING_SCIENCE: long run at most 50% of the week with 3 runs or fewer, 42% with 4, 36%."""
    return 50 if runs <= 3 else 42 if runs == 4 else 36


def _race_week(runner: _Runner, shapes: list[_Shape], top: int) -> _Shape | None:
    """A few short runs, well under 65% of peak, so the race week total still obeys the 10% rule."""
    room = _increase_limit(shapes, runner.race_tenths)
    if room < 0:
        return None
    volume = min(_RACE_WEEK_PCT[runner.race] * top // 100, room)
    longest_run = max(_RACE_WEEK_RUN, max(shape.long for shape in shapes) // 2)
    return _Shape("race", min(volume, _race_week_runs(runner.days, volume) * longest_run), 0)


def _race_week_runs(days: int, volume: int) -> int:
    """As many runs as the days allow, each of about 3 km or more (one of 2 km at the least)."""
    runs = min(days - 1, volume // _RACE_WEEK_RUN)
    return 1 if runs == 0 and volume >= _MIN_RUN else runs


# ---- days: a weekly template, quality sessions, easy runs -------------------------------------


@cache
def _template(days: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Run offsets from the long-run day and the offsets that take quality, best spread first.

    Rests as spread as they can be; then as many quality slots as the runs allow (one with three
    runs or fewer) with no hard day next to another, even across weeks (offsets are cyclic); then
    hard days far apart and followed by rest, and a rest day after the long run.
    """
    slots = 1 if days <= 3 else 2
    options = []
    for others in combinations(range(1, 7), days - 1):
        runs = (0, *others)
        for quality in _quality_options(others, slots):
            hard = (0, *quality)
            gaps = [b - a for a, b in zip(hard, (*hard[1:], 7), strict=True)]
            rested = sum((h + 1) % 7 not in runs for h in hard)
            score = (_longest_rest(runs), -len(quality), -min(gaps), -rested, 1 in others)
            options.append((score, runs, quality))
    _, runs, quality = min(options)
    return runs, quality


def _quality_options(others: tuple[int, ...], slots: int) -> Iterator[tuple[int, ...]]:
    candidates = [o for o in others if 2 <= o <= 5]  # never beside the long run
    for size in range(slots, -1, -1):
        for chosen in combinations(candidates, size):
            if all(b - a >= 2 for a, b in pairwise(chosen)):
                yield chosen


def _longest_rest(runs: tuple[int, ...]) -> int:
    longest = current = 0
    for offset in range(14):  # twice round the week, since the pattern repeats
        current = 0 if offset % 7 in runs else current + 1
        longest = max(longest, current)
    return longest


def _assemble(req: PlanRequest, runner: _Runner, shapes: list[_Shape]) -> Plan:
    vdot, source = vdot_of(req)
    race_km = RACE_DISTANCE_KM[req.race]
    predicted = science.predict_race_time(vdot, race_km)
    zones = {zone: list(band) for zone, band in science.training_paces(vdot).items()}
    paces = _pace_table(zones, round(predicted / race_km))
    estimated = source == "estimate"
    weeks: list[Week] = []
    for index, shape in enumerate(shapes):
        monday = req.start + timedelta(weeks=index)
        if shape.phase == "race":
            slots = _race_week_days(runner, shape)
        else:
            slots = _training_days(runner, shape)
        days = [
            _day(monday + timedelta(days=i), slot, paces.get(slot[0]), estimated)
            for i, slot in enumerate(slots)
        ]
        weeks.append(
            {
                "number": index + 1,
                "phase": shape.phase,
                "total_km": sum(slot[1] for slot in slots) / 10,
                "cutback": shape.cutback,
                "days": days,
            }
        )
    race: RaceInfo = {
        "name": req.race,
        "distance_km": race_km,
        "date": weeks[-1]["days"][-1]["date"],
        "predicted_time_s": None if estimated else float(round(predicted)),
    }
    athlete: Athlete = {
        "days_per_week": req.days_per_week,
        "weekly_km_start": round(req.weekly_km, 1),
        "long_run_day": req.long_run_day,
        "vdot": round(vdot, 1),
        "vdot_source": source,
    }
    return {
        "schema": SCHEMA_ID,
        "race": race,
        "athlete": athlete,
        "paces_s_per_km": zones,
        "weeks": weeks,
    }


def vdot_of(req: PlanRequest) -> tuple[float, Literal["recent_race", "estimate"]]:
    """A recent race gives the real VDOT; otherwise a cautious guess from weekly volume."""
    if req.recent_race is None:
        return min(50.0, 30.0 + 0.2 * req.weekly_km) - req.vdot_ease, "estimate"
    vdot = science.vdot_from_race(req.recent_race.distance_km, req.recent_race.time_s)
    return vdot - req.vdot_ease, "recent_race"


def _pace_table(zones: dict[str, list[float]], race_pace: int) -> dict[str, list[float]]:
    """The pace band each kind of day is run at; recovery is the slower half of easy."""
    easy = zones["easy"]
    return {
        "easy": easy,
        "long": easy,
        "recovery": [round((easy[0] + easy[1]) / 2), easy[1]],
        "tempo": zones["threshold"],
        "interval": zones["interval"],
        "repetition": zones["repetition"],
        "marathon_pace": zones["marathon"],
        "race": [race_pace, race_pace],
    }


# A day before it gets a date and a pace: kind, km and quality km in tenths, strides or not.
_Slot = tuple[DayKind, int, int, bool]
_REST: _Slot = ("rest", 0, 0, False)


def _training_days(runner: _Runner, shape: _Shape) -> list[_Slot]:
    """Long run, quality and easy runs on the template's weekdays."""
    runs, quality_offsets = _template(runner.days)
    kinds = _week_sessions(runner.race, shape, len(quality_offsets))
    sessions = _size_sessions(kinds, shape)
    while True:
        used = quality_offsets[: len(sessions)]
        easy_offsets = [o for o in runs[1:] if o not in used]
        recovery = [o - 1 in (0, *used) for o in easy_offsets]
        lengths = _allocate(shape, [q for _, q in sessions], recovery)
        if lengths is not None:
            break
        sessions = sessions[:-1]  # with no sessions left, the shape always fits
    session_lengths, easy_lengths = lengths
    by_offset: dict[int, _Slot] = {0: ("long", shape.long, 0, False)}
    for offset, (kind, quality), length in zip(used, sessions, session_lengths, strict=True):
        by_offset[offset] = (kind, length, quality, False)
    strides = True  # once a week, on the first easy run that is not a recovery
    for offset, length, is_recovery in zip(easy_offsets, easy_lengths, recovery, strict=True):
        by_offset[offset] = (
            "recovery" if is_recovery else "easy",
            length,
            0,
            strides and not is_recovery,
        )
        strides = strides and is_recovery
    return [by_offset.get((day - runner.long_day) % 7, _REST) for day in range(7)]


def _week_sessions(race: RaceName, shape: _Shape, slots: int) -> tuple[DayKind, ...]:
    if shape.phase == "taper":
        return _SESSIONS[race]["peak"][:1]
    kinds = _SESSIONS[race][shape.phase]
    return kinds[: 1 if shape.cutback or shape.phase == "base" else slots]


def _size_sessions(kinds: tuple[DayKind, ...], shape: _Shape) -> list[tuple[DayKind, int]]:
    """Each session at its share of the week within Daniels' caps; drop what breaks the 30%."""
    factor = _PHASE_QUALITY_PCT[shape.phase] * (_CUTBACK_PCT if shape.cutback else 100) // 100
    sessions = []
    for kind in kinds:
        quality = _session_tenths(kind, shape.volume, factor, shape.long - _EASY_WARM_UP_MIN)
        if quality:
            sessions.append((kind, quality))
    while sum(q for _, q in sessions) * 100 > _QUALITY_SHARE_PCT * shape.volume:
        sessions.pop()
    return sessions


def _session_tenths(kind: DayKind, volume: int, factor: int, longest: int) -> int:
    """Quality km (tenths) of a clean session near its target share; 0 when none fits."""
    cap = max(_CAP_FLOOR[kind], min(_CAP_MAX[kind], _CAP_PCT[kind] * volume // 100))
    want = max(_CAP_FLOOR[kind], _TARGET_PCT[kind] * volume * factor // 10_000)
    km = workouts.session_km(kind, min(cap, want, longest) / 10)
    return 0 if km is None else round(km * 10)


def _allocate(
    shape: _Shape, qualities: list[int], recovery: list[bool]
) -> tuple[list[int], list[int]] | None:
    """Session and easy-run lengths filling the week, none shorter than a run or over the long."""
    long, easy_runs = shape.long, len(recovery)
    others = shape.volume - long
    lows = [q + _EASY_WARM_UP_MIN for q in qualities]
    lengths = [min(long, q + _EASY_WARM_UP) for q in qualities]
    wanted = min(max(sum(lengths), others - easy_runs * long), others - easy_runs * _MIN_RUN)
    shift = wanted - sum(lengths)
    for i, low in enumerate(lows):
        step = max(low - lengths[i], min(long - lengths[i], shift))
        lengths[i] += step
        shift -= step
    if shift:
        return None
    return lengths, _split_easy(others - sum(lengths), recovery, long)


def _split_easy(total: int, recovery: list[bool], long: int) -> list[int]:
    """Even easy runs, recovery runs a fifth shorter when the others stay within the long run."""
    count, short = len(recovery), sum(recovery)
    if 0 < short < count:
        each_short = max(_MIN_RUN, 4 * total // (4 * short + 5 * (count - short)))
        rest = total - each_short * short
        if rest <= (count - short) * long:
            plain = iter(_even(rest, count - short))
            return [each_short if is_short else next(plain) for is_short in recovery]
    return _even(total, count)


def _even(total: int, count: int) -> list[int]:
    each, extra = divmod(total, count) if count else (0, 0)
    return [each + (i < extra) for i in range(count)]


def _race_week_days(runner: _Runner, shape: _Shape) -> list[_Slot]:
    """Short easy runs, a sharpener on Tuesday (or the only run), the race on Sunday."""
    weekdays = _RACE_WEEK_DAYS[_race_week_runs(runner.days, shape.volume)]
    slots: list[_Slot] = [_REST] * 6 + [("race", runner.race_tenths, 0, False)]
    for weekday, length in zip(weekdays, _even(shape.volume, len(weekdays)), strict=True):
        slots[weekday] = ("easy", length, 0, weekday == weekdays[-1])
    if weekdays:
        sharpener = 1 if 1 in weekdays else weekdays[0]
        kind = _RACE_WEEK_SHARPENER[runner.race]
        length = slots[sharpener][1]
        factor = _PHASE_QUALITY_PCT["race"]
        # Sized on the training km alone, so the caps hold whether or not the race counts.
        quality = _session_tenths(kind, shape.volume, factor, length - _EASY_WARM_UP_MIN)
        if quality and quality * 100 <= _QUALITY_SHARE_PCT * shape.volume:
            slots[sharpener] = (kind, length, quality, False)
    return slots


def _day(when: date, slot: _Slot, pace: list[float] | None, estimated: bool) -> Day:
    kind, tenths, quality, strides = slot
    day: Day = {
        "date": when.isoformat(),
        "kind": kind,
        "distance_km": tenths / 10,
        "summary": "",
        "pace_s_per_km": None if pace is None else list(pace),
    }
    if quality:
        day["quality_km"] = quality / 10
    marked = estimated and pace is not None
    day["details"] = workouts.guidance(kind, strides=strides, estimated=marked)
    if marked:
        day["pace_estimated"] = True
    day["summary"] = workouts.describe_day(day, "km")
    return day


def _km(tenths: int) -> str:
    return f"{tenths / 10:g}"
