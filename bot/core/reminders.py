"""What a daily reminder says, and when a runner's reminder is due, in their own time zone.

Due times are computed per local date, never by adding 24 hours, so a 06:30 reminder stays at
06:30 on the wall clock across daylight-saving changes. The two DST edge cases are settled here,
once, for every store and scheduler:

* spring forward: a reminder set inside the skipped hour (02:30 in Paris on the last Sunday of
  March) goes out at the first valid moment after it, the end of the gap (03:00 summer time),
  rather than at fold=0's 03:30;
* fall back: a wall time that happens twice (02:30 on the last Sunday of October) is due at its
  first occurrence only: each reminder is claimed by (user, local date), so the second
  occurrence finds that day already claimed.

``decide`` is the "who is due between t0 and t1 (UTC)" rule: a reminder whose latest due time
lies within the grace window before now is sent for that local date; anything older is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.checkins import actions_for
from bot.core.messages import OutgoingMessage
from bot.core.ports import PlanRecord
from bot.plans.model import days_of
from bot.plans.workouts import describe_day

# How a reminder log row ends up. ``claimed``/``retried`` rows are in flight; a ``claimed`` row
# whose process died is taken once more as ``retried``, and a ``retried`` row is never retried.
CLAIMED = "claimed"
RETRIED = "retried"
SENT = "sent"
SKIPPED = "skipped"  # nothing to say that day (no plan, not started yet)
FAILED = "failed"
MISSED = "missed"  # a claim whose process died, found only after the grace window
UNREACHABLE = "unreachable"

# A tick that runs a little after the minute is on time, even with a grace window of zero.
ON_TIME = timedelta(minutes=1)

BLOCKED_NOTICE = (
    "I couldn't deliver your daily reminder (it looks like you blocked me or closed your direct "
    "messages), so I turned reminders off. Send /remind {at} to turn them back on."
)

_WHY = {
    "easy": "easy miles build your aerobic base while your body absorbs the harder days.",
    "recovery": "an extra-easy run adds volume and speeds recovery from the last hard session.",
    "long": "the long run builds endurance and teaches your legs and fuelling to go the distance.",
    "tempo": "threshold work raises the pace you can hold before lactate piles up.",
    "interval": "intervals raise your VO2max, the ceiling of your aerobic engine.",
    "repetition": "short fast reps sharpen speed and running economy without much fatigue.",
    "marathon_pace": "marathon-pace miles rehearse race effort and race-day fuelling.",
    "cross": "cross-training keeps the aerobic work going without the pounding.",
}
_REST_TIPS = (
    "Tip: aim for 7-9 hours of sleep tonight; that is when the training sinks in.",
    "Tip: 10 minutes of easy mobility for hips and calves keeps tomorrow's run smooth.",
    "Tip: eat a proper meal with protein and carbs; rest days refuel the next sessions.",
    "Tip: a short walk counts as rest and helps stiff legs loosen up.",
    "Tip: check your shoes; most last 500-800 km before the cushioning fades.",
    "Tip: drink regularly through the day, so you start tomorrow's run hydrated.",
    "Tip: resist the urge to make up missed miles; consistency beats heroics.",
)


@dataclass(frozen=True)
class Decision:
    """What to do with a due reminder: send it for ``send_for``, or drop the late ``late``."""

    send_for: date | None
    late: date | None
    due_utc: datetime
    next_utc: datetime


def occurrence(at: time, zone: ZoneInfo, day: date) -> datetime:
    """The UTC moment the wall clock in ``zone`` reads ``at`` on ``day`` (first of two in a
    fall-back overlap; the end of the gap when a spring-forward skips it)."""
    wall = datetime.combine(day, at, tzinfo=zone)
    utc = wall.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return utc
    # In a gap: with fold=1 the offset after the change applies, giving a moment before the
    # change; with fold=0, one after it. The change itself lies between: bisect on seconds.
    before, after = wall.replace(fold=1).astimezone(UTC), utc
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) // 2
        if middle.astimezone(zone).utcoffset() == after.astimezone(zone).utcoffset():
            after = middle
        else:
            before = middle
    return after


def next_after(at: time, timezone: str | None, moment: datetime) -> datetime:
    """The first due time strictly after ``moment``."""
    zone = ZoneInfo(timezone or "UTC")
    today = moment.astimezone(zone).date()
    candidate = occurrence(at, zone, today)
    return candidate if candidate > moment else occurrence(at, zone, today + timedelta(days=1))


def latest_at_or_before(at: time, timezone: str | None, moment: datetime) -> datetime:
    """The most recent due time not after ``moment``."""
    zone = ZoneInfo(timezone or "UTC")
    today = moment.astimezone(zone).date()
    candidate = occurrence(at, zone, today)
    return candidate if candidate <= moment else occurrence(at, zone, today - timedelta(days=1))


def decide(at: time, timezone: str | None, now: datetime, grace: timedelta) -> Decision:
    """For a user whose reminder is due by ``now``: the latest due time is sent if it is within
    ``grace`` (at least ``ON_TIME``), else dropped; earlier missed days are always dropped."""
    due = latest_at_or_before(at, timezone, now)
    local_date = due.astimezone(ZoneInfo(timezone or "UTC")).date()
    on_time = now - due <= max(grace, ON_TIME)
    return Decision(
        send_for=local_date if on_time else None,
        late=None if on_time else local_date,
        due_utc=due,
        next_utc=next_after(at, timezone, due),
    )


def reminder_messages(record: PlanRecord | None, today: date) -> list[OutgoingMessage]:
    """The morning message for ``today``, or none when there is nothing useful to say: no plan,
    a plan that has not started, or a plan finished more than a day ago (said once, not daily)."""
    if record is None:
        return []
    plan, units = record.plan, record.units
    days = days_of(plan)
    race_day = date.fromisoformat(plan["race"]["date"])
    if today == race_day + timedelta(days=1):
        return [
            OutgoingMessage(
                text="Your plan is finished - congratulations on the race! Take a few easy "
                "days, then send /plan to build the next one."
            )
        ]
    day = days.get(today.isoformat())
    if day is None:
        return []
    heading = f"Today, {today:%A %d %b}:"  # not "good morning": some runners pick the evening
    kind = day["kind"]
    if kind == "race":
        text = (
            f"Race day - good luck! {describe_day(day, units)}. Start controlled, settle into "
            "your pace, and finish strong."
        )
    elif kind == "rest":
        text = f"{heading} rest day. {_REST_TIPS[today.toordinal() % len(_REST_TIPS)]}"
    else:
        text = f"{heading} {describe_day(day, units)}. Why: {_WHY[kind]}"
    runs = kind not in ("rest", "race")
    return [OutgoingMessage(text=text, actions=actions_for(today) if runs else ())]
