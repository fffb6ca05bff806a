"""What the core needs from the outside world, as Protocols over plain records.

The core never sees an ORM object, an SDK type or a connection: storage hands back frozen
records, so the same Coach runs on SQLite, PostgreSQL or an in-memory fake, and nothing a
platform adapter holds can leak one user's rows to another.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.plans.model import Plan, Status, StoredRequest, Units, Weekday

if TYPE_CHECKING:
    from bot.core.messages import OutgoingMessage


@dataclass(frozen=True)
class UserRecord:
    id: int
    platform: str
    platform_user_id: str
    display_name: str
    timezone: str | None
    remind_at: time | None
    reminders_on: bool
    # Set when a reminder found the user unreachable (they blocked the bot); the coach tells
    # them on their next message, then clears it.
    reminders_blocked: bool = False


@dataclass(frozen=True)
class ProfileRecord:
    """A runner's standing facts; every field optional so a profile can fill in piecemeal."""

    weekly_km: float | None = None
    days_per_week: int | None = None
    long_run_day: Weekday | None = None
    recent_race_km: float | None = None
    recent_race_s: float | None = None
    goal: str | None = None
    units: Units | None = None  # how the runner wants distances and paces


@dataclass(frozen=True)
class PlanRecord:
    id: int
    request: StoredRequest
    plan: Plan
    created: datetime
    version: int = 1
    reason: str | None = None  # why this version exists, for versions after the first

    @property
    def units(self) -> Units:
        """The units the runner asked for; the stored plan itself is always metric."""
        return self.request.get("units", "km")


@dataclass(frozen=True)
class CheckInRecord:
    day: date
    status: Status
    distance_km: float | None = None
    effort: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str


class Storage(Protocol):
    """Per-user persistence. Every method is one transaction; a returned call is durable.

    Asynchronous, so a slow query waits off the event loop (the composition root runs the
    database calls in a thread pool of their own) and never stalls another runner's reply."""

    async def user(self, platform: str, platform_user_id: str, display_name: str) -> UserRecord:
        """The user for this platform identity, created on first contact."""
        ...

    async def find_user(self, platform: str, platform_user_id: str) -> UserRecord | None:
        """The user if we already know them; looking never creates a row."""
        ...

    async def profile(self, user_id: int) -> ProfileRecord: ...

    async def save_profile(self, user_id: int, profile: ProfileRecord) -> None: ...

    async def save_plan(self, user_id: int, request: StoredRequest, plan: Plan) -> PlanRecord:
        """Store a plan as the user's only active plan."""
        ...

    async def active_plan(self, user_id: int) -> PlanRecord | None: ...

    async def find_user_and_plan(
        self, platform: str, platform_user_id: str
    ) -> tuple[UserRecord | None, PlanRecord | None]:
        """``find_user`` and that user's ``active_plan`` in one call: most messages need both,
        and under load every call waits its turn for the database (issue 15)."""
        ...

    async def save_plan_version(
        self, user_id: int, request: StoredRequest, plan: Plan, reason: str
    ) -> PlanRecord:
        """Store an adapted plan as the next version of the active one, with its reason."""
        ...

    async def previous_version(self, user_id: int) -> PlanRecord | None:
        """The version the active plan was adapted from; None for a first version."""
        ...

    async def stop_plan(self, user_id: int) -> None:
        """No active plan any more (a red flag): reminders stop, the history stays."""
        ...

    async def record_checkin(self, user_id: int, checkin: CheckInRecord) -> None:
        """Store the runner's answer for a day, replacing an earlier answer for that day."""
        ...

    async def checkins(self, user_id: int, since: date) -> list[CheckInRecord]:
        """Answers for days from ``since`` on, oldest first."""
        ...

    async def set_reminder(self, user_id: int, at: time | None, timezone: str | None) -> None:
        """Turn daily reminders on at ``at`` in ``timezone``, or off when ``at`` is None."""
        ...

    async def add_turn(self, user_id: int, role: str, text: str) -> None:
        """Append a conversation turn, keeping only the most recent ones per user."""
        ...

    async def recent_turns(self, user_id: int, limit: int) -> list[Turn]:
        """The last ``limit`` turns, oldest first."""
        ...

    async def save_answer(
        self, user_id: int, question: str, answer: str, sources: Sequence[str]
    ) -> None:
        """A question and its answer as two turns, and what the answer came from (what
        ``last_sources`` gives back), in one transaction."""
        ...

    async def last_sources(self, user_id: int) -> tuple[str, ...]:
        """What the user's last answer saved with ``save_answer`` came from; () if none."""
        ...

    async def claim_reminder(self, user_id: int, local_date: date) -> bool:
        """Record that today's reminder is being sent; False if it was already claimed."""
        ...

    async def clear_reminders_blocked(self, user_id: int) -> None:
        """The user has been told their reminders were switched off; don't tell them again."""
        ...

    async def forget(self, user_id: int) -> None:
        """Delete every row about the user, in every table, and scrub the deleted bytes from
        the database's files."""
        ...

    async def request_forget(self, user_id: int, expires: datetime) -> bool:
        """Remember that the user asked to be forgotten, until ``expires``; a new request
        replaces an older one. False if there is no such user (nothing to forget)."""
        ...

    async def confirm_forget(self, user_id: int, now: datetime) -> bool:
        """If the user's request is pending at ``now``, ``forget`` them and return True; an
        expired or missing request is cleared and gives False. One transaction, so of two
        confirmations at once only one forgets."""
        ...


