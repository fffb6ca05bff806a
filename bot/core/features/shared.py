"""Plan helpers several features share: the stored request, the plan's dates, its files.

A stored plan is a plain dict (storage knows nothing of the plans engine); these are the few
places that turn it back into the engine's types, so every feature reads it the same way.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from bot.core.messages import OutgoingFile, OutgoingMessage
from bot.core.ports import PlanRecord, ProfileRecord, Storage, UserRecord
from bot.plans import render
from bot.plans.adapt import CheckIn
from bot.plans.model import Plan, PlanRequest, RecentRace, Units, plan_start
from bot.plans.request import PlanDefaults


def reply(text: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(text=text)]


def sentence(text: str) -> str:
    """A refusal or reason as a sentence: capital first, full stop last."""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def plan_of(record: PlanRecord) -> Plan:
    return record.plan  # type: ignore[return-value]


def history(storage: Storage, user: UserRecord, plan: Plan) -> list[CheckIn]:
    """The runner's check-ins since the plan started, as the adaptation rules read them."""
    return [
        CheckIn(c.day, c.status, c.distance_km, c.effort)  # type: ignore[arg-type]
        for c in storage.checkins(user.id, plan_start(plan))
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
        long_run_day=profile.long_run_day,  # type: ignore[arg-type]
        units="mi" if profile.units == "mi" else "km",
    )


def request_dict(request: PlanRequest, units: Units, text: str) -> dict[str, Any]:
    """The request as stored with the plan, so an adaptation can regenerate from it."""
    data = asdict(request)
    data["start"] = request.start.isoformat()
    return {"text": text, "units": units, **data}


def request_of(record: PlanRecord) -> PlanRequest:
    """The stored request (``request_dict``) as the generator's input again."""
    data = record.request
    race = data.get("recent_race")
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


def plan_files(plan: Plan, units: Units, *, with_chart: bool) -> list[OutgoingMessage]:
    stem = file_stem(plan)
    files = [
        OutgoingMessage(
            text="Add it to your calendar",
            file=OutgoingFile(stem + ".ics", render.to_ics(plan, units), "text/calendar"),
        )
    ]
    if with_chart:
        files.append(
            OutgoingMessage(
                text="Weekly volume, long run and quality",
                file=OutgoingFile(stem + ".png", render.to_png(plan, units), "image/png"),
            )
        )
    return files
