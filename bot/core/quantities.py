"""Finding running quantities in free text: paces, speeds, distances, times and VDOT.

Runners write numbers loosely ("9 minute miles", "sub 2 half", "3:30 marathon"), so each finder
returns what it saw with its position in the text; the calculators decide what the question is.
A time like "3:30" is kept ambiguous (M:SS or H:MM) until a distance tells which one is humanly
possible, instead of guessing early and printing a confident wrong number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.plans import science
from bot.plans.model import RACE_DISTANCE_KM

Unit = Literal["km", "mi"]


@dataclass(frozen=True)
class Pace:
    seconds: float  # per ``unit``, or per an unknown unit when ``unit`` is None
    unit: Unit | None
    start: int
    end: int


@dataclass(frozen=True)
class Distance:
    km: float
    label: str  # how to name it back to the runner: "half marathon", "15 miles"
    is_race: bool  # a named race ("a 5K", "a half marathon"), not a plain "12 km"
    start: int
    end: int


@dataclass(frozen=True)
class Duration:
    """A time; ``candidates`` holds the readings still possible, most likely first."""

    candidates: tuple[float, ...]
    start: int
    end: int


WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
# "ten miles", "five k", "forty minutes": a number in words before a unit is that number.
_WORD_QUANTITY = re.compile(
    r"\b(" + "|".join(WORD_NUMBERS) + r")(?=[\s-]+(?:miles?|mi|km|kms|k|kilomet\w+|minutes?"
    r"|mins?|hours?|hrs?)\b)"
)


def normalise(text: str) -> str:
    """Lowercase with plain quotes and dashes and numbers in digits ("ten miles" is "10
    miles"), so one set of patterns covers every keyboard and way of writing."""
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})
    lowered = text.translate(table).lower()
    return _WORD_QUANTITY.sub(lambda m: str(WORD_NUMBERS[m.group(1)]), lowered)


_NUM = r"\d+(?:\.\d+)?"
_CLOCK2 = r"\d{1,2}:\d{2}"
_MIN = r"(?:minutes?|mins?)\b"
_KM = r"(?:km|kms|k|kilometers?|kilometres?)"
_MI = r"(?:mi|miles?)"
_PER = r"\s*(?:/|per|a|an|every|each)\s*"

# "5:00/km", "6 min per km", "5 minutes a kilometre", "9 minute miles", "8:30 mile pace".
_PACE_KM = re.compile(rf"\b({_CLOCK2}|{_NUM})(?:\s*{_MIN})?(?:\s*pace)?{_PER}{_KM}\b")
_PACE_MI = re.compile(
    rf"\b({_CLOCK2}|{_NUM})(?:\s*{_MIN})?(?:\s*pace)?{_PER}{_MI}\b"
    rf"|\b({_CLOCK2})(?:[\s-]*{_MIN})?[\s-]*miles?\b(?!\s+(?:race|run))"
    rf"|\b({_NUM})[\s-]*{_MIN}[\s-]*miles?\b"
)
# A pace with no unit: "5:00 pace", "pace of 5:30", "running 4:45s".
_PACE_BARE = re.compile(
    rf"\b({_CLOCK2})(?:\s*{_MIN})?\s*pace\b|\bpace\s*(?:of|at|is|was)?\s*({_CLOCK2})\b"
)
_SPEED = re.compile(
    rf"\b({_NUM})\s*(km/h|kmh|kph|km/hr|kmph|{_KM}\s*(?:an|per|/)\s*h(?:ou)?r"
    r"|mph|mi/h|miles?\s*(?:an|per)\s*hour)"
)
_VDOT = re.compile(
    rf"\bv\.?dot\s*(?:score\s*)?(?:of|is|=|:|at|was)?\s*({_NUM})\b|\b({_NUM})\s*v\.?dot\b"
)

_RACE_NAMES: tuple[tuple[str, str, float], ...] = (
    (
        r"half[ -]?marathon|half\b|hm\b|21(?:\.1)?\s?km?\b",
        "half marathon",
        RACE_DISTANCE_KM["half"],
    ),
    (r"(?:full\s+)?marathon|42(?:\.2)?\s?km?\b", "marathon", RACE_DISTANCE_KM["marathon"]),
    (r"(?:a|one|the)\s+mile\b|mile\s+race", "mile", science.KM_PER_MILE),
    (r"park\s?run\b", "parkrun (5K)", 5.0),
)
_DIST_NUM = re.compile(
    rf"\b({_NUM})\s?(?:-\s?)?({_KM}|{_MI}|meters?|metres?|m)\b(?!\s*(?:/|per|an?)\s*h)"
)
_DURATION_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(\d{1,2}):(\d{2}):(\d{2})\b"), "hms"),
    (re.compile(rf"\b(\d+)\s*(?:h|hrs?|hours?)\s*(?:and\s*)?(\d+)\s*(?:{_MIN}|m)?\b"), "hm"),
    (re.compile(rf"\b({_NUM})\s*(?:h|hrs?|hours?)\b"), "h"),
    (re.compile(rf"\b(\d+)\s*{_MIN}\s*(?:and\s*)?(\d+)\s*(?:s|secs?|seconds?)\b"), "ms"),
    (re.compile(rf"\b({_NUM})\s*{_MIN}(?![\s-]*(?:/|per|an?\s|miles?|every|each))"), "m"),
    (re.compile(r"\b(\d{1,2}):(\d{2})\b"), "clock"),
    (re.compile(rf"\b(?:sub|under|break)[\s-]*({_NUM})\b(?!\s*[:.]?\d)"), "bare"),
)


