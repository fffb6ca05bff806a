"""Exact answers to numeric running questions, so the small model never does arithmetic.

``answer_numeric`` recognises pace and speed conversions, distance conversions, goal paces,
finish times, race predictions, VDOT and training paces, and answers from ``science`` (Daniels'
equations, Riegel). Anything it does not recognise returns None so the pipeline can go on to
retrieval; an impossible input gets a one-line refusal rather than a number nobody can run.
Answers repeat the inputs as understood, so a misreading is visible at a glance.
"""

from __future__ import annotations

import re

from bot.core import quantities as q
from bot.plans import science
from bot.plans.request import SLOWEST_RACE_PACE_S_PER_KM

# 100 m world record (9.58 s) as a pace: nobody has ever run faster over any distance.
FASTEST_PACE_S_PER_KM = 95.8
MIN_VDOT, MAX_VDOT = 20.0, 90.0  # beyond Daniels' tables (30-85) by a margin, not beyond reason
STANDARD_RACES = (("5K", 5.0), ("10K", 10.0), ("half marathon", 21.0975), ("marathon", 42.195))

_TRAINING = re.compile(
    r"\b(train(?:ing)?|easy|tempo|threshold|intervals?|repetitions?|reps|zones?|paces|workouts?)\b"
)
_PACE_ASKED = re.compile(r"\bpace\b|per\s+(?:km|k|kilomet\w*|mile)\b|/\s*(?:km|mi)\b|\bsplits?\b")
_SPEED_ASKED = re.compile(r"km/h|kph|kmh|mph|\bspeed\b|\bmiles? (?:an|per) hour")
_PREDICT = re.compile(
    r"predict|equivalent|\bcould i\b|\bcan i\b|what (?:time|times)|how fast|\bwould i\b"
    r"|\bestimate|finish(?:ing)? time|\bcapable\b|\bshould i\b"
)
_MENTIONS_KM = re.compile(r"\b(?:km|kms|kilomet(?:er|re)s?)\b")
_MENTIONS_MI = re.compile(r"\b(?:mi|miles?|mph)\b")
_ZONE_WORDS = (
    (re.compile(r"\b(?:tempo|threshold|lactate)\b"), "threshold", "threshold (tempo)"),
    (re.compile(r"\b(?:intervals?|vo2)\b"), "interval", "interval"),
    (re.compile(r"\b(?:reps?|repetitions?)\b"), "repetition", "repetition"),
    (re.compile(r"\bmarathon pace\b"), "marathon", "marathon"),
    (re.compile(r"\b(?:easy|long run|recovery)\b"), "easy", "easy"),
)


# A question about something else that happens to carry a race and a time ("how many gels for a
# 3:45 marathon?") is not asking for a calculation: the calculators answer only when it is.
_OTHER_TOPIC = re.compile(
    r"\b(?:gels?|fuel\w*|eat\w*|food|carb\w*|drink\w*|water|hydrat\w*|caffeine|electrolytes?"
    r"|salt|calories|shoes?|wear\w*|sleep\w*|stretch\w*|injur\w*|pain|sore\w*|taper\w*|weigh\w*"
    r"|breath\w*|heart rate|hr|cadence|strength|nervous|anxious|nerves|recover\w*|rest days?)\b"
)
_CALCULATION_ASKED = re.compile(
    r"\b(?:pace|paces|pacing|splits?|speed|how fast|predict\w*|equivalent|convert\w*|vdot"
    r"|finish(?:ing)? time|what time|per (?:km|k|kilomet\w+|mile|mi)"
    r"|in (?:miles|mi|km|kms|kilomet\w+|mph|kph|minutes per \w+))\b|/\s*(?:km|mi)\b|km/h|mph|kph"
)


