"""Check-ins and what follows from them: /done /skip /hard /niggle /sick adapt the plan, and
/why, /progress and /plan diff explain where it stands.

A check-in button is only the command with the day in it, so taps, typed commands and late
answers for earlier days all come through the same handler.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from bot.core.checkins import COMMAND_STATUS, diff_text, is_red_flag, parse_checkin, why_text
from bot.core.commands import Argument, Command
from bot.core.errors import UserFacingError
from bot.core.features.context import NO_PLAN, Context
from bot.core.features.shared import history, reply, request_of, sentence
from bot.core.messages import OutgoingFile, OutgoingMessage
from bot.core.ports import CheckInRecord, PlanRecord, UserRecord
from bot.core.red_flags import red_flags, safety_advice
from bot.plans import progress as adherence
from bot.plans import science
from bot.plans.adapt import VDOT_STEP, Adaptation, CheckIn, Status, adapt
from bot.plans.model import days_of


async def check_in(ctx: Context, details: str, *, status: Status) -> list[OutgoingMessage]:
    user, record = await ctx.active()
    today = ctx.local_date(user)
    plan, units = record.plan, record.units
    parsed = parse_checkin(details, today, units)
    day = days_of(plan).get(parsed.day.isoformat())
    if day is None:
        raise UserFacingError(f"{parsed.day:%a %d %b} is outside your plan: /plan shows it")
    if day["kind"] == "rest" and status != "sick":
        raise UserFacingError(
            f"{parsed.day:%a %d %b} was a rest day, so there is nothing to check in "
            "(/sick works on any day)"
        )
    checkin = CheckInRecord(parsed.day, status, parsed.distance_km, parsed.effort, parsed.note)
    await ctx.storage.record_checkin(user.id, checkin)
    latest = CheckIn(
        parsed.day, status, parsed.distance_km, parsed.effort, is_red_flag(parsed.note)
    )
    eased = record.request.get("eased_on")
    result = adapt(
        plan,
        request_of(record),
        await history(ctx.storage, user, plan),
        latest,
        today,
        since=date.fromisoformat(eased) if eased else None,
    )
    run = (
        f" ({science.format_distance(parsed.distance_km, units)})"
        if parsed.distance_km is not None
        else ""
    )
    return await _adapted(ctx, user, record, result, parsed.note, f"{parsed.day:%a %d %b}{run}")


async def _adapted(
    ctx: Context, user: UserRecord, record: PlanRecord, result: Adaptation, note: str, day: str
) -> list[OutgoingMessage]:
    if result.rule == "stop":
        await ctx.storage.stop_plan(user.id)
        return reply(f"{safety_advice(red_flags(note))} {result.reason}")
    logged = f"Logged for {day}."
    if result.plan is None:
        if result.rule == "carry_on" and result.reason == "logged":
            return reply(f"{logged} Nice work!")
        return reply(f"{logged} {sentence(result.reason)}")
    if result.plan == record.plan:
        return reply(f"{logged} {sentence(result.reason)} Your plan already allows for it.")
    request = record.request.copy()
    if result.rule == "too_hard":
        request["vdot_ease"] = request.get("vdot_ease", 0.0) + VDOT_STEP
        request["eased_on"] = ctx.local_date(user).isoformat()
    saved = await ctx.storage.save_plan_version(user.id, request, result.plan, result.reason)
    return reply(
        f"{logged} I've adapted your plan (version {saved.version}): "
        f"{sentence(result.reason)} Send /plan diff to see what changed, /why for today."
    )


async def plan_diff(ctx: Context, user: UserRecord | None) -> list[OutgoingMessage]:
    """/plan diff: the active version against the one before it."""
    record = await ctx.active_plan(user)
    if user is None or record is None:
        raise UserFacingError(NO_PLAN)
    before = await ctx.storage.previous_version(user.id)
    if before is None:
        return reply("Your plan hasn't changed since you built it: nothing to compare.")
    return reply(diff_text(before.plan, record.plan, record.reason, record.version, record.units))


async def why(ctx: Context, words: str) -> list[OutgoingMessage]:
    user, record = await ctx.active()
    text = why_text(record.plan, ctx.local_date(user), record.reason, record.version, record.units)
    return reply(text)


async def progress(ctx: Context, words: str) -> list[OutgoingMessage]:
    user, record = await ctx.active()
    plan, units = record.plan, record.units
    done = await history(ctx.storage, user, plan)
    rows = adherence.adherence(plan, done, ctx.local_date(user))
    text = OutgoingMessage(text=adherence.progress_text(rows, units))
    if not rows:
        return [text]
    chart = OutgoingFile("runcoach-progress.png", adherence.progress_png(rows, units), "image/png")
    return [text, OutgoingMessage(text="Planned vs done per week", file=chart)]


_DETAILS = "Optional: a day, km and effort, e.g. 2026-12-03 8.5km effort=6"


def _check_in_command(name: str, usage: str, summary: str) -> Command[str]:
    return Command(
        name,
        usage,
        summary,
        partial(check_in, status=COMMAND_STATUS[name]),
        arguments=(Argument("details", "text", _DETAILS),),
    )


CHECK_INS = (
    _check_in_command("done", "/done [YYYY-MM-DD] [8.5km] [effort=6]", "check in a run you did"),
    _check_in_command("skip", "/skip [YYYY-MM-DD]", "check in a run you missed"),
    _check_in_command("hard", "/hard [YYYY-MM-DD] [effort=9]", "a run that was too hard"),
    _check_in_command("niggle", "/niggle [YYYY-MM-DD] [where it hurts]", "ran with a niggle"),
    _check_in_command("sick", "/sick [YYYY-MM-DD]", "ill: pause the plan"),
)
WHY = Command("why", "/why", "why today's workout", why)
PROGRESS = Command("progress", "/progress", "planned vs done, with a chart", progress, draws=True)
