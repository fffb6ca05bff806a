"""What one day of a plan asks of a runner, as the line they read in a reminder.

The text is rebuilt from the day's JSON alone (kind, distance_km, quality_km, pace_s_per_km), so
a stored plan renders the same in km or miles without the generator: rep structure is a pure
function of (kind, quality_km), and the generator only ever picks quality distances that
``session_km`` marks as clean, so that function always finds a real session (5 x 1000 m, not
"5.3 km of reps"). Rep lengths are track distances and stay in metres in either unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.plans import science
from bot.plans.model import QUALITY_KINDS, RACE_DISTANCE_KM, RACE_LABEL, Day, Units


@dataclass(frozen=True)
class Reps:
    count: int
    metres: int
    recovery: str


# Rep lengths tried longest first, each with its recovery. Daniels: cruise intervals get a minute
# of rest, I-reps a jog shorter than the rep, R-reps a full recovery of equal distance.
_REP_OPTIONS: dict[str, tuple[tuple[int, str], ...]] = {
    "tempo": ((1600, "1 min jog"),),
    "interval": ((1000, "2 min jog"), (800, "2 min jog"), (400, "1 min jog")),
    "repetition": ((400, "400 m jog"), (200, "200 m jog")),
}
# Fewer reps than this is not a session of that kind; a tempo up to 6 km is run continuously.
_MIN_REPS = {"tempo": 4, "interval": 3, "repetition": 4}
_CONTINUOUS_TEMPO_MAX_M = 6000

# (smallest, step) in tenths of a km, tried from the top: the distances that give clean sessions.
# Tempo: continuous in 0.5 km steps up to 6 km, then cruise intervals of 1600 m. Intervals: 400 m
# or 800 m reps below 3 km, then 1000 m reps up to Daniels' 10 km ceiling. Repetitions: 200 m reps
# below 1.6 km, then 400 m reps. Marathon pace: whole km.
_GRID: dict[str, tuple[tuple[int, int], ...]] = {
    "tempo": ((64, 16), (20, 5)),
    "interval": ((30, 10), (16, 4)),
    "repetition": ((16, 4), (8, 2)),
    "marathon_pace": ((30, 10),),
}
_INTERVAL_MAX_TENTHS = 100
_MARATHON_PACE_MAX_TENTHS = 290

_TITLE = {
    "tempo": "tempo",
    "interval": "intervals",
    "repetition": "repetitions",
    "marathon_pace": "marathon pace",
}
# Effort words carry the session when paces are only estimates, and help when they are not.
_EFFORT = {
    "tempo": "comfortably hard",
    "interval": "hard",
    "repetition": "fast, relaxed",
    "marathon_pace": "steady",
}
_GUIDANCE = {
    "rest": "Rest, or an easy walk: fitness is built while you recover.",
    "cross": "Easy cross-training (bike, swim, elliptical) at conversational effort.",
    "easy": "Conversational effort: you can talk in full sentences.",
    "recovery": "Slower and shorter than easy, to absorb the last hard day.",
    "long": "Even, conversational effort; drink and fuel on runs over 90 minutes.",
    "tempo": "Threshold: comfortably hard, a pace you could race for about an hour.",
    "interval": "VO2max work: hard but controlled, never all-out; jog the recoveries.",
    "repetition": "Speed and form: fast but relaxed, with full recovery between reps.",
    "marathon_pace": "Goal marathon effort: steady and controlled; practise race-day fuel.",
    "race": "Start controlled, settle into your pace, finish strong.",
}
_STRIDES = " Finish with 6 x 20 s strides: quick and relaxed, walking back between them."
_ESTIMATE_NOTE = (
    " Paces are estimates from your weekly volume: run by effort, and add a recent race result"
    " for exact paces."
)


def session_km(kind: str, budget_km: float) -> float | None:
    """The longest clean quality distance for ``kind`` within the budget, None below a session."""
    tenths = int(budget_km * 10 + 1e-6)
    if kind == "interval":
        tenths = min(tenths, _INTERVAL_MAX_TENTHS)
    elif kind == "marathon_pace":
        tenths = min(tenths, _MARATHON_PACE_MAX_TENTHS)
    for smallest, step in _GRID.get(kind, ()):
        if tenths >= smallest:
            return tenths // step * step / 10
    return None


def rep_structure(kind: str, quality_km: float) -> Reps | None:
    """How ``quality_km`` splits into reps, or None for a continuous effort."""
    metres = round(quality_km * 1000)
    if kind == "tempo" and metres <= _CONTINUOUS_TEMPO_MAX_M:
        return None
    for length, recovery in _REP_OPTIONS.get(kind, ()):
        count, left = divmod(metres, length)
        if not left and count >= _MIN_REPS[kind]:
            return Reps(count, length, recovery)
    return None


def warm_up_cool_down(distance_km: float, quality_km: float) -> tuple[float, float]:
    """The easy km either side of the quality, split evenly (the cool-down takes the odd 100 m)."""
    easy_tenths = max(0, round((distance_km - quality_km) * 10))
    warm_up = easy_tenths // 2
    return warm_up / 10, (easy_tenths - warm_up) / 10


def guidance(kind: str, *, strides: bool = False, estimated: bool = False) -> str:
    """Unit-free advice for a day's ``details``, so it reads right in km and in miles."""
    text = _GUIDANCE[kind] + (_STRIDES if strides else "")
    return text + (_ESTIMATE_NOTE if estimated and kind != "rest" else "")


