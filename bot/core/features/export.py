"""/export: the active plan as files a runner keeps: a calendar to import and the plan's JSON."""

from __future__ import annotations

from bot.core.commands import Command
from bot.core.features.context import Context
from bot.core.features.shared import file_stem, plan_files
from bot.core.messages import OutgoingFile, OutgoingMessage
from bot.plans import render


async def export(ctx: Context, words: str) -> list[OutgoingMessage]:
    _, record = await ctx.active()
    plan = record.plan
    data = render.to_json(plan).encode()
    return [
        OutgoingMessage(text="Your plan: import the .ics into Google or Apple Calendar."),
        *await plan_files(ctx.renderer, plan, record.units, with_chart=False),
        OutgoingMessage(file=OutgoingFile(file_stem(plan) + ".json", data, "application/json")),
    ]


COMMAND = Command(
    "export", "/export", "your plan as a calendar (.ics) and JSON", export, draws=True
)
