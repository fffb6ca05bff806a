"""The one reader of numbers, clock times, dates and time zones typed by a runner.

Every field a runner types goes through here, so each gets the same rules: digits are ASCII
after normalising (a decimal digit of any script, like the fullwidth '０６:３０' a Japanese
keyboard types, counts as that digit; superscripts, fractions and other numeric signs do not,
so '²³:00' is refused rather than guessed at); a number has no exponent, no 'inf' or 'nan' and
a bounded count of digits, so it is always finite and never a 4,300-digit integer; every field
has a range; and a refusal quotes at most ``QUOTE_CHARS`` characters of what was typed, so a
pasted page never comes back in a reply.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import UserFacingError
from bot.plans.model import Units
from bot.plans.science import KM_PER_MILE

QUOTE_CHARS = 30
MIN_RUN_KM = 0.1
MAX_RUN_KM = 400.0  # longer than any single run a person checks in (a 24-hour race is ~300 km)
MIN_EFFORT, MAX_EFFORT = 1, 10
# The geographic areas of the tz database's canonical zones; 'UTC' is the one name outside them.
ZONE_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)

_INTEGER = re.compile(r"[+-]?[0-9]{1,9}", re.ASCII)
# Seven digits before the point is far past any range below, and cannot overflow a float.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,7}(?:[.,][0-9]{0,6})?|[.,][0-9]{1,6})", re.ASCII)
_DISTANCE = re.compile(r"(?P<number>[^a-z\s]+?)\s*(?P<unit>km|k|mi|miles?)?", re.ASCII)
_CLOCK_TIME = re.compile(r"([0-9]{1,2})[:.h]([0-9]{2})", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ZONE = re.compile(r"[A-Za-z]+(?:/[A-Za-z0-9_+-]+){1,2}", re.ASCII)


class InputError(UserFacingError):
    """A typed value this module refuses; the message is one line that says what to write."""


def normalize_digits(text: str) -> str:
    """Every decimal digit (Unicode category Nd, any script) as its ASCII digit; the rest kept."""
    return "".join(
        str(unicodedata.decimal(ch))
        if not ch.isascii() and unicodedata.category(ch) == "Nd"
        else ch
        for ch in text
    )


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """What the runner typed, fit to echo inside quotes: one line, at most ``limit`` characters."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_integer(text: str, *, what: str, example: str) -> int:
    """A whole number such as '12' or '-3'; ``what`` and ``example`` word the refusal."""
    cleaned = normalize_digits(text.strip())
    if not _INTEGER.fullmatch(cleaned):
        raise InputError(f"'{quote(text)}' is not {what}: write e.g. {example}")
    return int(cleaned)


def parse_decimal(text: str, *, what: str, example: str) -> float:
    """A finite decimal number such as '8.5', '8,5' or '-2'; never an exponent, inf or nan."""
    cleaned = normalize_digits(text.strip())
    if not _DECIMAL.fullmatch(cleaned):
        raise InputError(f"'{quote(text)}' is not {what}: write e.g. {example}")
    return float(cleaned.replace(",", "."))


def parse_distance_km(text: str, units: Units = "km", *, max_km: float = MAX_RUN_KM) -> float:
    """A run's distance, '8.5km', '5mi', '10k' or a bare '8' in ``units``, as km from
    ``MIN_RUN_KM`` to ``max_km``."""
    cleaned = normalize_digits(text.strip().lower())
    match = _DISTANCE.fullmatch(cleaned)
    if match is None:
        raise InputError(f"'{quote(text)}' is not a distance: write e.g. 8.5km or 5mi")
    value = parse_decimal(match["number"], what="a distance", example="8.5km or 5mi")
    miles = (match["unit"] or units).startswith("mi")
    km = value * KM_PER_MILE if miles else value
    if not MIN_RUN_KM <= km <= max_km:
        raise InputError(
            f"'{quote(text)}' is not a believable run: give {MIN_RUN_KM:g} to {max_km:g} km"
        )
    return km


def parse_effort(text: str) -> int:
    """How hard a run felt, 1 (very easy) to 10 (all out)."""
    effort = parse_integer(text, what="an effort", example="effort=6")
    if not MIN_EFFORT <= effort <= MAX_EFFORT:
        raise InputError(
            f"effort goes from {MIN_EFFORT} (very easy) to {MAX_EFFORT} (all out): e.g. effort=6"
        )
    return effort


def parse_clock_time(text: str) -> time:
    """A time of day, '06:30', '6:30', '6.30' or '6h30', from 00:00 to 23:59."""
    match = _CLOCK_TIME.fullmatch(normalize_digits(text.strip()))
    if match is None:
        raise InputError(f"'{quote(text)}' is not a time: write HH:MM, e.g. 06:30")
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        raise InputError(f"'{quote(text)}' is not a time of day: use 00:00 to 23:59")
    return time(hours, minutes)


def parse_timezone(text: str) -> str:
    """A tz database zone as Area/Location ('Europe/Paris', 'america/new_york') or 'UTC'.

    Whatever else the zone files hold is refused: 'localtime' (this server's zone, not the
    runner's), 'posixrules', 'Factory', legacy aliases such as 'US/Eastern' or 'EST', and paths.
    The name comes back spelt as the tz database spells it.
    """
    name = text.strip()
    if name.upper() == "UTC":
        return "UTC"
    canonical = _zones().get(name.lower()) if _ZONE.fullmatch(name) else None
    try:
        if canonical is None:
            raise ValueError
        ZoneInfo(canonical)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        raise InputError(
            f"'{quote(text)}' is not a time zone I know: use a name like Europe/Paris or "
            "America/New_York"
        ) from None
    return canonical


def parse_iso_date(text: str, *, earliest: date | None = None, latest: date | None = None) -> date:
    """A calendar date written YYYY-MM-DD, refused outside [earliest, latest] when given."""
    cleaned = normalize_digits(text.strip())
    try:
        if not _ISO_DATE.fullmatch(cleaned):
            raise ValueError
        day = date.fromisoformat(cleaned)
    except ValueError:
        raise InputError(
            f"'{quote(text)}' is not a date: write YYYY-MM-DD, e.g. 2026-12-07"
        ) from None
    if earliest is not None and day < earliest:
        raise InputError(f"{day.isoformat()} is too long ago: give a date from {earliest} on")
    if latest is not None and day > latest:
        raise InputError(f"{day.isoformat()} is too far ahead: give a date up to {latest}")
    return day


@cache
def _zones() -> dict[str, str]:
    """The Area/Location zones installed here, by lower-cased name."""
    return {
        key.lower(): key for key in available_timezones() if key.partition("/")[0] in ZONE_AREAS
    }