def describe_day(day: Day, units: Units) -> str:
    """The one line a runner reads for this day, e.g. '8 km tempo: 2 km easy, 4 km at ...'."""
    kind = day["kind"]
    if kind == "rest":
        return "Rest day"
    if kind == "cross":
        return "Cross-training, easy effort"
    distance = science.format_distance(day["distance_km"], units)
    pace = _pace(day, units)
    if kind == "race":
        return _race_line(day, pace)
    if kind in QUALITY_KINDS:
        return _quality_line(day, units, distance, pace)
    lead = {"easy": "Easy", "recovery": "Recovery", "long": "Long run"}[kind]
    feel = "very easy" if kind == "recovery" else "conversational"
    return f"{lead} {distance}{pace}, {feel}"


def _pace(day: Day, units: Units) -> str:
    """' at 5:20-5:52/km', marked '~' when the plan's paces are estimates; '' without a pace."""
    pace = day.get("pace_s_per_km")
    if not pace:
        return ""
    approx = "~" if day.get("pace_estimated") else ""
    return f" at {approx}{science.format_pace_range(pace, units)}"


def _race_line(day: Day, pace: str) -> str:
    label = next(
        (
            RACE_LABEL[name]
            for name, km in RACE_DISTANCE_KM.items()
            if abs(km - day["distance_km"]) < 0.2
        ),
        science.format_distance(day["distance_km"]),
    )
    if day.get("pace_estimated"):
        return f"Race day: {label}, start{pace} (est.) and run by feel"
    return f"Race day: {label}{pace} goal pace"


def _quality_line(day: Day, units: Units, distance: str, pace: str) -> str:
    kind = day["kind"]
    quality = day.get("quality_km") or day["distance_km"]
    reps = rep_structure(kind, quality)
    effort = f" ({_EFFORT[kind]})"
    if reps is None:
        main = f"{science.format_distance(quality, units)}{pace}{effort}"
    else:
        main = f"{reps.count} x {reps.metres} m{pace}{effort} with {reps.recovery}"
    warm_up, cool_down = warm_up_cool_down(day["distance_km"], quality)
    parts = [main]
    if warm_up:
        parts.insert(0, f"{science.format_distance(warm_up, units)} easy")
    if cool_down:
        parts.append(f"{science.format_distance(cool_down, units)} easy")
    return f"{distance} {_TITLE[kind]}: {', '.join(parts)}"
