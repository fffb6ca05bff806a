"""What a command handler is given: the message, storage, the clock, and the coach's settings.

Handlers reach users and plans only through this, so every feature finds a runner, their local
date and their active plan the same way, and only handlers that store something create a user
row: a refused request leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.errors import UserFacingError
from bot.core.features.shared import ThreadRenderer
from bot.core.messages import IncomingMessage
from bot.core.ports import FileStore, PlanRecord, PlanRenderer, ProfileRecord, Storage, UserRecord

if TYPE_CHECKING:
    from bot.core.commands import Command

NO_PLAN = "you have no plan yet: build one with /plan 10k 8weeks"


@dataclass(frozen=True)
class Context:
    """One message's view of the coach. ``message`` is already cleaned of control characters."""

    message: IncomingMessage
    storage: Storage
    clock: Callable[[], datetime]
    default_timezone: str
    commands: tuple[Command[Any], ...]
    files: FileStore | None = None  # files a front end saved outside the database, if any
    # Draws calendars and charts off the event loop.
    renderer: PlanRenderer = field(default_factory=ThreadRenderer)
    # What the latest lookup of the sender found (None: no such user yet); empty until one ran.
    _seen: list[UserRecord | None] = field(default_factory=list, repr=False, compare=False)

    async def find_user(self) -> UserRecord | None:
        return self._saw(await self.storage.find_user(self.message.platform, self.message.user_ref))

    async def user(self) -> UserRecord:
        """The sender's user row, created on first use: call it only when storing something."""
        name = self.message.display_name[:100] or self.message.user_ref
        found = await self.storage.user(self.message.platform, self.message.user_ref, name)
        self._saw(found)
        return found

    def looked_up(self) -> tuple[bool, UserRecord | None]:
        """Whether handling this message has looked the sender up, and what it found then.

        The coach's after-reply check (reminders turned off behind the runner's back) reads it
        rather than asking the database again: under a burst of runners every storage call waits
        its turn, and a /today made two where one does (issue 15)."""
        return (True, self._seen[-1]) if self._seen else (False, None)

    def _saw(self, user: UserRecord | None) -> UserRecord | None:
        self._seen.append(user)
        return user

    async def profile(self, user: UserRecord | None) -> ProfileRecord:
        return await self.storage.profile(user.id) if user else ProfileRecord()

    def timezone(self, user: UserRecord | None) -> str:
        return (user.timezone if user else None) or self.default_timezone

    def local_date(self, user: UserRecord | None) -> date:
        """Today where the runner is: a plan day starts at their midnight, not the server's."""
        return self.clock().astimezone(ZoneInfo(self.timezone(user))).date()

    async def active_plan(self, user: UserRecord | None) -> PlanRecord | None:
        return await self.storage.active_plan(user.id) if user else None

    async def find_user_and_plan(self) -> tuple[UserRecord | None, PlanRecord | None]:
        """The sender, if known, and their active plan, if any: one database call."""
        user, plan = await self.storage.find_user_and_plan(
            self.message.platform, self.message.user_ref
        )
        return self._saw(user), plan

    async def active(self) -> tuple[UserRecord, PlanRecord]:
        """The sender and their active plan, or the one-line refusal every plan command gives."""
        user, record = await self.find_user_and_plan()
        if user is None or record is None:
            raise UserFacingError(NO_PLAN)
        return user, record