def _pace_value(text: str) -> float:
    if ":" in text:
        minutes, seconds = text.split(":")
        return int(minutes) * 60 + int(seconds)
    return float(text) * 60


def find_paces(text: str) -> list[Pace]:
    """Paces in ``text`` (normalised), with their unit when the runner wrote one."""
    found: list[Pace] = []
    for pattern, unit in ((_PACE_KM, "km"), (_PACE_MI, "mi"), (_PACE_BARE, None)):
        for match in pattern.finditer(text):
            if any(match.start() < p.end and p.start < match.end() for p in found):
                continue
            value = next(group for group in match.groups() if group)
            found.append(Pace(_pace_value(value), unit, match.start(), match.end()))  # type: ignore[arg-type]
    return sorted(found, key=lambda p: p.start)


@dataclass(frozen=True)
class Speed:
    value: float  # in km/h when ``unit`` is 'km', mph when 'mi'
    unit: Unit
    start: int
    end: int


def find_speed(text: str) -> Speed | None:
    """A treadmill or watch speed: km/h, kph, mph, "10 km an hour"."""
    match = _SPEED.search(text)
    if not match:
        return None
    unit: Unit = "mi" if match.group(2).startswith(("mph", "mi")) else "km"
    return Speed(float(match.group(1)), unit, match.start(), match.end())


def find_vdot(text: str) -> float | None:
    match = _VDOT.search(text)
    return float(match.group(1) or match.group(2)) if match else None


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the spans blanked out, keeping every other position where it was."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def find_distances(text: str, skip: list[tuple[int, int]]) -> list[Distance]:
    """Race names and numbers with a distance unit, outside the ``skip`` spans (paces, speeds)."""
    masked = _masked(text, skip)
    found: list[Distance] = []
    for pattern, label, km in _RACE_NAMES:
        for match in re.finditer(rf"\b(?:{pattern})", masked):
            if not any(match.start() < d.end and d.start < match.end() for d in found):
                found.append(Distance(km, label, True, match.start(), match.end()))
    for match in _DIST_NUM.finditer(masked):
        if any(match.start() < d.end and d.start < match.end() for d in found):
            continue
        value, unit = float(match.group(1)), match.group(2)
        distance = _numeric_distance(value, unit, match.start(), match.end())
        if distance is not None:
            found.append(distance)
    return sorted(found, key=lambda d: d.start)


def _numeric_distance(value: float, unit: str, start: int, end: int) -> Distance | None:
    if unit.startswith("mi"):
        label = f"{value:g} mile" + ("" if value == 1 else "s")
        return Distance(value * science.KM_PER_MILE, label, False, start, end)
    if unit.startswith("m"):  # metres: only track-like numbers, never "5 m" (minutes?)
        return Distance(value / 1000, f"{value:g} m", False, start, end) if value >= 100 else None
    for race in ("5k", "10k"):
        if value == RACE_DISTANCE_KM[race] and unit in ("k", "km"):
            return Distance(value, race.upper(), True, start, end)
    return Distance(value, f"{value:g} km", False, start, end)


def find_durations(text: str, skip: list[tuple[int, int]]) -> list[Duration]:
    """Times outside the ``skip`` spans; "3:30" and "sub 3" stay ambiguous (see ``Duration``)."""
    masked = _masked(text, skip)
    found: list[Duration] = []
    for pattern, kind in _DURATION_PATTERNS:
        for match in pattern.finditer(masked):
            if any(match.start() < d.end and d.start < match.end() for d in found):
                continue
            found.append(Duration(_readings(kind, match.groups()), match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)


def _readings(kind: str, groups: tuple[str, ...]) -> tuple[float, ...]:
    numbers = [float(g) for g in groups if g]
    if kind == "hms":
        return (numbers[0] * 3600 + numbers[1] * 60 + numbers[2],)
    if kind == "hm":
        return (numbers[0] * 3600 + numbers[1] * 60,)
    if kind == "h":
        return (numbers[0] * 3600,)
    if kind == "ms":
        return (numbers[0] * 60 + numbers[1],)
    if kind == "m":
        return (numbers[0] * 60,)
    if kind == "clock":
        return (numbers[0] * 60 + numbers[1], numbers[0] * 3600 + numbers[1] * 60)
    return (numbers[0] * 60, numbers[0] * 3600)  # "sub 20" (minutes) or "sub 3" (hours)
