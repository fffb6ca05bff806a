"""/today and /week: the runner's workouts by their own calendar, not the server's."""

from __future__ import annotations

from datetime import date

from bot.core.checkins import actions_for
from bot.core.commands import Argument, Command
from bot.core.errors import UserFacingError
from bot.core.features.context import Context
from bot.core.features.shared import reply
from bot.core.messages import OutgoingMessage
from bot.core.parsing import quote
from bot.plans import render
from bot.plans.model import days_of, plan_start, race_day
from bot.plans.workouts import describe_day


async def today(ctx: Context, words: str) -> list[OutgoingMessage]:
    """Today's workout with its one-tap check-in answers; before and after the plan, a pointer."""
    user, record = await ctx.active()
    day_of = ctx.local_date(user)
    plan, units = record.plan, record.units
    start = plan_start(plan)
    if day_of < start:
        upcoming = next(day for day in plan["weeks"][0]["days"] if day["kind"] != "rest")
        return reply(
            f"Your plan starts {start:%A %d %b}. First workout, "
            f"{date.fromisoformat(upcoming['date']):%A}: {describe_day(upcoming, units)}"
        )
    if day_of > race_day(plan):
        return reply("Your plan is finished - well done! Send /plan to build the next one.")
    day = days_of(plan)[day_of.isoformat()]
    actions = actions_for(day_of) if day["kind"] != "rest" else ()
    text = f"Today, {day_of:%A %d %b}: {describe_day(day, units)}"
    return [OutgoingMessage(text=text, actions=actions)]


async def week(ctx: Context, number: str) -> list[OutgoingMessage]:
    """Week ``number`` of the plan, or the week the runner is in (clamped to the plan)."""
    user, record = await ctx.active()
    plan = record.plan
    if number:
        if not number.isdigit():
            raise UserFacingError(f"'{quote(number, 20)}' is not a week number: try /week 3")
        shown = int(number)
    else:
        elapsed = (ctx.local_date(user) - plan_start(plan)).days // 7 + 1
        shown = min(max(elapsed, 1), len(plan["weeks"]))
    try:
        return reply(render.week_text(plan, shown, record.units))
    except ValueError as err:
        raise UserFacingError(str(err)) from None


TODAY = Command("today", "/today", "today's workout", today)
WEEK = Command(
    "week",
    "/week [N]",
    "this week's workouts, or week N",
    week,
    arguments=(Argument("number", "integer", "Week number of your plan (default: this week)"),),
)