def answer_numeric(text: str) -> str | None:
    """The exact answer to a numeric running question in ``text``, or None if there is none."""
    t = q.normalise(text)
    if _OTHER_TOPIC.search(t) and not _CALCULATION_ASKED.search(t):
        return None
    vdot = q.find_vdot(t)
    if vdot is not None:
        return _vdot_answer(t, vdot)
    speed = q.find_speed(t)
    paces = q.find_paces(t)
    explicit = [p for p in paces if p.unit is not None]
    skip = [(p.start, p.end) for p in explicit]
    if speed is not None:
        skip.append((speed.start, speed.end))
    distances = q.find_distances(t, skip)
    if speed is not None:
        return _speed_answer(t, speed, distances)
    if explicit:
        return _pace_answer(t, explicit[0], distances)
    if paces and not distances:  # "5:00 pace": a bare time is a pace only with no race in sight
        return _pace_answer(t, paces[0], distances)
    durations = q.find_durations(t, skip + [(d.start, d.end) for d in distances])
    pair = _result(t, distances, durations)
    if pair is not None:
        return _result_answer(t, *pair, distances)
    clocks = [d for d in durations if len(d.candidates) == 2 and ":" in t[d.start : d.end]]
    if clocks and not distances and _PACE_ASKED.search(t):
        seconds = clocks[0].candidates[0]
        return _pace_answer(t, q.Pace(seconds, None, clocks[0].start, clocks[0].end), [])
    return _conversion_answer(t, distances)


# ---- VDOT given ------------------------------------------------------------------------------


def _vdot_answer(t: str, vdot: float) -> str:
    if not MIN_VDOT <= vdot <= MAX_VDOT:
        return (
            f"A VDOT of {vdot:g} is outside what the tables cover: runners range from about "
            f"{MIN_VDOT:g} to {MAX_VDOT:g} (world records sit near 85)."
        )
    if _TRAINING.search(t) or _PACE_ASKED.search(t):
        return _paces_text(vdot, _units(t), f"At VDOT {vdot:g}", t)
    times = ", ".join(
        f"{name} {science.format_clock(science.predict_race_time(vdot, km))}"
        for name, km in STANDARD_RACES
    )
    return f"VDOT {vdot:g} goes with these race times (Daniels' tables): {times}."


def _paces_text(vdot: float, units: q.Unit, intro: str, t: str) -> str:
    paces = science.training_paces(vdot)
    zones = ", ".join(
        f"{zone} {science.format_pace_range(paces[zone], units)}" for zone in science.ZONES
    )
    for pattern, zone, name in _ZONE_WORDS:
        if pattern.search(t):
            return (
                f"{intro}, your {name} pace is {science.format_pace_range(paces[zone], units)}. "
                f"All zones: {zones}."
            )
    return f"{intro}, train at: {zones}."


def _units(t: str) -> q.Unit:
    """Miles only when the runner talks in miles and never in km."""
    return "mi" if _MENTIONS_MI.search(t) and not _MENTIONS_KM.search(t) else "km"


# ---- paces and speeds ------------------------------------------------------------------------


def _pace_refusal(s_per_km: float, shown: str) -> str | None:
    if s_per_km < FASTEST_PACE_S_PER_KM:
        return f"{shown} is faster than anyone has ever run, even over 100 m: check the pace."
    if s_per_km > SLOWEST_RACE_PACE_S_PER_KM:
        return f"{shown} is slower than walking pace: check the pace (minutes:seconds)."
    return None


def _speed_answer(t: str, speed: q.Speed, distances: list[q.Distance]) -> str:
    kmh = speed.value * science.KM_PER_MILE if speed.unit == "mi" else speed.value
    shown = f"{speed.value:g} {'mph' if speed.unit == 'mi' else 'km/h'}"
    if kmh <= 0:
        return f"{shown} is standing still: give a speed above zero."
    s_per_km = 3600 / kmh
    refusal = _pace_refusal(s_per_km, shown)
    if refusal:
        return refusal
    if distances:
        return _finish_text(shown, s_per_km, distances[0])
    return (
        f"{shown} is {science.format_clock(s_per_km)} per km, or "
        f"{science.format_clock(s_per_km * science.KM_PER_MILE)} per mile."
    )


