"""Medical red flags: messages that must get safety advice before anything else.

A runner describing chest pain or fainting needs "stop and get help" in the first line, whatever
the retrieval or the model makes of the rest. The patterns err on the side of warning: a false
alarm costs one sentence, a missed one can cost far more.
"""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"chest\s*(pain|pressure|tight|hurt|ache)|(pain|pressure|tight\w*)\s+(in|on)\s+(my\s+)?chest"
        r"|(squeez\w*|crush\w*|tight\w*|pressure|heavy|heaviness)\b[^.?!]{0,25}\b(in|on|across)\s+"
        r"(my\s+|the\s+)?chest\b(?!\s*strap)"
        r"|chest\b(?!\s*strap)[^.?!]{0,25}\b(pain|pressure|tight\w*|hurt\w*|ach\w*|squeez\w*"
        r"|crush\w*|heavy)"
        r"|(pain|ache|aching|tingl\w*|numb\w*)[^.?!]{0,30}\b(spread\w*|radiat\w*|going|shoot\w*)"
        r"\s+(down\s+|up\s+|in)?(to\s+|into\s+)?(my\s+)?(left\s+)?(arm|jaw|neck|shoulder)",
        "chest pain or pressure",
    ),
    (r"faint|pass(ed)?\s*out|black(ed)?\s*out|collaps|lost consciousness", "fainting"),
    (
        r"(can'?t|cannot|could ?n'?t)\s+(catch|get)\s+(my\s+)?breath|short(ness)?\s+of\s+breath"
        r"|struggl\w*\s+to\s+breathe",
        "severe breathlessness",
    ),
    (
        r"palpitat|heart\s+(is\s+|was\s+|started\s+)?(flutter|racing|skipping|pounding)|irregular\s+(heart|pulse)",
        "an irregular heartbeat",
    ),
    (r"confus|disorient|slurr", "confusion"),
    (
        r"(sharp|stabbing|severe|worsening|getting worse|unbearable)\b[^.?!]{0,40}\bpain"
        r"|pain[^.?!]{0,40}\b(getting worse|worse and worse|at night|keeps me awake)",
        "sharp or worsening pain",
    ),
    (
        r"calf\b[^.?!]{0,40}\b(swollen|swelling|red and hot)|(swollen|swelling)[^.?!]{0,30}\bcalf",
        "a swollen, painful calf",
    ),
    (
        r"(brown|dark|cola)[- ]colou?red\s+(urine|pee)"
        r"|(peeing|urine|pee|wee)\b[^.?!]{0,20}\b(brown|cola|coke|tea[- ]colou?red|dark brown|red)",
        "dark urine after hard exercise",
    ),
    (
        r"\b(bone|shin|foot|hip|heel|metatarsal)\b[^.?!]{0,60}\b(at night|in the night"
        r"|keeps me awake"
        r"|wakes me|at rest|more (?:every|each) (?:run|time)|worse (?:every|each) (?:run|time))",
        "bone pain that gets worse or aches at night",
    ),
    (r"cough\w*\s+(up\s+)?blood|vomit\w*\s+blood", "bleeding"),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), label) for pattern, label in _PATTERNS)


def red_flags(text: str) -> list[str]:
    """The red flags ``text`` describes, in a fixed order; empty for an ordinary question."""
    return [label for pattern, label in _COMPILED if pattern.search(text)]


def safety_advice(flags: list[str]) -> str:
    """The first thing the coach says when ``flags`` is not empty."""
    described = " and ".join(flags)
    return (
        f"Safety first: {described} can be a sign of something serious. Stop running now. If it "
        "is severe, sudden or not easing, call emergency services (112 / 911 / 999); otherwise "
        "see a doctor before you train again."
    )
