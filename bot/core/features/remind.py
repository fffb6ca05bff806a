"""/remind: a daily message with the day's workout at the runner's local time, or none."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import Argument, Command
from bot.core.errors import UserFacingError
from bot.core.features.context import Context
from bot.core.features.shared import reply
from bot.core.messages import OutgoingMessage
from bot.core.parsing import parse_clock_time, parse_timezone

USAGE = "write /remind HH:MM [timezone], e.g. /remind 06:30 Europe/Paris"


@dataclass(frozen=True)
class RemindArgs:
    """As the runner gave them: no time shows the reminder, 'off' alone turns it off."""

    time: str | None = None
    timezone: str | None = None


def parse(words: str) -> RemindArgs:
    parts = words.split()
    if len(parts) > 2:
        raise UserFacingError(USAGE)
    return RemindArgs(*parts)


async def remind(ctx: Context, args: RemindArgs) -> list[OutgoingMessage]:
    user = await ctx.find_user()
    if not args.time:
        if user is None or not user.reminders_on or user.remind_at is None:
            return reply("Reminders are off. Turn them on with /remind 06:30 Europe/London")
        return reply(
            f"Daily reminder at {user.remind_at:%H:%M} {ctx.timezone(user)}. "
            "Turn it off with /remind off"
        )
    if args.time.lower() == "off" and not args.timezone:
        if user is not None:
            await ctx.storage.set_reminder(user.id, None, user.timezone)
        return reply("Daily reminders are off. Turn them back on with /remind 06:30")
    at = parse_clock_time(args.time)
    zone = parse_timezone(args.timezone) if args.timezone else ctx.timezone(user)
    user = user or await ctx.user()
    await ctx.storage.set_reminder(user.id, at, zone)
    text = (
        f"Daily reminder set for {at:%H:%M} ({zone}). You'll get each day's workout then; "
        "/remind off stops it."
    )
    if await ctx.storage.active_plan(user.id) is None:
        text += " Reminders carry your plan's workouts: build one with /plan 10k 8weeks."
    return reply(text)


COMMAND = Command(
    "remind",
    "/remind 06:30 [Europe/Paris] | /remind off",
    "daily workout reminder",
    remind,
    arguments=(
        Argument("time", "time", "Local time as HH:MM, e.g. 06:30, or 'off'", True),
        Argument("timezone", "timezone", "Your time zone, e.g. Europe/Paris", suggest="timezone"),
    ),
    parse=parse,
    from_options=RemindArgs,
)