def _pace_answer(t: str, pace: q.Pace, distances: list[q.Distance]) -> str:
    if pace.unit is None and not (_MENTIONS_KM.search(t) and not _MENTIONS_MI.search(t)):
        return _two_readings(pace.seconds)
    unit = pace.unit or "km"
    s_per_km = pace.seconds / science.KM_PER_MILE if unit == "mi" else pace.seconds
    shown = f"{science.format_clock(pace.seconds)}/{unit}"
    refusal = _pace_refusal(s_per_km, shown)
    if refusal:
        return refusal
    if distances:
        return _finish_text(shown, s_per_km, distances[0])
    kmh = 3600 / s_per_km
    speed = f"{kmh:.1f} km/h, {kmh / science.KM_PER_MILE:.1f} mph"
    if unit == "km":
        other = f"{science.format_clock(s_per_km * science.KM_PER_MILE)} per mile"
    else:
        other = f"{science.format_clock(s_per_km)} per km"
    if _SPEED_ASKED.search(t):
        return f"{shown} is {speed} ({other})."
    return f"{shown} is {other} ({speed})."


def _two_readings(seconds: float) -> str:
    """A pace with no unit: give both readings rather than silently pick one."""
    shown = science.format_clock(seconds)
    refusal = _pace_refusal(seconds, shown)
    if refusal:
        return refusal
    return (
        f"You didn't say per km or per mile, so both: {shown}/km is "
        f"{science.format_clock(seconds * science.KM_PER_MILE)} per mile, and {shown}/mile is "
        f"{science.format_clock(seconds / science.KM_PER_MILE)} per km."
    )


def _finish_text(shown: str, s_per_km: float, distance: q.Distance) -> str:
    total = s_per_km * distance.km
    return f"At {shown}, {_named(distance)} takes {science.format_clock(total)}."


def _named(distance: q.Distance) -> str:
    return f"a {distance.label}" if distance.is_race else distance.label


# ---- a time at a distance: result or goal --------------------------------------------------

_GAP = re.compile(
    r"^(?:\s|[:=@,-]|\b(?:in|of|at|for|time|pb|pr|best|personal|is|was|a|an|the|my|around"
    r"|about|under|just|sub|race|run|ran|did)\b)*$"
)


def _result(
    t: str, distances: list[q.Distance], durations: list[q.Duration]
) -> tuple[q.Distance, q.Duration] | None:
    """The distance and time written together ("5k in 25:00", "3:30 marathon"), if any."""
    best: tuple[int, q.Distance, q.Duration] | None = None
    for duration in durations:
        for distance in distances:
            if distance.end <= duration.start:
                gap, rank = t[distance.end : duration.start], 0
            else:
                gap, rank = t[duration.end : distance.start], 1
            if "," in gap or not _GAP.match(gap):
                continue
            score = len(gap) * 2 + rank
            if best is None or score < best[0]:
                best = (score, distance, duration)
    return (best[1], best[2]) if best else None


def _resolve(distance: q.Distance, duration: q.Duration) -> float | str:
    """The reading of the time that a human can run, or a one-line refusal."""
    for seconds in duration.candidates:
        possible = seconds > 0 and science.is_humanly_possible(distance.km, seconds)
        if possible and seconds / distance.km <= SLOWEST_RACE_PACE_S_PER_KM:
            return seconds
    fastest = duration.candidates[0]
    if fastest <= 0 or not science.is_humanly_possible(distance.km, fastest):
        record = science.world_record_pace(distance.km) * distance.km
        return (
            f"{science.format_clock(fastest)} for {_named(distance)} is faster than the world "
            f"record (about {science.format_clock(record)}): check the time (H:MM:SS or MM:SS)."
        )
    return (
        f"{science.format_clock(duration.candidates[-1])} for {_named(distance)} is slower than "
        "walking pace: check the time (H:MM:SS or MM:SS)."
    )


def _result_answer(
    t: str, distance: q.Distance, duration: q.Duration, distances: list[q.Distance]
) -> str | None:
    seconds = _resolve(distance, duration)
    if isinstance(seconds, str):
        return seconds
    given = f"{_named(distance)} in {science.format_clock(seconds)}"
    vdot = science.vdot_from_race(distance.km, seconds)
    targets = [d for d in distances if abs(d.km - distance.km) > 0.01]
    if "vdot" in t and not _TRAINING.search(t):
        return f"{given[0].upper()}{given[1:]} gives a VDOT of {vdot:.1f}."
    if _TRAINING.search(t) and not targets:
        return _paces_text(vdot, _units(t), f"From {given} (VDOT {vdot:.1f})", t)
    if targets:
        return _prediction_text(given, vdot, seconds, distance, targets[0])
    if _PACE_ASKED.search(t):
        s_per_km = seconds / distance.km
        return (
            f"{given[0].upper()}{given[1:]} is {science.format_clock(s_per_km)} per km, or "
            f"{science.format_clock(s_per_km * science.KM_PER_MILE)} per mile."
        )
    if _only_the_goal(t, distance, duration):
        return _result_answer(f"{t} pace", distance, duration, distances)
    if _PREDICT.search(t):
        others = [(name, km) for name, km in STANDARD_RACES if abs(km - distance.km) > 0.01]
        times = ", ".join(
            f"{name} {science.format_clock(science.predict_race_time(vdot, km))}"
            for name, km in others
        )
        return (
            f"From {given} (VDOT {vdot:.1f}), Daniels' equivalent times are: {times}. "
            "Longer races assume you have trained for the distance."
        )
    return None


