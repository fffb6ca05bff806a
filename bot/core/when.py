"""Which days a runner means: "tomorrow", "thurs", "this weekend", "next week", "the 17th".

Pure functions of the text and the runner's local date. Runners name days loosely and misspell
them ("tmrw", "weds", "wknd"); every answer the coach gives names the dates it resolved, so a
reading the runner did not mean is visible at once rather than silently wrong.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_PATTERNS = (
    r"mon(?:day)?s?",
    r"tue(?:s|sday)?s?|tuseday",
    r"wed(?:s|nesday|nsday|ensday)?s?",
    r"thu(?:r|rs|rsday|sday)?s?|thrusday",
    r"fri(?:day)?s?",
    r"sat(?:urday|erday)?s?",
    r"sun(?:day)?s?",
)
_WEEKDAY = re.compile(
    r"\b(?:(this|next|last|on|coming)\s+)?("
    + "|".join(f"(?:{p})" for p in _WEEKDAY_PATTERNS)
    + r")"
    r"(?:'s|s')?\b"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# 28/2, 3/25, and 27.02 (two digits after the dot, so 6.5k stays a distance)
_SLASHED = re.compile(
    r"(?<![\d/:.])(\d{1,2})(?:/(\d{1,2})|\.(\d{2}))(?![\d/:.])(?!\s*(?:k|km|kms|mi|miles?|m)\b)"
)
_EFFORT_RATING = re.compile(r"\b\d{1,2}/10\b|\b(?:effort|rpe|out of)\b")
_PLAN_DAY = re.compile(r"\bday (\d{1,3})\b(?! of)")  # "day 1 lets go"
_RACE_DAY = re.compile(
    r"\brace[\s-]?day\b|\bthe race\b|\b(?:my|the) (?:5k|10k|half|marathon) itself\b"
)
_DAY_BEFORE_RACE = re.compile(r"\bday before (?:the|my) (?:race|5k|10k|half|marathon)\b")
_RACE_WEEK = re.compile(r"\brace week\b|\bweek of the race\b")
_NOT_A_DATE = (
    r"(?!\s+(?:week|weeks|run|runs|workout|session|race|time|half|mile|km|k|day|days|month"
    r"|lap|few|couple|\d))"
)
_THE_NTH = re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b" + _NOT_A_DATE)
_ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
_ORDINAL_WORD = re.compile(
    r"\bthe\s+(?:(twenty|thirty)[\s-]?)?(" + "|".join(_ORDINALS) + r"|thirtieth)\b" + _NOT_A_DATE
)
_TODAY = re.compile(
    r"\b(?:today|todays|to day|2day|tonights?|tonite|this (?:morning|afternoon|evening|arvo)"
    r"|right now)\b"
)
_TOMORROW = re.compile(
    r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tomoro|tmrw|tmr|tmw|tmo|2morrow|2moro|2mrw|2mro)s?\b"
)
_DAY_AFTER = re.compile(r"\bday after(?: tomorrow| tmrw)?\b")
_YESTERDAY = re.compile(r"\b(?:yesterday|yesterdays|yday|last night)\b")
_WEEKEND = re.compile(r"\b(this|next|last)?\s*(?:week\s?end|wknd|wkend|wk end|w/e|weekend)s?\b")
_WEEK = re.compile(
    r"\b(this|next|last|coming|following)\s+(?:week|wk)s?\b"
    r"|\bfor the (?:week|wk)\b(?! (?:before|after))|^\W*wk\b(?!\s*\d)"
    r"|\bmy (?:week|wk)\b(?! (?:before|after|off|\d))"
)
_WEEK_NUMBER = re.compile(r"\b(?:week|wk)\s*(?:#|no\.?|number)?\s*(\d{1,2})\b")


@dataclass(frozen=True)
class Days:
    """The dates a message refers to, and how it named them (for the reply's wording)."""

    dates: tuple[date, ...]
    label: str  # "today", "tomorrow", "thursday", "this weekend", "next week", "week 5", "date"
    whole_week: bool = False  # a calendar week (its total and long run make sense)
    relative: bool = False  # "the day after": resolved against an earlier question's day


def week_of(day: date) -> tuple[date, ...]:
    """Monday to Sunday around ``day``: plans run in calendar weeks that start on Monday."""
    monday = day - timedelta(days=day.weekday())
    return tuple(monday + timedelta(days=i) for i in range(7))


def find_days(
    text: str, today: date, plan_start: date | None = None, race_day: date | None = None
) -> Days | None:
    """The days ``text`` names, relative to ``today``; None when it names none.

    A bare weekday means the next one on or after today ("thursday" on a Friday is next week's);
    "last thursday" looks back. ``plan_start`` lets "week 5" and "day 1" mean the plan's, and
    ``race_day`` lets "race day" and "race week" mean the runner's race.
    """
    t = _weekdays_spelt_right(text.lower().replace("\u2019", "'"))
    if race_day is not None and _RACE_WEEK.search(t):
        return Days(week_of(race_day), "race week", whole_week=True)
    if race_day is not None and _DAY_BEFORE_RACE.search(t):
        return Days((race_day - timedelta(days=1),), "the day before the race")
    if race_day is not None and _RACE_DAY.search(t) and not _WEEKDAY.search(t):
        return Days((race_day,), "race day")
    if plan_start is not None and (match := _PLAN_DAY.search(t)) and int(match.group(1)) >= 1:
        return Days((plan_start + timedelta(days=int(match.group(1)) - 1),), "date")
    if _DAY_AFTER.search(t) and not _TOMORROW.search(t.replace("day after tomorrow", "")):
        if "tomorrow" in t or "tmrw" in t:
            return Days((today + timedelta(days=2),), "the day after tomorrow")
        return Days((today + timedelta(days=1),), "the day after", relative=True)
    if found := _explicit_date(t, today):
        return Days((found,), "date")
    if _TOMORROW.search(t):
        return Days((today + timedelta(days=1),), "tomorrow")
    if _YESTERDAY.search(t):
        return Days((today - timedelta(days=1),), "yesterday")
    if match := _WEEKEND.search(t):
        saturday = week_of(today)[5]
        shift = {"next": 7, "last": -7}.get(match.group(1) or "", 0)
        if not shift and today > saturday + timedelta(days=1):
            shift = 7
        days: tuple[date, ...] = (
            saturday + timedelta(days=shift),
            saturday + timedelta(days=shift + 1),
        )
        if not shift and today.weekday() == 6:
            days = (today,)
        label = {7: "next weekend", -7: "last weekend"}.get(shift, "this weekend")
        return Days(days, label)
    if match := _WEEKDAY.search(t):
        named = [_weekday(m, today) for m in _WEEKDAY.finditer(t)]
        if len(named) > 1 and _LISTED.search(t):  # "thursday and friday, what are they"
            dates = tuple(sorted({d for n in named for d in n.dates}))
            return Days(dates, " and ".join(n.label for n in named))
        return _weekday(match, today)
    if _TODAY.search(t):
        return Days((today,), "today")
    if plan_start is not None and (match := _WEEK_NUMBER.search(t)) and int(match.group(1)) >= 1:
        first = plan_start + timedelta(weeks=int(match.group(1)) - 1)
        return Days(week_of(first), f"week {match.group(1)}", whole_week=True)
    if match := _WEEK.search(t):
        shift = {"next": 7, "following": 7, "last": -7}.get(match.group(1) or "", 0)
        label = {7: "next week", -7: "last week"}.get(shift, "this week")
        return Days(week_of(today + timedelta(days=shift)), label, whole_week=True)
    return None


_DAY_NAME = r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)[a-z]*"
_LISTED = re.compile(rf"\b{_DAY_NAME}\W*(?:and|&|or|,|/|\+)?\W*{_DAY_NAME}\b")
_WEEKDAY_SPELLINGS = (*WEEKDAY_NAMES, "thurs", "tues", "weds")


