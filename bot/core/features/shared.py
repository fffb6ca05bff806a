"""Plan helpers several features share: the stored request, the runner's history, the files.

A plan is stored as the JSON it is (``Plan``), beside its request (``StoredRequest``); these are
the places that turn the stored request back into the engine's ``PlanRequest``, so every
feature reads it the same way.
"""

from __future__ import annotations

import asyncio
from datetime import date

from bot.core.messages import OutgoingFile, OutgoingMessage
from bot.core.ports import PlanRecord, PlanRenderer, ProfileRecord, Storage, UserRecord
from bot.plans import render
from bot.plans.adapt import CheckIn
from bot.plans.model import Plan, PlanRequest, RecentRace, StoredRequest, Units, plan_start
from bot.plans.request import PlanDefaults


def reply(text: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(text=text)]


def sentence(text: str) -> str:
    """A refusal or reason as a sentence: capital first, full stop last."""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


async def history(storage: Storage, user: UserRecord, plan: Plan) -> list[CheckIn]:
    """The runner's check-ins since the plan started, as the adaptation rules read them."""
    return [
        CheckIn(c.day, c.status, c.distance_km, c.effort)
        for c in await storage.checkins(user.id, plan_start(plan))
    ]


def defaults(profile: ProfileRecord) -> PlanDefaults:
    """A profile's standing facts fill in whatever a plan request leaves out."""
    race = (
        RecentRace(profile.recent_race_km, profile.recent_race_s)
        if profile.recent_race_km is not None and profile.recent_race_s is not None
        else None
    )
    return PlanDefaults(
        days=profile.days_per_week,
        weekly_km=profile.weekly_km,
        recent_race=race,
        long_run_day=profile.long_run_day,
        units=profile.units or "km",
    )


def request_dict(request: PlanRequest, units: Units, text: str) -> StoredRequest:
    """The request as stored with the plan, so an adaptation can regenerate from it."""
    race = request.recent_race
    return {
        "text": text,
        "units": units,
        "race": request.race,
        "weeks": request.weeks,
        "days_per_week": request.days_per_week,
        "weekly_km": request.weekly_km,
        "start": request.start.isoformat(),
        "long_run_day": request.long_run_day,
        "recent_race": (
            None if race is None else {"distance_km": race.distance_km, "time_s": race.time_s}
        ),
        "longest_run_km": request.longest_run_km,
        "vdot_ease": request.vdot_ease,
    }


def request_of(record: PlanRecord) -> PlanRequest:
    """The stored request (``request_dict``) as the generator's input again."""
    data = record.request
    race = data["recent_race"]
    return PlanRequest(
        race=data["race"],
        weeks=data["weeks"],
        days_per_week=data["days_per_week"],
        weekly_km=data["weekly_km"],
        start=date.fromisoformat(data["start"]),
        long_run_day=data["long_run_day"],
        recent_race=RecentRace(race["distance_km"], race["time_s"]) if race else None,
        longest_run_km=data.get("longest_run_km"),
        vdot_ease=data.get("vdot_ease", 0.0),
    )


def file_stem(plan: Plan) -> str:
    return f"runcoach-{plan['race']['name']}-{plan['race']['date']}"


class ThreadRenderer:
    """Draws in a thread: the default for a coach built without a renderer (tests, tools).
    The bot passes its process pool instead (``bot.plans.render_pool``)."""

    async def calendar(self, plan: Plan, units: Units) -> bytes:
        return await asyncio.to_thread(render.to_ics, plan, units)

    async def chart(self, plan: Plan, units: Units) -> bytes:
        return await asyncio.to_thread(render.to_png, plan, units)


async def plan_files(
    renderer: PlanRenderer, plan: Plan, units: Units, *, with_chart: bool
) -> list[OutgoingMessage]:
    """The calendar (and the chart), drawn at the same time by ``renderer``, off the loop."""
    stem = file_stem(plan)
    drawings = [
        renderer.calendar(plan, units),
        *([renderer.chart(plan, units)] if with_chart else []),
    ]
    calendar, *chart = await asyncio.gather(*drawings)
    files = [
        OutgoingMessage(
            text="Add it to your calendar",
            file=OutgoingFile(stem + ".ics", calendar, "text/calendar"),
        )
    ]
    files.extend(
        OutgoingMessage(
            text="Weekly volume, long run and quality",
            file=OutgoingFile(stem + ".png", png, "image/png"),
        )
        for png in chart
    )
    return files
