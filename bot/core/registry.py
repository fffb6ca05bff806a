"""The one command table: routing, /help, Telegram's menu and Discord's slash commands read it.

Each command is declared in its feature module; this only puts them in the order runners see
them in /help and in the platforms' menus.
"""

from __future__ import annotations

from typing import Any

from bot.core.commands import Command
from bot.core.features import checkins, export, forget, plan, profile, remind, today
from bot.core.features.help import HELP, START

COMMANDS: tuple[Command[Any], ...] = (
    plan.COMMAND,
    today.TODAY,
    *checkins.CHECK_INS,
    checkins.WHY,
    checkins.PROGRESS,
    today.WEEK,
    profile.COMMAND,
    remind.COMMAND,
    export.COMMAND,
    forget.COMMAND,
    HELP,
    START,
)
_BY_NAME = {command.name: command for command in COMMANDS}


def find(name: str) -> Command[Any] | None:
    return _BY_NAME.get(name)