def _weekdays_spelt_right(t: str) -> str:
    """'thurday', 'wendsday', 'saterday': a word one slip away from a weekday is that day."""

    def fixed(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or _WEEKDAY.fullmatch(word):
            return word
        close = difflib.get_close_matches(word.rstrip("s"), _WEEKDAY_SPELLINGS, n=1, cutoff=0.8)
        return close[0] if close else word

    return re.sub(r"[a-z]+", fixed, t)


def _weekday(match: re.Match[str], today: date) -> Days:
    word = match.group(2)
    index = next(i for i, pattern in enumerate(_WEEKDAY_PATTERNS) if re.fullmatch(pattern, word))
    ahead = (index - today.weekday()) % 7
    qualifier = match.group(1)
    if qualifier == "last":
        back = (today.weekday() - index) % 7 or 7
        return Days((today - timedelta(days=back),), WEEKDAY_NAMES[index])
    if qualifier == "next" and ahead == 0:
        ahead = 7
    return Days((today + timedelta(days=ahead),), WEEKDAY_NAMES[index])


def _explicit_date(t: str, today: date) -> date | None:
    """'2026-12-17', '17 dec', 'dec 17th', 'the 17th': the nearest such date from a week ago on."""
    if match := _ISO.search(t):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    if (match := _SLASHED.search(t)) and not _EFFORT_RATING.search(t):
        first, second = int(match.group(1)), int(match.group(2) or match.group(3))
        readings = [(second, first), (first, second)]  # day/month, then month/day
        found = [
            d for month, day in readings if 1 <= month <= 12 and (d := _nearest(today, month, day))
        ]
        return min(found, key=lambda d: abs((d - today).days)) if found else None
    day_month = None
    if match := _DAY_MONTH.search(t):
        day_month = (int(match.group(1)), match.group(2))
    elif match := _MONTH_DAY.search(t):
        day_month = (int(match.group(2)), match.group(1))
    if day_month is not None:
        month = _MONTHS.index(day_month[1][:3]) + 1
        return _nearest(today, month, day_month[0])
    number = _nth(t)
    if number is not None:
        candidates = []
        for shift in (0, 1):
            year, month = divmod(today.year * 12 + today.month - 1 + shift, 12)
            try:
                candidates.append(date(year, month + 1, number))
            except ValueError:
                continue
        return next((c for c in candidates if c >= today - timedelta(days=7)), None)
    return None


def _nth(t: str) -> int | None:
    """'the 17th', 'the twenty first': a day of the month on its own."""
    if match := _THE_NTH.search(t):
        return int(match.group(1))
    if match := _ORDINAL_WORD.search(t):
        if match.group(2) == "thirtieth":
            return 30
        tens = {"twenty": 20, "thirty": 30}.get(match.group(1) or "", 0)
        return tens + _ORDINALS.index(match.group(2)) + 1
    return None


def _nearest(today: date, month: int, day: int) -> date | None:
    """This year's date, or next year's if this year's is more than a week gone."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today - timedelta(days=7):
            return found
    return None
