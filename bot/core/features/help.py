"""/help and /start: what the coach can do, listed from the command table itself."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.core.commands import Command
from bot.core.features.context import Context
from bot.core.features.shared import reply
from bot.core.messages import OutgoingMessage


def help_text(commands: Iterable[Command[Any]]) -> str:
    listed = [command for command in commands if command.in_help]
    lines = [
        "I'm your running coach. I build training plans from Daniels' VDOT paces, with "
        "progressive load, cutback weeks and a taper, and answer your running questions.",
        "",
    ]
    lines += [f"{command.usage} - {command.summary}" for command in listed]
    lines += [line for command in listed for line in command.more_help]
    lines += [
        "",
        "Examples: /plan half 12w 4days weekly=30 race=10k=52:00 | /profile I run 25 km a "
        "week, 3 days | /remind 06:30 Europe/London",
        "Or just ask a question in plain words.",
    ]
    return "\n".join(lines)


async def show_help(ctx: Context, words: str) -> list[OutgoingMessage]:
    return reply(help_text(ctx.commands))


HELP = Command("help", "/help", "what I can do", show_help, public=True)
START = Command("start", "/start", "welcome", show_help, in_help=False, public=True)
