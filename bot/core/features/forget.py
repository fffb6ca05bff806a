"""/forget: delete everything stored about a runner, only after they confirm within 5 minutes."""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import Command
from bot.core.errors import UserFacingError
from bot.core.features.context import Context
from bot.core.features.shared import reply
from bot.core.messages import OutgoingMessage

WINDOW = timedelta(minutes=5)


async def forget(ctx: Context, answer: str) -> list[OutgoingMessage]:
    if answer.lower() not in ("", "confirm", "yes"):
        raise UserFacingError("send /forget, then /forget confirm to delete your data")
    now = ctx.clock()
    if not answer:
        ctx.confirmations.ask("forget", ctx.message, now + WINDOW)
        return reply(
            "This deletes your profile, plans, reminders and conversation for good. "
            "Send /forget confirm within 5 minutes to go ahead."
        )
    if not ctx.confirmations.take("forget", ctx.message, now):
        raise UserFacingError("nothing to confirm: send /forget first, then /forget confirm")
    user = ctx.find_user()
    if user is not None:
        ctx.storage.forget(user.id)
    return reply("Done: everything I stored about you is deleted. Send /start to begin again.")


COMMAND = Command("forget", "/forget", "delete everything stored about you", forget)