def _only_the_goal(t: str, distance: q.Distance, duration: q.Duration) -> bool:
    """'sub 2 hour half' on its own asks for the pace that time needs."""
    first, last = min(distance.start, duration.start), max(distance.end, duration.end)
    rest = t[:first] + " " + t[first:last].replace(",", " ") + " " + t[last:]
    rest = rest.replace(t[distance.start : distance.end], " ").replace(
        t[duration.start : duration.end], " "
    )
    return bool(_GAP.match(rest.strip(" ?!.")))


def _prediction_text(
    given: str, vdot: float, seconds: float, source: q.Distance, target: q.Distance
) -> str:
    daniels = science.predict_race_time(vdot, target.km)
    riegel = science.riegel(seconds, source.km, target.km)
    text = (
        f"From {given} (VDOT {vdot:.1f}), {_named(target)} should take about "
        f"{science.format_clock(daniels)} by Daniels' tables; Riegel's formula says "
        f"{science.format_clock(riegel)}."
    )
    if target.km > 2 * source.km and target.km > 20:
        text += " That assumes you have done the long runs for the distance."
    return text


# ---- distance conversions --------------------------------------------------------------------

_D = "<d>"
_U = r"(?:km|kms|k|kilomet(?:er|re)s?|mi|miles?)"
_ART = r"(?:(?:a|an|the|one)\s+)?"
_END = r"(?:\s+(?:again|exactly|roughly|race))*\s*[?.!]*\s*$"
_TEMPLATES = (
    re.compile(
        rf"\bhow (?:many|much) {_U}\s+(?:is|are|in|does|make|makes)?\s*(?:there in\s+)?"
        rf"{_ART}{_D}{_END}"
    ),
    re.compile(
        rf"(?:^|\b(?:is|so|what'?s|whats|what is)\s+){_ART}{_D}\s+(?:is|=|equals|in|to|into)\s+"
        rf"(?:how (?:many|much)\s+)?{_U}{_END}"
    ),
    re.compile(rf"\b(?:how far|how long|what distance) is {_ART}{_D}(?:\s+in\s+{_U})?{_END}"),
    re.compile(rf"\bconvert {_ART}{_D}\s+(?:in|to|into)\s+{_U}{_END}"),
    re.compile(rf"^\s*{_U} in {_ART}{_D}{_END}"),
)


def _conversion_answer(t: str, distances: list[q.Distance]) -> str | None:
    if len(distances) != 1:
        return None
    distance = distances[0]
    for sentence in re.split(r"(?<=[?.!])\s+|,\s*", t):
        start = sentence.find(t[distance.start : distance.end])
        if start < 0:
            continue
        shape = sentence[:start] + _D + sentence[start + distance.end - distance.start :]
        if any(template.search(shape) for template in _TEMPLATES):
            return _distance_text(distance)
    return None


def _distance_text(distance: q.Distance) -> str:
    km, miles = distance.km, distance.km / science.KM_PER_MILE
    if distance.label == "mile":
        return "A mile is 1.609 km, and a km is 0.621 miles."
    if distance.label.endswith(("mile", "miles")):
        return f"{distance.label} is {_figure(km)} km."
    if distance.is_race:
        return f"A {distance.label} is {km:g} km, or {_figure(miles)} miles."
    return f"{distance.label} is {_figure(miles)} miles."


def _figure(value: float) -> str:
    """Two decimals under 10 ('3.11'), one above ('13.1'), as runners quote distances."""
    text = f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