@dataclass(frozen=True)
class ReminderClaim:
    """A reminder this process now owns: the log row, who it is for and which local day."""

    log_id: int
    user: UserRecord
    local_date: date


@dataclass(frozen=True)
class ClaimBatch:
    claims: list[ReminderClaim]
    late: list[tuple[int, date]]  # (user id, local date) dropped as too late to send


class ReminderStore(Protocol):
    """What the reminder dispatcher needs from storage. Each call is one transaction."""

    def claim_due(
        self, now: datetime, grace: timedelta, platforms: Collection[str], limit: int
    ) -> ClaimBatch:
        """Claim up to ``limit`` reminders due by ``now``, deciding (``reminders.decide``) and
        claiming the (user, local date) log row in the same transaction, and moving each user's
        next due time on; late ones are dropped and returned in ``late``."""
        ...

    def reclaim_orphans(
        self, claimed_before: datetime, late_before: datetime, limit: int
    ) -> ClaimBatch:
        """Claims left unsent since before ``claimed_before`` (their process died), each taken
        for one retry only; those claimed before ``late_before`` are dropped as late."""
        ...

    def finish_reminders(self, outcomes: Sequence[tuple[int, str]]) -> None:
        """Record how claimed reminders ended: (log id, sent | skipped | failed | unreachable)."""
        ...

    def block_reminders(self, user_id: int) -> None:
        """Turn the user's reminders off because they cannot be reached, and flag it."""
        ...

    def active_plans(self, user_ids: Collection[int]) -> dict[int, PlanRecord]:
        """The active plan of each of these users who has one, by user id."""
        ...


class FileStore(Protocol):
    """Files a front end saved for a user outside the database (the console's calendars,
    charts and JSON), so forgetting a user can remove them too."""

    def forget_files(self, platform: str, platform_user_id: str) -> None:
        """Delete every file saved for this user; nothing to do is not an error."""
        ...


class Sender(Protocol):
    """A front end's way to start a conversation (reminders), rather than answer one.

    ``send`` raises ``TransientDeliveryError`` when a retry may work and ``RecipientUnreachable``
    when it never will (the user blocked the bot); both live in ``bot.core.errors``.
    """

    platform: str

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None: ...


class Asker(Protocol):
    """Who asked, for the answer pipeline: looked up without a trace, and given a user row only
    once an answer is worth remembering (a refusal stores nothing)."""

    async def find_user(self) -> UserRecord | None: ...

    async def user(self) -> UserRecord: ...


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str


class ChatModel(Protocol):
    """A chat language model: the bundled GGUF in-process, or an OpenAI-compatible server.

    ``stream`` yields the answer's text as it is generated, at most ``max_tokens`` tokens of it;
    a generator, so a caller that stops reading early closes it and the model stops too.
    ``user`` identifies who is asking, so a busy model can take turns fairly between users.
    It raises ``ModelTimeout``, ``ModelBusy`` or ``ModelUnavailable`` (``bot.core.errors``),
    never an SDK error.
    """

    def stream(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> AsyncGenerator[str, None]: ...

    async def close(self) -> None: ...


class PlanRenderer(Protocol):
    """Draws a plan's calendar (.ics) and chart (.png). A chart is a fifth of a second of CPU:
    drawn on the event loop, every other runner's reply would wait behind it, so the bot draws
    in worker processes and the core only awaits the bytes."""

    async def calendar(self, plan: Plan, units: Units) -> bytes: ...

    async def chart(self, plan: Plan, units: Units) -> bytes: ...
