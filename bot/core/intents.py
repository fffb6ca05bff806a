"""Plain-words requests that mean a command: "make me a 10k plan for 8 weeks" runs /plan with
distance 10k and 8 weeks, its arguments read here and handed to the handler as they are.

Routing a question to a command by mistake hides the answer the runner asked for, which is worse
than making them type the command, so every pattern here is narrow: a message that asks anything
(how, what, is, should...) or says more than the command can carry is left to the answer pipeline.
"""

from __future__ import annotations

import re

from bot.core.commands import Invocation
from bot.core.features.plan import PlanArgs
from bot.core.features.remind import RemindArgs
from bot.core.profile_text import fact_spans

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-four": 24, "twenty four": 24,
}  # fmt: skip
_N = r"(\d+|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_RACES = (
    (r"half[ -]?marathon|half|hm|21\s?km?", "half"),
    (r"(?:full\s+)?marathon|42\s?km?", "marathon"),
    (r"10\s?km?", "10k"),
    (r"5\s?km?", "5k"),
)
_RACE = "(?:" + "|".join(pattern for pattern, _ in _RACES) + ")"
_QUESTION = re.compile(
    r"^\s*(?:how|what|what's|whats|why|when|which|where|who|is|are|am|does|do|should|shall"
    r"|did (?:i|you|we|it|my|the)|isn't|has|have|can i|could i|would it|will it|will i|would i)\b"
)
_FILLER = re.compile(r"^(?:(?:hey|hi|hello|ok|okay|so|coach|please)\b[\s,!]*)+|[\s,]*\bplease\b")

# ---- /today, /week, /remind: whole-message templates ------------------------------------------

_ASK = r"(?:(?:what's|what is|whats|show me|give me|send me|tell me)\s+)?"
_NOUN = r"(?:workouts?|sessions?|runs?|training|plan|schedule)"
_TODAY = re.compile(
    rf"{_ASK}(?:(?:my|the)\s+)?(?:{_NOUN}\s+(?:for\s+)?)?today|{_ASK}today'?s\s+{_NOUN}"
    r"|what's on (?:for )?today|what (?:do|should|am) i (?:run|do|doing|running) today"
)
_WEEK = re.compile(
    rf"{_ASK}(?:(?:my|the)\s+)?(?:{_NOUN}\s+(?:for\s+|of\s+)?)?(?:this week|week (\d+))"
    rf"|{_ASK}this week'?s\s+{_NOUN}|what's on (?:for )?this week"
    r"|what (?:do|should|am) i (?:run|do|doing|running) this week"
)
_DAILY = r"(?:\s+(?:every\s?day|daily|each day|every morning|each morning|every evening))?"
_REMIND = re.compile(
    r"(?:(?:can|could) you\s+)?(?:remind me|set (?:up )?(?:a |my )?(?:daily )?reminder"
    rf"|send me (?:my |the )?(?:workouts?|plan)){_DAILY}(?:\s+(?:at|for))?\s+"
    r"(\d{1,2})(?:[:.h](\d{2}))?\s*([ap]\.?m\.?)?"
    + _DAILY
    + r"(?:\s+([a-z]+/[a-z_]+(?:/[a-z_]+)?|utc))?",
    re.IGNORECASE,
)
_REMIND_OFF = re.compile(
    r"(?:stop|turn off|cancel|disable|no more) (?:the |my )?(?:daily )?(?:reminders?|reminding me)"
    r"|turn (?:the |my )?(?:daily )?reminders? off"
)


def command_for(text: str) -> Invocation | None:
    """The command a plain-words request means, or None to let the answer pipeline reply."""
    cleaned = _clean(text)
    lowered = cleaned.lower()
    if _TODAY.fullmatch(lowered):
        return Invocation("today")
    if match := _WEEK.fullmatch(lowered):
        return Invocation("week", match.group(1) or "")
    if _REMIND_OFF.fullmatch(lowered):
        return Invocation("remind", RemindArgs("off"))
    if match := _REMIND.fullmatch(cleaned):
        return _remind(match)
    if _asks_something(lowered):
        return None
    return _plan(lowered) or _profile(cleaned)


def _clean(text: str) -> str:
    text = text.replace("\u2019", "'").strip()
    text = _FILLER.sub("", text.strip())
    text = _FILLER.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" ?!.,")


def _asks_something(lowered: str) -> bool:
    clauses = re.split(r"[,.;:!?]|\b(?:but|and|so)\b", lowered)
    return any(_QUESTION.match(clause) for clause in clauses)


def _remind(match: re.Match[str]) -> Invocation | None:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower()
    if not meridiem and match.group(2) is None:
        return None  # "remind me at 6" could be am or pm, or not a time at all
    if meridiem.startswith("p") and hour < 12:
        hour += 12
    if meridiem.startswith("a") and hour == 12:
        hour = 0
    return Invocation("remind", RemindArgs(f"{hour:02d}:{minute:02d}", match.group(4)))


# ---- /plan ------------------------------------------------------------------------------------

