"""Running science as pure functions: Daniels' VDOT, equivalent race times, pace zones, Riegel.

Every number the coach prints about pace comes from here, so the formulas are the published
Daniels-Gilbert equations (see RUNNING_SCIENCE.md) rather than rules of thumb; they reproduce
Daniels' tables within seconds. Times are seconds, distances km unless a name says otherwise.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Literal

KM_PER_MILE = 1.609344
ZONES = ("easy", "marathon", "threshold", "interval", "repetition")

# Fractions of VDOT for each zone (RUNNING_SCIENCE.md): easy is a range, T and I single values.
EASY_FRACTION = (0.74, 0.59)  # fast end, slow end
THRESHOLD_FRACTION = 0.88
INTERVAL_FRACTION = 0.975
REPETITION_GAIN_S_PER_400M = 6.0
# Half-width of the T/I/M/R ranges: a target pace is a band a runner can hold, not one number.
ZONE_HALF_WIDTH = 0.01

# World records (men's, the fastest) to refuse impossible race results: seconds per km.
_WORLD_RECORD_PACE_S_PER_KM = (
    (1.5, 206.0 / 1.5),
    (1.609344, 223.13 / 1.609344),
    (3.0, 440.67 / 3.0),
    (5.0, 755.36 / 5.0),
    (10.0, 1571.0 / 10.0),
    (21.0975, 3451.0 / 21.0975),
    (42.195, 7235.0 / 42.195),
)


def vo2_at_velocity(v_m_per_min: float) -> float:
    """Oxygen cost (ml/kg/min) of running at a velocity (Daniels-Gilbert)."""
    return -4.60 + 0.182258 * v_m_per_min + 0.000104 * v_m_per_min**2


def sustainable_fraction(t_min: float) -> float:
    """Fraction of VO2max a runner can hold for a race lasting ``t_min`` minutes."""
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t_min) + 0.2989558 * math.exp(-0.1932605 * t_min)


def vdot_from_race(distance_km: float, time_s: float) -> float:
    """Daniels' VDOT for a race result."""
    if distance_km <= 0 or time_s <= 0:
        raise ValueError("distance and time must be positive")
    t_min = time_s / 60.0
    v = distance_km * 1000.0 / t_min
    return vo2_at_velocity(v) / sustainable_fraction(t_min)


def race_time_for_vdot(vdot: float, distance_km: float) -> float:
    """Equivalent race time (s) at ``distance_km`` for a runner of this VDOT, by bisection."""
    lo, hi = 1.0, 200_000.0  # VDOT falls as time grows, so the root is bracketed
    for _ in range(100):
        mid = (lo + hi) / 2
        if vdot_from_race(distance_km, mid) > vdot:
            lo = mid
        else:
            hi = mid
        if hi - lo < 0.01:
            break
    return (lo + hi) / 2


# Daniels' printed tables sit 0.02-0.05 VDOT below the equation for VDOT 38-60 (their whole-number
# rows were printed from rounded figures), so a prediction from the bare equation reads up to 9 s
# faster than the book over a marathon. Predictions shown to runners use the book's calibration,
# which also errs on the conservative side.
TABLE_CALIBRATION_VDOT = 0.03


def predict_race_time(vdot: float, distance_km: float) -> float:
    """Race time (s) a runner of this VDOT can expect at ``distance_km``, as Daniels' tables say."""
    return race_time_for_vdot(vdot - TABLE_CALIBRATION_VDOT, distance_km)


def velocity_at_vo2(vo2: float) -> float:
    """Velocity (m/min) whose oxygen cost is ``vo2``: the positive root of the VO2 quadratic."""
    a, b, c = 0.000104, 0.182258, -4.60 - vo2
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def pace_at_fraction(vdot: float, fraction: float) -> float:
    """Pace (s/km) at which a runner works at ``fraction`` of their VDOT."""
    return 60_000.0 / velocity_at_vo2(vdot * fraction)


def marathon_pace(vdot: float) -> float:
    """Pace (s/km) of the VDOT-equivalent marathon."""
    return race_time_for_vdot(vdot, 42.195) / 42.195


