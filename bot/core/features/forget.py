"""/forget: delete everything stored about a runner, only after they confirm within 5 minutes.

The pending request is kept by storage, not in memory, so a confirmation reaches it whichever
process answers, and of two confirmations at once only one deletes.
"""

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
    user = await ctx.find_user()
    now = ctx.clock()
    if not answer:
        if user is not None:
            await ctx.storage.request_forget(user.id, now + WINDOW)
        return reply(
            "This deletes your profile, plans, reminders and conversation for good. "
            "Send /forget confirm within 5 minutes to go ahead."
        )
    if user is None or not await ctx.storage.confirm_forget(user.id, now):
        raise UserFacingError("nothing to confirm: send /forget first, then /forget confirm")
    if ctx.files is not None:
        ctx.files.forget_files(ctx.message.platform, ctx.message.user_ref)
    return reply("Done: everything I stored about you is deleted. Send /start to begin again.")


COMMAND = Command("forget", "/forget", "delete everything stored about you", forget)
