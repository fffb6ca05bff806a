"""/profile: a runner's standing facts (volume, days, long-run day, a recent race, a goal),
shown, or set from `weekly=30 days=4` or plain words; they fill in every later /plan."""

from __future__ import annotations

from bot.core.commands import Argument, Command
from bot.core.errors import UserFacingError
from bot.core.features.context import Context
from bot.core.features.shared import reply
from bot.core.messages import OutgoingMessage
from bot.core.profile_text import apply_update, describe_profile, parse_profile_update


async def profile(ctx: Context, text: str) -> list[OutgoingMessage]:
    if not text:
        return reply(describe_profile(await ctx.profile(await ctx.find_user())))
    fields = parse_profile_update(text)
    if not fields:
        raise UserFacingError(
            "I found nothing to update: try /profile weekly=30 days=4 long=sun or "
            "'/profile I run 30 km a week, 4 days'"
        )
    user = await ctx.user()
    updated = apply_update(await ctx.storage.profile(user.id), fields)
    await ctx.storage.save_profile(user.id, updated)
    return reply("Saved. " + describe_profile(updated))


COMMAND = Command(
    "profile",
    "/profile [weekly=30 days=4 long=sun race=10k=50:00]",
    "show or set",
    profile,
    arguments=(
        Argument("text", "text", "e.g. 'I run 30 km a week, 4 days' or weekly=30 days=4 long=sun"),
    ),
)
