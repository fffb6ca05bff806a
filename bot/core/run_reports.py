"""A run told in words: "did 8k this morning, legs heavy", "ran 10 miles yesterday felt great".

A coach logs that as the day's check-in; a search engine matches "legs" to an injury entry.
This reads the report (pure): which day, how far, how it went, and the runner's own words as the
note. Questions ("should I run 8k today?") and plans ("I want to run 8k tomorrow") are not
reports: only something already done is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.quantities import WORD_NUMBERS
from bot.core.when import find_days
from bot.plans.model import Units

_DONE = re.compile(
    r"\b(?:did|done|ran|finished|completed|smashed|knocked out|nailed|got in|got out"
    r"|went (?:for|out)|managed|logged|jogged|crushed|killed|survived|struggled through"
    r"|got in|squeezed in|banged out|ticked off)\b"
    r"|\b(?:back|home|in) from (?:a |an |my |the |this morning's |today's )?(?:\d|one|two|three"
    r"|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|long|easy|tempo|recovery|run|jog"
    r"|parkrun|session|workout|intervals|reps)"
)
_NOT_DONE = re.compile(
    r"\b(?:will|going to|gonna|plan to|planning|want to|wanna|should|shall|tomorrow|tmrw"
    r"|next|later|tonight i'll|can i|could i|would|if)\b|\?"
)
_RUN_THING = re.compile(
    r"\b(?:run|jog|long run|long one|tempo|intervals?|reps|workout|session|easy run|recovery run"
    r"|race|parkrun|5k|10k|half|marathon|miles?|km|kms|k)\b"
)
_DISTANCE = re.compile(
    r"(?<![\d:.])(\d{1,3}(?:[.,]\d{1,2})?|"
    + "|".join(WORD_NUMBERS)
    + r")\s*(km|kms|k|kilomet(?:er|re)s?|mi|mile|miles|m)\b"
)
_SKIPPED = re.compile(
    r"\b(?:skipped|missed|didn't run|did not run|couldn't run|no run|bailed"
    r"|took (?:a|the) day off|didn't (?:make it|get) out|couldn't (?:make it|get) out"
    r"|didn't get (?:my|the|a) run in|never made it out)\b"
)
_ILL = re.compile(
    r"\b(?:(?:i'm|im|i am|been|feeling|feel|got|have|caught|came down with|down with|in bed with)"
    r"\s+(?:(?:so|really|a bit|quite|pretty|very|a|the)\s+)*(?:sick|ill|unwell|poorly|flu|the flu"
    r"|a cold|covid|a fever|a temperature|a stomach bug|a bug|a virus|food poisoning))\b"
)
_HARD = re.compile(
    r"\b(?:too hard|way too hard|brutal|struggled|couldn't (?:hit|keep|finish|hold)|died"
    r"|blew up|destroyed|wrecked|really tough|so hard|exhausting|exhausted|killed me)\b"
)
_BODY_PART = (
    r"(?:knee|knees|ankle|hip|shin|shins|foot|feet|achilles|calf|calves|hamstring|hammy|heel|quad"
    r"|glute|groin|back|it band|itb|arch|toe|hip flexor)"
)
_NIGGLE = re.compile(
    r"\b(?:pain|painful|hurt|hurts|hurting|niggle|niggly|twinge|tweaked)\b"
    rf"|\b{_BODY_PART}\b[^.!?]{{0,20}}\b(?:tight|sore|aching|achy|stiff|twing\w*)\b"
    rf"|\b(?:tight|sore|aching|achy|stiff)\s+(?:left |right )?{_BODY_PART}\b"
)
_BARE_DISTANCE = re.compile(
    r"\b(?:ran|did|done|jogged|completed|finished)\s+(?:a |an |my |the )?(\d{1,2}(?:[.,]\d{1,2})?)"
    r"(?!\s*(?:min|mins|minutes|hours?|hrs?|:|x|s\b|sec))\b"
)
_MAX_KM = 150.0


@dataclass(frozen=True)
class RunReport:
    day: date
    status: str  # done, skip, hard, niggle, sick (the check-in commands' names)
    distance_km: float | None
    note: str


def read(text: str, today: date, units: Units) -> RunReport | None:
    """The run ``text`` reports, or None when it reports none."""
    t = " ".join(text.lower().replace("\u2019", "'").split())
    when = find_days(t, today)
    if when is not None and (when.whole_week or when.label == "tomorrow"):
        return None  # "ran 40k last week": context for something else, not a day's check-in
    if _ILL.search(t) and not _NOT_DONE.search(t):
        return RunReport(_day(t, today), "sick", None, text.strip())
    if _SKIPPED.search(t) and not _NOT_DONE.search(t):
        return RunReport(_day(t, today), "skip", None, text.strip())
    if not _DONE.search(t) or _NOT_DONE.search(t):
        return None
    if not (_RUN_THING.search(t) or _DISTANCE.search(t) or _BARE_DISTANCE.search(t)):
        return None
    if re.match(r"^\s*(?:how|what|why|when|which|is|are|am|do|does|should|can|could)\b", t):
        return None
    distance = _distance(t, units)
    if distance is None and not re.search(
        r"\b(?:long run|tempo|intervals?|reps|workout|session|run|jog)\b", t
    ):
        return None
    status = "niggle" if _NIGGLE.search(t) else "hard" if _HARD.search(t) else "done"
    return RunReport(_day(t, today), status, distance, text.strip())


def _day(t: str, today: date) -> date:
    """The day the run was: a report is about the past, so "tuesday" is the last one."""
    found = find_days(t, today)
    if found is None or found.whole_week:
        return today
    day = found.dates[0]
    return day - timedelta(days=7) if day > today else day


def _distance(t: str, units: Units) -> float | None:
    match = _DISTANCE.search(t)
    if match is None:
        bare = _BARE_DISTANCE.search(t)
        if bare is None:
            return None
        value = float(bare.group(1).replace(",", "."))
        return round(value * 1.609344 if units == "mi" else value, 2) or None
    number = match.group(1)
    value = float(WORD_NUMBERS.get(number) or number.replace(",", "."))
    unit = match.group(2)
    if unit == "m":
        if value < 100:  # "8m" is 8 miles in runner's shorthand; metres would be a sprint
            unit = "mi"
        else:
            return None
    km = value * 1.609344 if unit.startswith("mi") else value
    if not 0 < km <= _MAX_KM:
        return None
    return round(km, 2)
