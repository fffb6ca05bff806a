"""The command table every platform shares.

Telegram's setMyCommands, Discord's slash commands and `/help` are all generated from this one
list, so a command documented in one place exists everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str


COMMANDS: tuple[Command, ...] = (
    Command("plan", "/plan 10k 8weeks [4days] [weekly=30] [race=5k=24:00]", "build a plan"),
    Command("today", "/today", "today's workout"),
    Command("done", "/done [YYYY-MM-DD] [8.5km] [effort=6]", "check in a run you did"),
    Command("skip", "/skip [YYYY-MM-DD]", "check in a run you missed"),
    Command("hard", "/hard [YYYY-MM-DD] [effort=9]", "a run that was too hard"),
    Command("niggle", "/niggle [YYYY-MM-DD] [where it hurts]", "ran with a niggle"),
    Command("sick", "/sick [YYYY-MM-DD]", "ill: pause the plan"),
    Command("why", "/why", "why today's workout"),
    Command("progress", "/progress", "planned vs done, with a chart"),
    Command("week", "/week [N]", "this week's workouts, or week N"),
    Command("profile", "/profile [weekly=30 days=4 long=sun race=10k=50:00]", "show or set"),
    Command("remind", "/remind 06:30 [Europe/Paris] | /remind off", "daily workout reminder"),
    Command("export", "/export", "your plan as a calendar (.ics) and JSON"),
    Command("forget", "/forget", "delete everything stored about you"),
    Command("help", "/help", "what I can do"),
    Command("start", "/start", "welcome"),
)
COMMAND_NAMES = frozenset(command.name for command in COMMANDS)

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def split_command(text: str) -> tuple[str, str] | None:
    """'/plan@MyBot 10k 8w' -> ('plan', '10k 8w'); None when the text is not a command."""
    match = _COMMAND.match(text)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def help_text() -> str:
    lines = [
        "I'm your running coach. I build training plans from Daniels' VDOT paces, with "
        "progressive load, cutback weeks and a taper, and answer your running questions.",
        "",
    ]
    lines += [f"{command.usage} - {command.summary}" for command in COMMANDS[:-1]]
    lines += ["/plan diff - what changed when your plan adapted"]
    lines += [
        "",
        "Examples: /plan half 12w 4days weekly=30 race=10k=52:00 | /profile I run 25 km a "
        "week, 3 days | /remind 06:30 Europe/London",
        "Or just ask a question in plain words.",
    ]
    return "\n".join(lines)
