"""Chat shorthand spelled out before a question is searched.

Runners type questions the way they text ("what do i eat b4 a marathon", "how many km shud i
run a wk"). Neither BM25 nor the embedding model knows "b4" or "wk": the first found the
after-run meal, the second the marathon's length, where "before" and "week" find the right
entries. Only shorthand that means one thing in running talk is listed; "hr" (hour or heart
rate) and single letters ("u", "r") are left as typed.
"""

from __future__ import annotations

import re

SHORTHAND = {
    "b4": "before",
    "wk": "week",
    "wks": "weeks",
    "wkly": "weekly",
    "shud": "should",
    "shld": "should",
    "shd": "should",
    "wat": "what",
    "wot": "what",
    "abt": "about",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "w/": "with",
    "w/o": "without",
    "wanna": "want to",
    "gonna": "going to",
    "2day": "today",
    "2nite": "tonight",
    "rn": "right now",
    "mins": "minutes",
    "secs": "seconds",
    "mi": "miles",
}
# Longest first, so "w/o" is read before "w/"; a word ends at a space or punctuation, not inside
# another word or number ("b45", "mins" in "minsk").
_WORD = re.compile(
    r"(?<![\w/])("
    + "|".join(re.escape(word) for word in sorted(SHORTHAND, key=len, reverse=True))
    + r")(?![\w/])",
    re.IGNORECASE,
)


def spelled_out(text: str) -> str:
    return _WORD.sub(lambda match: SHORTHAND[match.group(1).lower()], text)
