"""Greetings, thanks and goodbyes get a short human reply, not "I won't guess".

Only whole messages that are nothing but small talk match ("thanks!", "hi coach", "ok cool"),
so "thanks, and what about tomorrow?" still reaches the question it carries.
"""

from __future__ import annotations

import re

_GREETING = (
    r"hi+|hey+|hello+|hiya|howdy|yo|sup|wassup|what's up|whats up|hey there|hi there|hello there"
    r"|good (?:morning|afternoon|evening|day)|morning|evening|g'day|hola|bonjour|greetings"
    r"|👋|🙋"
)
_THANKS = (
    r"thanks?|thank you|thank u|thx|thnx|thanx|tnx|ty|tysm|cheers|ta|much appreciated"
    r"|appreciate (?:it|that)"
    r"|thanks a lot|thanks so much|many thanks|great thanks|legend|you're the best|youre the best"
    r"|(?:you(?:'re| are|re)?|ur|u r|u are) (?:a |the )?(?:star|legend|great|awesome|amazing"
    r"|brilliant|the best|best"
    r"|a lifesaver|so helpful|very helpful|really helpful)"
    r"|(?:that's|thats|that was) (?:really |so )?(?:helpful|great|perfect|useful|brilliant)"
    r"|great help|big help|love this|love you"
)
_ACK = (
    r"ok|okay|k|kk|okey|cool|great|nice|awesome|perfect|sweet|lol|haha|got it|gotcha|sounds good"
    r"|will do|noted|fair enough|makes sense|good to know|brilliant|amazing|love it|nice one"
    r"|understood|roger|alright|all right|sure|yep|yes|yeah|yup|no worries|👍|🙏|💪|😊|🙂|🏃|👌"
)
_BYE = (
    r"bye|goodbye|see (?:you|ya)|later|cya|good ?night|night|nite|ttyl|take care|off to bed"
    r"|going to bed|bed time|bedtime|heading off|gotta go|got to go|talk (?:soon|later)"
)
_FILLER = (
    r"(?:\s*(?:coach|mate|buddy|bot|runcoach|man|dude|again|so much|very much|[!.,?:)😀-🙏]+)\s*)*"
)


def _whole(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:(?:{alternatives}){_FILLER}[\s,]*)+$", re.IGNORECASE)


_PATTERNS = (
    ("thanks", _whole(f"{_THANKS}|{_ACK}")),
    ("greeting", _whole(_GREETING)),
    ("bye", _whole(f"{_BYE}|{_THANKS}")),
    ("ack", _whole(_ACK)),
)


def kind_of(text: str) -> str | None:
    """'greeting', 'thanks', 'bye' or 'ack' for a message that is only small talk, else None."""
    cleaned = " ".join(text.lower().replace("\u2019", "'").split())
    if not cleaned or len(cleaned) > 60:
        return None
    for kind, pattern in _PATTERNS:
        if pattern.fullmatch(cleaned):
            if kind == "thanks" and not re.search(_THANKS, cleaned, re.IGNORECASE):
                continue
            return kind
    return None


def reply_to(kind: str, name: str, today_line: str | None) -> str:
    """The reply; a greeting from a runner with a plan carries today's workout."""
    first = name.split()[0] if name.strip() else ""
    hello = f"Hi {first}!" if first and not first.isdigit() and len(first) <= 30 else "Hi!"
    if kind == "greeting":
        if today_line:
            return f"{hello} {today_line} Ask me anything about your training."
        return (
            f"{hello} I'm your running coach: ask me anything about training, or try "
            "/plan 10k 8weeks for a plan. /help lists everything."
        )
    if kind == "thanks":
        return "You're welcome! Happy running."
    if kind == "bye":
        return "See you! Enjoy your next run."
    return "Great. Anything else, just ask."