_DESCRIPTOR = (
    rf"(?:a|an|my|the|new|another|good|simple|beginner|beginners|first|training|running|race"
    rf"|for|me|us|{_RACE}|{_N}[\s-]?(?:weeks?|wks?|w|days?|months?)|week|day)"
)
_PLAN_ASK = re.compile(
    r"\b(?:make|build|create|give|write|generate|set up|put together|design|draw up|need|want"
    rf"|get|like)\s+(?:{_DESCRIPTOR}\s+)*(?:plan|programme|program|schedule)\b"
    rf"|(?:^|[.,;!?]\s*)(?:a |an )?{_RACE}\s+(?:plan|programme|program)\b"
    rf"(?=.*\b{_N}[\s-]?(?:weeks?|wks?)\b)"
)
_TRAIN_FOR = re.compile(
    r"\b(?:i\s+(?:want|would like|'d like|need|wanna|am going|'m going|plan)|help me|let's|lets"
    rf"|i'm|i am)\s+(?:to\s+)?(?:train|training|prepare|preparing|get ready)\s+for\s+"
    rf"(?:(?:a|an|my|the|first)\s+)*{_RACE}\b"
)
_WEEKS = re.compile(rf"\b{_N}[\s-]?(?:weeks?|wks?)\b")
_START = re.compile(r"\b(?:start\w*|from|beginning|on)\s+(?:on\s+)?(\d{4}-\d{2}-\d{2})\b")
_MONTHS = re.compile(rf"\b{_N}[\s-]?months?\b")
_DAYS = re.compile(rf"\b{_N}\s*(?:days|runs|times|x)\s*(?:a|per|each|every|/)?\s*(?:week|wk)?\b")
_VOLUME = re.compile(r"\b(\d+(?:\.\d+)?)\s*(km|kms|k|mi|miles?)\s*(?:a|per|each|every|/)\s*week")


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _WORD_NUMBERS[word]


def _plan(lowered: str) -> Invocation | None:
    planned = _PLAN_ASK.search(lowered)
    weeks = _weeks(lowered)
    if not planned and not (_TRAIN_FOR.search(lowered) and weeks):
        return None
    race = next(
        (name for pattern, name in _RACES if re.search(rf"\b(?:{pattern})\b", lowered)), None
    )
    if race is None:
        return None
    days = _DAYS.search(lowered)
    volume = _VOLUME.search(lowered)
    unit = "mi" if volume and volume.group(2).startswith("mi") else ""
    start = _START.search(lowered)
    args = PlanArgs(
        distance=race,
        weeks=str(weeks) if weeks else None,  # without them, the handler asks how many
        days=str(_number(days.group(1))) if days else None,
        weekly_km=volume.group(1) + unit if volume else None,
        start=start.group(1) if start else None,
    )
    return Invocation("plan", args)


def _weeks(lowered: str) -> int | None:
    if match := _WEEKS.search(lowered):
        return _number(match.group(1))
    if match := _MONTHS.search(lowered):
        return round(_number(match.group(1)) * 52 / 12)
    return None


# ---- /profile ---------------------------------------------------------------------------------

# Words a statement of profile facts may carry besides the facts themselves.
_PROFILE_FILLER = frozenset(
    {
        "i", "i'm", "im", "am", "currently", "usually", "normally", "typically", "generally", "now",
        "run", "running", "do", "about", "around", "roughly", "approximately", "and", "also", "my",
        "is", "are", "on", "a", "an", "the", "at", "moment", "these", "days", "so", "far", "just",
        "been", "have", "got", "recently", "ran", "did", "race", "raced", "pb", "pr", "personal",
        "best", "last", "weekend", "month", "year", "fyi", "btw", "for", "info", "note", "that",
        "it", "was", "week", "per", "each", "every", "over", "back", "in", "ago", "of", "with",
        "like", "maybe", "or", "time", "recent", "weekly", "mostly", "this", "couple",
        "few", "weeks", "months", "runs", "times", "spread", "across", "hi", "hey",
        "coach", "plus", "then", "too", "as", "well", "ok", "okay", "yeah",
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "spring", "summer", "autumn", "fall", "winter",
        "miles", "mile", "km", "kms", "metric", "please", "pls", "instead", "units", "doing",
        "getting", "putting", "averaging", "average", "logging", "ish", "approx", "give", "take",
    }
)  # fmt: skip


def profile_facts(text: str) -> str | None:
    """The message itself when it also states profile facts ("I run 38k a week ... make me a
    half plan"): the plan should start from them, and they belong in the profile."""
    cleaned = _clean(text)
    return cleaned if fact_spans(cleaned) else None


def _profile(cleaned: str) -> Invocation | None:
    spans = fact_spans(cleaned)
    if not spans:
        return None
    rest = list(cleaned)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    words = re.findall(r"[a-z']+|\d\S*", "".join(rest).lower())
    # Several facts at once ("I run 35k a week over 5 days, 10k pb 46:30") are a statement of
    # them whatever else the message says; one fact must come with filler words only.
    if len(spans) < 2 and any(word not in _PROFILE_FILLER for word in words):
        return None
    return Invocation("profile", cleaned)
