"""/plan: build a training plan, show the active one, or (/plan diff) what an adaptation changed.

A request arrives either as the words typed after /plan or as options already told apart (a
Discord form, a request in plain words). Both go through the plans engine's request checks, so
a bad value gets the same refusal on every platform; the runner's profile fills in the rest.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from bot.core.commands import Argument, Command
from bot.core.errors import UserFacingError
from bot.core.features.checkins import plan_diff
from bot.core.features.context import Context
from bot.core.features.shared import defaults, plan_files, reply, request_dict
from bot.core.messages import OutgoingMessage
from bot.plans import render
from bot.plans.generator import generate_plan
from bot.plans.model import PlanRequestError
from bot.plans.request import ParsedPlan, PlanDefaults, RawPlanOptions, build_request
from bot.plans.request import parse_plan_text as parse_words


@dataclass(frozen=True)
class PlanArgs:
    """What /plan was asked, not yet checked. ``words`` is what was typed after /plan in chat;
    the other fields are options already told apart, each as the runner gave it."""

    words: str = ""
    distance: str | None = None
    weeks: str | None = None
    days: str | None = None
    weekly_km: str | None = None
    recent_race: str | None = None
    long_run_day: str | None = None
    start: str | None = None
    longest_run: str | None = None
    units: str | None = None

    @classmethod
    def from_options(cls, **options: Any) -> PlanArgs:
        return cls(**{name: str(value) for name, value in options.items()})

    def options(self) -> dict[str, str]:
        """The options given, by name (``words`` aside)."""
        return {
            f.name: value
            for f in fields(self)
            if f.name != "words" and (value := getattr(self, f.name)) is not None
        }


async def plan(ctx: Context, args: PlanArgs) -> list[OutgoingMessage]:
    user = await ctx.find_user()
    if args.words.lower() == "diff":
        return await plan_diff(ctx, user)
    if not args.words and not args.options():
        record = await ctx.active_plan(user)
        if record is None:
            raise UserFacingError(
                "tell me the race and the weeks, e.g. /plan 10k 8weeks or /plan half 12w 4days"
            )
        return reply(render.overview_text(record.plan, record.units))
    parsed, asked = _request(args, ctx.local_date(user), defaults(await ctx.profile(user)))
    built = generate_plan(parsed.request)
    request = request_dict(parsed.request, parsed.units, asked)
    # Drawn while the plan is stored: in a burst of runners the writes queue for the database
    # and the drawings for the CPU, and the chart waited out both in turn (issue 15).
    files = asyncio.ensure_future(plan_files(ctx.renderer, built, parsed.units, with_chart=True))
    try:
        user = user or await ctx.user()
        await ctx.storage.save_plan(user.id, request, built)
    except BaseException:
        files.cancel()  # nobody will be sent a plan that was not stored
        await asyncio.gather(files, return_exceptions=True)
        raise
    return [OutgoingMessage(text=render.overview_text(built, parsed.units)), *await files]


def _request(args: PlanArgs, today: date, known: PlanDefaults) -> tuple[ParsedPlan, str]:
    """The checked request, and the words it was asked in (kept with the plan)."""
    if args.words:
        return parse_words(args.words, today, known), args.words
    options = args.options()
    if args.distance is None or args.weeks is None:
        race = args.distance or "race"
        raise PlanRequestError(f"how many weeks until your {race}? e.g. /plan {race} 8weeks")
    asked = " ".join(f"{name}={value}" for name, value in options.items())
    return build_request(RawPlanOptions(**options), today, known), asked


COMMAND = Command(
    "plan",
    "/plan 10k 8weeks [4days] [weekly=30] [race=5k=24:00]",
    "build a plan",
    plan,
    arguments=(
        Argument("distance", "text", "Race: 5k, 10k, half or marathon", True, suggest="distance"),
        Argument("weeks", "integer", "Weeks until race day (1 to 52)", True),
        Argument("days", "integer", "Runs per week (2 to 7)"),
        Argument("weekly_km", "number", "What you run now, km per week"),
        Argument("recent_race", "text", "A recent result for exact paces, e.g. 10k=45:00"),
        Argument("long_run_day", "weekday", "Day of the long run"),
        Argument("start", "date", "First day, a Monday, YYYY-MM-DD (default: next Monday)"),
        Argument("longest_run", "number", "Your longest run in the last 30 days, km"),
        Argument(
            "units", "choice", "Units for the plan's text, calendar and chart", choices=("km", "mi")
        ),
    ),
    parse=lambda words: PlanArgs(words=words),
    from_options=PlanArgs.from_options,
    more_help=("/plan diff - what changed when your plan adapted",),
    draws=True,
)