def training_paces(vdot: float) -> dict[str, tuple[float, float]]:
    """The five Daniels zones as (fast, slow) seconds per km, rounded to whole seconds."""
    threshold = pace_at_fraction(vdot, THRESHOLD_FRACTION)
    interval = pace_at_fraction(vdot, INTERVAL_FRACTION)
    repetition = interval - REPETITION_GAIN_S_PER_400M * 2.5
    centres = {
        "marathon": marathon_pace(vdot),
        "threshold": threshold,
        "interval": interval,
        "repetition": repetition,
    }
    paces: dict[str, tuple[float, float]] = {
        "easy": (
            round(pace_at_fraction(vdot, EASY_FRACTION[0])),
            round(pace_at_fraction(vdot, EASY_FRACTION[1])),
        )
    }
    for zone, centre in centres.items():
        paces[zone] = (
            round(centre * (1 - ZONE_HALF_WIDTH)),
            round(centre * (1 + ZONE_HALF_WIDTH)),
        )
    return {zone: paces[zone] for zone in ZONES}


def riegel(time_s: float, distance_km: float, target_km: float, exponent: float = 1.06) -> float:
    """Riegel's T2 = T1 (D2/D1)^1.06: a second opinion on race predictions."""
    return time_s * (target_km / distance_km) ** exponent


def world_record_pace(distance_km: float) -> float:
    """Fastest pace (s/km) ever run at about this distance, interpolated on log distance."""
    table = _WORLD_RECORD_PACE_S_PER_KM
    if distance_km <= table[0][0]:
        return table[0][1]
    if distance_km >= table[-1][0]:
        return table[-1][1]
    for (d0, p0), (d1, p1) in itertools.pairwise(table):
        if d0 <= distance_km <= d1:
            w = (math.log(distance_km) - math.log(d0)) / (math.log(d1) - math.log(d0))
            return p0 + w * (p1 - p0)
    raise AssertionError("unreachable: table covers the range")


def is_humanly_possible(distance_km: float, time_s: float) -> bool:
    """False for results faster than the world record at that distance."""
    return time_s / distance_km >= world_record_pace(distance_km)


# ---- units and formatting -------------------------------------------------------------------

Units = Literal["km", "mi"]


def km_to_unit(km: float, units: Units) -> float:
    return km / KM_PER_MILE if units == "mi" else km


def unit_to_km(value: float, units: Units) -> float:
    return value * KM_PER_MILE if units == "mi" else value


def pace_to_unit(s_per_km: float, units: Units) -> float:
    """Seconds per km -> seconds per ``units``."""
    return s_per_km * KM_PER_MILE if units == "mi" else s_per_km


def format_clock(seconds: float) -> str:
    """Seconds as M:SS below an hour, H:MM:SS from an hour, rounded to the second."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_pace(s_per_km: float, units: Units = "km") -> str:
    """A pace as '4:15/km' or '6:50/mi'."""
    return f"{format_clock(pace_to_unit(s_per_km, units))}/{units}"


def format_pace_range(pace: tuple[float, float] | list[float], units: Units = "km") -> str:
    """A (fast, slow) range as '5:20-5:52/km'; a single pace when both ends print the same."""
    fast = format_clock(pace_to_unit(pace[0], units))
    slow = format_clock(pace_to_unit(pace[1], units))
    return f"{fast}/{units}" if fast == slow else f"{fast}-{slow}/{units}"


def format_distance(km: float, units: Units = "km") -> str:
    """A distance as '12.5 km' or '7.8 mi', without a trailing '.0'."""
    value = round(km_to_unit(km, units), 1)
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {units}"


# ASCII digits only, and at most 3 of hours: '٣:٠٠' or a 5,000-digit hour is not a race time.
_CLOCK = re.compile(r"(?:([0-9]{1,3}):)?([0-9]{1,2}):([0-9]{2})(?:\.[0-9]{1,3})?", re.ASCII)
_QUOTED = 30  # characters of a refused time to echo


def parse_clock(text: str) -> float:
    """'H:MM:SS' or 'MM:SS' to seconds; ValueError with the expected shape otherwise."""
    match = _CLOCK.fullmatch(text.strip())
    shown = text.strip()[:_QUOTED]
    if not match:
        raise ValueError(f"'{shown}' is not a time: use H:MM:SS or MM:SS, e.g. 1:45:30 or 24:50")
    hours = int(match.group(1) or 0)
    minutes, seconds = int(match.group(2)), int(match.group(3))
    if seconds >= 60 or (match.group(1) is not None and minutes >= 60):
        raise ValueError(f"'{shown}' is not a valid time: minutes and seconds run 00-59 (H:MM:SS)")
    return float(hours * 3600 + minutes * 60 + seconds)
