"""The platform-agnostic coach: one message in, a list of replies out.

Every front end calls ``Coach.handle``; this is where commands are routed, input is cleaned,
profiles fill in plan defaults, and any failure becomes a one-line reply instead of a traceback.
Storage is reached only through the ``Storage`` port, and only commands that store something
create a user row, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core import checkins, commands, intents
from bot.core.errors import UserFacingError
from bot.core.messages import IncomingMessage, OutgoingFile, OutgoingMessage
from bot.core.ports import CheckInRecord, PlanRecord, ProfileRecord, Storage, UserRecord
from bot.core.profile_text import apply_update, describe_profile, parse_profile_update
from bot.core.red_flags import red_flags, safety_advice
from bot.core.reminders import BLOCKED_NOTICE
from bot.plans import progress, render
from bot.plans.adapt import VDOT_STEP, Adaptation, CheckIn, Status, adapt
from bot.plans.generator import generate_plan
from bot.plans.model import Plan, PlanRequest, PlanRequestError, RecentRace, Units, days_of
from bot.plans.request import PlanDefaults, parse_plan_text
from bot.plans.workouts import describe_day

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
FORGET_WINDOW = timedelta(minutes=5)
FALLBACK_ANSWER = (
    "I can't answer free-form questions yet. Try /plan 10k 8weeks for a training plan, "
    "/today for today's workout, or /help for everything I can do."
)

Answerer = Callable[[UserRecord | None, str], Awaitable[str]]


async def fallback_answer(user: UserRecord | None, text: str) -> str:
    """Until the answer pipeline exists, point runners at what works."""
    return FALLBACK_ANSWER


def utc_now() -> datetime:
    return datetime.now(UTC)


def clean_text(text: str) -> str:
    """Drop control and format characters (keeping newlines) so nothing odd reaches storage."""
    kept = (
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    )
    return "".join(kept).strip()


def reply(text: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(text=text)]


class Coach:
    """Routes messages to commands; holds no per-user state except pending /forget prompts."""

    def __init__(
        self,
        storage: Storage,
        *,
        answer: Answerer = fallback_answer,
        clock: Callable[[], datetime] = utc_now,
        default_timezone: str = "UTC",
    ) -> None:
        self._storage = storage
        self._answer = answer
        self._clock = clock
        self._default_tz = default_timezone
        self._forget_pending: dict[tuple[str, str], datetime] = {}

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        try:
            replies = await self._dispatch(message)
        except (UserFacingError, PlanRequestError) as err:
            replies = reply(_sentence(str(err)))
        except Exception:
            log.exception("unhandled error for a %s message", message.platform)
            return reply("Sorry, something went wrong on my side. Please try again in a moment.")
        return replies + self._blocked_notice(message)

    def _blocked_notice(self, message: IncomingMessage) -> list[OutgoingMessage]:
        """Once, after a reminder found the user unreachable and turned reminders off: they
        cannot have seen it happen, and a silent stop looks like the bot broke."""
        user = self._find_user(message)
        if user is None or not user.reminders_blocked:
            return []
        self._storage.clear_reminders_blocked(user.id)
        at = f"{user.remind_at:%H:%M}" if user.remind_at else "06:30"
        return reply(BLOCKED_NOTICE.format(at=at))

    async def _dispatch(self, message: IncomingMessage) -> list[OutgoingMessage]:
        if len(message.text) > MAX_TEXT_CHARS:
            raise UserFacingError(
                f"that message is {len(message.text):,} characters long: please keep it under "
                f"{MAX_TEXT_CHARS:,}"
            )
        text = clean_text(message.text)
        if not text:
            raise UserFacingError("I got an empty message: send /help to see what I can do")
        parsed = commands.split_command(text)
        if parsed is None:
            if text.startswith("/"):
                raise UserFacingError(f"'{text.split()[0][:30]}' is not a command: try /help")
            return await self._free_text(message, text)
        name, args = parsed
        handler = self._handlers().get(name)
        if handler is None:
            raise UserFacingError(f"unknown command /{name[:30]}: try /help")
        return await handler(message, args)

    def _handlers(
        self,
    ) -> dict[str, Callable[[IncomingMessage, str], Awaitable[list[OutgoingMessage]]]]:
        return {
            "start": self._help,
            "help": self._help,
            "plan": self._plan,
            "today": self._today,
            **{
                name: partial(self._checkin, status=status)
                for name, status in checkins.COMMAND_STATUS.items()
            },
            "why": self._why,
            "progress": self._progress,
            "week": self._week,
            "profile": self._profile,
            "remind": self._remind,
            "export": self._export,
            "forget": self._forget,
        }

    # ---- users ----------------------------------------------------------------------------

    def _find_user(self, message: IncomingMessage) -> UserRecord | None:
        return self._storage.find_user(message.platform, message.user_ref)

    def _user(self, message: IncomingMessage) -> UserRecord:
        name = clean_text(message.display_name)[:100] or message.user_ref
        return self._storage.user(message.platform, message.user_ref, name)

    def _local_date(self, user: UserRecord | None) -> date:
        zone = ZoneInfo((user.timezone if user else None) or self._default_tz)
        return self._clock().astimezone(zone).date()

    # ---- commands -------------------------------------------------------------------------

    async def _help(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        return reply(commands.help_text())

    async def _plan(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        user = self._find_user(message)
        if args.lower() == "diff":
            return self._plan_diff(user)
        if not args:
            record = self._storage.active_plan(user.id) if user else None
            if record is None:
                raise UserFacingError(
                    "tell me the race and the weeks, e.g. /plan 10k 8weeks or /plan half 12w 4days"
                )
            return reply(render.overview_text(_plan_of(record), record.units))
        profile = self._storage.profile(user.id) if user else ProfileRecord()
        parsed = parse_plan_text(args, self._local_date(user), _defaults(profile))
        plan = generate_plan(parsed.request)
        user = user or self._user(message)
        self._storage.save_plan(user.id, _request_dict(parsed.request, parsed.units, args), plan)
        return [
            OutgoingMessage(text=render.overview_text(plan, parsed.units)),
            *_plan_files(plan, parsed.units, with_chart=True),
        ]

    async def _today(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        user, record = self._active(message)
        today = self._local_date(user)
        plan, units = _plan_of(record), record.units
        start = date.fromisoformat(plan["weeks"][0]["days"][0]["date"])
        race_day = date.fromisoformat(plan["race"]["date"])
        if today < start:
            first = plan["weeks"][0]["days"]
            upcoming = next(day for day in first if day["kind"] != "rest")
            return reply(
                f"Your plan starts {start:%A %d %b}. First workout, "
                f"{date.fromisoformat(upcoming['date']):%A}: {describe_day(upcoming, units)}"
            )
        if today > race_day:
            return reply("Your plan is finished - well done! Send /plan to build the next one.")
        day = days_of(plan)[today.isoformat()]
        actions = checkins.actions_for(today) if day["kind"] != "rest" else ()
        return [
            OutgoingMessage(
                text=f"Today, {today:%A %d %b}: {describe_day(day, units)}", actions=actions
            )
        ]

    # ---- check-ins and adaptation --------------------------------------------------------

    async def _checkin(
        self, message: IncomingMessage, args: str, *, status: Status
    ) -> list[OutgoingMessage]:
        user, record = self._active(message)
        today = self._local_date(user)
        plan, units = _plan_of(record), record.units
        parsed = checkins.parse_checkin(args, today, units)
        day = days_of(plan).get(parsed.day.isoformat())
        if day is None:
            raise UserFacingError(f"{parsed.day:%a %d %b} is outside your plan: /plan shows it")
        if day["kind"] == "rest" and status != "sick":
            raise UserFacingError(
                f"{parsed.day:%a %d %b} was a rest day, so there is nothing to check in "
                "(/sick works on any day)"
            )
        checkin = CheckInRecord(parsed.day, status, parsed.distance_km, parsed.effort, parsed.note)
        self._storage.record_checkin(user.id, checkin)
        start = date.fromisoformat(plan["weeks"][0]["days"][0]["date"])
        history = [
            CheckIn(c.day, c.status, c.distance_km, c.effort)  # type: ignore[arg-type]
            for c in self._storage.checkins(user.id, start)
        ]
        latest = CheckIn(
            parsed.day,
            status,
            parsed.distance_km,
            parsed.effort,
            checkins.is_red_flag(parsed.note),
        )
        eased = record.request.get("eased_on")
        result = adapt(
            plan,
            _request_of(record),
            history,
            latest,
            today,
            since=date.fromisoformat(eased) if eased else None,
        )
        return self._adapted(user, record, result, parsed.note, f"{parsed.day:%a %d %b}")

    def _adapted(
        self, user: UserRecord, record: PlanRecord, result: Adaptation, note: str, day: str
    ) -> list[OutgoingMessage]:
        if result.rule == "stop":
            self._storage.stop_plan(user.id)
            return reply(f"{safety_advice(red_flags(note))} {result.reason}")
        logged = f"Logged for {day}."
        if result.plan is None:
            return reply(f"{logged} {_sentence(result.reason)}")
        if result.plan == record.plan:
            return reply(f"{logged} {_sentence(result.reason)} Your plan already allows for it.")
        request = dict(record.request)
        if result.rule == "too_hard":
            request["vdot_ease"] = request.get("vdot_ease", 0.0) + VDOT_STEP
            request["eased_on"] = self._local_date(user).isoformat()
        saved = self._storage.save_plan_version(user.id, request, dict(result.plan), result.reason)
        return reply(
            f"{logged} I've adapted your plan (version {saved.version}): "
            f"{_sentence(result.reason)} Send /plan diff to see what changed, /why for today."
        )

    def _plan_diff(self, user: UserRecord | None) -> list[OutgoingMessage]:
        record = self._storage.active_plan(user.id) if user else None
        if user is None or record is None:
            raise UserFacingError("you have no plan yet: build one with /plan 10k 8weeks")
        before = self._storage.previous_version(user.id)
        if before is None:
            return reply("Your plan hasn't changed since you built it: nothing to compare.")
        return reply(
            checkins.diff_text(
                _plan_of(before), _plan_of(record), record.reason, record.version, record.units
            )
        )

    async def _why(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        user, record = self._active(message)
        return reply(
            checkins.why_text(
                _plan_of(record),
                self._local_date(user),
                record.reason,
                record.version,
                record.units,
            )
        )

    async def _progress(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        user, record = self._active(message)
        plan, units = _plan_of(record), record.units
        start = date.fromisoformat(plan["weeks"][0]["days"][0]["date"])
        history = [
            CheckIn(c.day, c.status, c.distance_km, c.effort)  # type: ignore[arg-type]
            for c in self._storage.checkins(user.id, start)
        ]
        rows = progress.adherence(plan, history, self._local_date(user))
        text = OutgoingMessage(text=progress.progress_text(rows, units))
        if not rows:
            return [text]
        chart = OutgoingFile(
            "runcoach-progress.png", progress.progress_png(rows, units), "image/png"
        )
        return [text, OutgoingMessage(text="Planned vs done per week", file=chart)]

    async def _week(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        user, record = self._active(message)
        plan = _plan_of(record)
        if args:
            if not args.isdigit():
                raise UserFacingError(f"'{args[:20]}' is not a week number: try /week 3")
            number = int(args)
        else:
            start = date.fromisoformat(plan["weeks"][0]["days"][0]["date"])
            elapsed = (self._local_date(user) - start).days // 7 + 1
            number = min(max(elapsed, 1), len(plan["weeks"]))
        try:
            return reply(render.week_text(plan, number, record.units))
        except ValueError as err:
            raise UserFacingError(str(err)) from None

    async def _profile(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        if not args:
            user = self._find_user(message)
            profile = self._storage.profile(user.id) if user else ProfileRecord()
            return reply(describe_profile(profile))
        fields = parse_profile_update(args)
        if not fields:
            raise UserFacingError(
                "I found nothing to update: try /profile weekly=30 days=4 long=sun or "
                "'/profile I run 30 km a week, 4 days'"
            )
        user = self._user(message)
        profile = apply_update(self._storage.profile(user.id), fields)
        self._storage.save_profile(user.id, profile)
        return reply("Saved. " + describe_profile(profile))

    async def _remind(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        words = args.split()
        if not words:
            user = self._find_user(message)
            if user is None or not user.reminders_on or user.remind_at is None:
                return reply("Reminders are off. Turn them on with /remind 06:30 Europe/London")
            return reply(
                f"Daily reminder at {user.remind_at:%H:%M} {user.timezone or self._default_tz}. "
                "Turn it off with /remind off"
            )
        if words[0].lower() == "off" and len(words) == 1:
            user = self._find_user(message)
            if user is not None:
                self._storage.set_reminder(user.id, None, user.timezone)
            return reply("Daily reminders are off. Turn them back on with /remind 06:30")
        if len(words) > 2:
            raise UserFacingError("write /remind HH:MM [timezone], e.g. /remind 06:30 Europe/Paris")
        at = parse_clock_time(words[0])
        user = self._find_user(message)
        zone = (
            parse_timezone(words[1])
            if len(words) == 2
            else ((user.timezone if user else None) or self._default_tz)
        )
        user = user or self._user(message)
        self._storage.set_reminder(user.id, at, zone)
        text = (
            f"Daily reminder set for {at:%H:%M} ({zone}). You'll get each day's workout then; "
            "/remind off stops it."
        )
        if self._storage.active_plan(user.id) is None:
            text += " Reminders carry your plan's workouts: build one with /plan 10k 8weeks."
        return reply(text)

    async def _export(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        _, record = self._active(message)
        plan, units = _plan_of(record), record.units
        return [
            OutgoingMessage(text="Your plan: import the .ics into Google or Apple Calendar."),
            *_plan_files(plan, units, with_chart=False),
            OutgoingMessage(
                file=OutgoingFile(
                    _file_stem(plan) + ".json", render.to_json(plan).encode(), "application/json"
                )
            ),
        ]

    async def _forget(self, message: IncomingMessage, args: str) -> list[OutgoingMessage]:
        key = (message.platform, message.user_ref)
        now = self._clock()
        if args.lower() not in ("", "confirm", "yes"):
            raise UserFacingError("send /forget, then /forget confirm to delete your data")
        if not args:
            self._forget_pending[key] = now + FORGET_WINDOW
            return reply(
                "This deletes your profile, plans, reminders and conversation for good. "
                "Send /forget confirm within 5 minutes to go ahead."
            )
        expires = self._forget_pending.pop(key, None)
        if expires is None or expires < now:
            raise UserFacingError("nothing to confirm: send /forget first, then /forget confirm")
        user = self._find_user(message)
        if user is not None:
            self._storage.forget(user.id)
        return reply("Done: everything I stored about you is deleted. Send /start to begin again.")

    async def _free_text(self, message: IncomingMessage, text: str) -> list[OutgoingMessage]:
        """A plan request or profile fact in plain words runs as its command; anything else is
        a question for the answer pipeline, whose turns are remembered for the next one."""
        command = intents.command_for(text)
        if command is not None:
            name, args = commands.split_command(command) or ("help", "")
            return await self._handlers()[name](message, args)
        return reply(await self._answer(self._user(message), text))

    def _active(self, message: IncomingMessage) -> tuple[UserRecord, PlanRecord]:
        user = self._find_user(message)
        record = self._storage.active_plan(user.id) if user else None
        if user is None or record is None:
            raise UserFacingError("you have no plan yet: build one with /plan 10k 8weeks")
        return user, record


# ---- helpers ----------------------------------------------------------------------------------


def parse_clock_time(text: str) -> time:
    """'06:30' or '6:30' -> time; refuses anything that is not a real time of day."""
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise UserFacingError(f"'{text[:20]}' is not a time: write HH:MM, e.g. 06:30")
    if int(hours) > 23 or int(minutes) > 59:
        raise UserFacingError(f"'{text[:20]}' is not a time of day: use 00:00 to 23:59")
    return time(int(hours), int(minutes))


def parse_timezone(text: str) -> str:
    """An IANA zone name, checked against the tz database ('Europe/Paris', 'UTC')."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserFacingError(
            f"'{text[:40]}' is not a time zone I know: use a name like Europe/Paris or "
            "America/New_York"
        ) from None
    return text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _defaults(profile: ProfileRecord) -> PlanDefaults:
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
    )


def _request_dict(request: PlanRequest, units: Units, text: str) -> dict[str, Any]:
    data = asdict(request)
    data["start"] = request.start.isoformat()
    return {"text": text, "units": units, **data}


def _request_of(record: PlanRecord) -> PlanRequest:
    """The stored request (``_request_dict``) as the generator's input again."""
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


def _plan_of(record: PlanRecord) -> Plan:
    return record.plan  # type: ignore[return-value]


def _file_stem(plan: Plan) -> str:
    return f"runcoach-{plan['race']['name']}-{plan['race']['date']}"


def _plan_files(plan: Plan, units: Units, *, with_chart: bool) -> list[OutgoingMessage]:
    stem = _file_stem(plan)
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
