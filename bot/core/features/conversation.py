"""Free text a coach answers from what it knows of the runner, before any knowledge lookup:
small talk, a run told in words, and questions about their own plan.

Each is an understander for the coach's chain: it replies when it understands the message and
returns None otherwise. Plan questions and their answers are kept as conversation turns, so a
follow-up ("and the day after?") is read against the question before it, by whichever process
gets it.
"""

from __future__ import annotations

from datetime import date

from bot.core import plan_questions, run_reports, smalltalk
from bot.core.calculators import answer_numeric
from bot.core.checkins import actions_for
from bot.core.features.checkins import check_in
from bot.core.features.context import Context
from bot.core.features.shared import reply
from bot.core.messages import Action, OutgoingMessage
from bot.core.plan_answers import PlanView, answer
from bot.core.plan_questions import PlanQuestion
from bot.core.ports import UserRecord
from bot.core.red_flags import red_flags
from bot.plans.adapt import Status
from bot.plans.model import days_of, plan_start, race_day
from bot.plans.workouts import describe_day

_CHECK_IN_STATUS: dict[str, Status] = {
    "done": "done",
    "skip": "skipped",
    "hard": "hard",
    "niggle": "niggle",
}


async def small_talk(ctx: Context, text: str) -> list[OutgoingMessage] | None:
    kind = smalltalk.kind_of(text)
    if kind is None:
        return None
    user, record = await ctx.find_user_and_plan()
    today_line = None
    if kind == "greeting" and record is not None:
        today = ctx.local_date(user)
        day = days_of(record.plan).get(today.isoformat())
        if day is not None:
            today_line = f"Today: {describe_day(day, record.units)}."
    return reply(smalltalk.reply_to(kind, ctx.message.display_name, today_line))


async def run_report(ctx: Context, text: str) -> list[OutgoingMessage] | None:
    """ "did 8k this morning, legs heavy" is the day's check-in, through the check-in handler."""
    user, record = await ctx.find_user_and_plan()
    units = record.units if record else "km"
    report = run_reports.read(text, ctx.local_date(user), units)
    if report is None or (record is None and red_flags(text)):
        return None  # without a plan to stop, a red flag is the answer pipeline's to handle
    if record is None:
        return reply(
            "Nice run! Build a plan with /plan 10k 8weeks and I'll log runs like that against it "
            "and adapt the plan to how they went."
        )
    if report.status == "sick":
        return [
            OutgoingMessage(
                text=(
                    "Sorry you're ill. Rest until you've been free of fever for a day or two, "
                    "then come back with short, easy runs. Tap Sick (or send /sick) and I'll "
                    "pause your plan and bring you back gradually."
                ),
                actions=(Action("Sick", f"/sick {report.day.isoformat()}"),),
            )
        ]
    day = days_of(record.plan).get(report.day.isoformat())
    if day is not None and day["kind"] == "rest" and report.status != "skip":
        return reply(
            f"Nice one! {report.day:%A %d %b} was a rest day in your plan, so there's nothing to "
            "check in; an extra easy run now and then is fine, but rest days are where you absorb "
            "the training."
        )
    distance = f" {report.distance_km:g}km" if report.distance_km is not None else ""
    details = f"{report.day.isoformat()}{distance} {report.note}"
    return await check_in(ctx, details, status=_CHECK_IN_STATUS[report.status])


async def plan_question(ctx: Context, text: str) -> list[OutgoingMessage] | None:
    """A question about the runner's own training, answered from their stored plan."""
    user, record = await ctx.find_user_and_plan()
    today = ctx.local_date(user)
    plan = record.plan if record else None
    start = plan_start(plan) if plan else None
    if red_flags(text) or answer_numeric(text) is not None:
        return None  # safety advice comes first; a calculation is the calculators' job
    race = race_day(plan) if plan else None
    asked = plan_questions.read_all(text, today, start, race)
    questions: list[PlanQuestion] = []
    for question in asked:
        if question.subject is None or question.elliptical:
            before = questions[-1] if questions else await _previous(ctx, user, today, start, race)
            completed = plan_questions.follow_up(question, before)
            if completed is None or completed.subject is None:
                continue
            question = completed
        questions.append(question)
    if not questions:
        return None
    if plan is None and not any(question.needs_plan for question in questions):
        return None  # without a plan, "should I run with a cold?" is a knowledge question
    view = PlanView(plan, record.units if record else "km", today)
    replies = [answer(question, view) for question in questions]
    texts: list[str] = []
    for answered in replies:
        if not any(answered.text in earlier for earlier in texts):  # "race date and goal time"
            texts.append(answered.text)
    body = "\n\n".join(texts)
    if user is not None and record is not None:
        await ctx.storage.add_turn(user.id, "user", text)
        await ctx.storage.add_turn(user.id, "assistant", body)
    day = next((answered.check_in_day for answered in replies if answered.check_in_day), None)
    actions = () if day is None else actions_for(day)
    return [OutgoingMessage(text=body, actions=actions)]


async def _previous(
    ctx: Context, user: UserRecord | None, today: date, start: date | None, race: date | None
) -> PlanQuestion | None:
    """The runner's last question, read as a plan question if it was one."""
    if user is None:
        return None
    turns = await ctx.storage.recent_turns(user.id, 2)
    last = next((turn.text for turn in reversed(turns) if turn.role == "user"), None)
    if last is None:
        return None
    asked = plan_questions.read_all(last, today, start, race)
    return plan_questions.follow_up(asked[-1], None) if asked else None
