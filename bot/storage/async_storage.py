"""``ExecutorStorage``: the core's asynchronous ``Storage`` port over synchronous ``SqlStorage``.

Every call runs in one thread pool this object owns, so the event loop only waits: a slow query
or a SQLite writer queued on the file lock delays the runner who asked, never another runner's
``/today`` or a reminder tick. The pool has as many threads as the engine keeps connections, so
a call that got a thread gets a connection at once instead of queueing for one inside the pool,
and the engine's overflow connections stay free for the reminder dispatcher's own thread.

``SqlStorage`` itself stays synchronous: the reminder dispatcher already runs it on a thread of
its own, and the command-line tools call it directly.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from bot.core.ports import CheckInRecord, PlanRecord, ProfileRecord, Turn, UserRecord
from bot.core.urgency import PriorityPool, is_urgent
from bot.plans.model import Plan, StoredRequest
from bot.storage.repositories import SqlStorage

P = ParamSpec("P")
T = TypeVar("T")


def pool_threads(engine: Engine) -> int:
    """How many connections ``engine`` keeps open (QueuePool's ``pool_size``); 1 for a pool that
    hands out one connection at a time, and 1 on SQLite.

    SQLite lets one writer in at a time, and its busy handler is not first come, first served:
    with five threads writing at once under load (300 runners on 2 cores), a writer's wait
    passed the 5 s busy timeout and a runner got "database is locked" (bench/README.md, Scale).
    One thread queues the coach's writes fairly in the executor instead; each takes milliseconds.
    """
    if engine.dialect.name == "sqlite":
        return 1
    return engine.pool.size() if isinstance(engine.pool, QueuePool) else 1


class ExecutorStorage:
    """The ``Storage`` port: ``await storage.profile(user_id)`` runs ``SqlStorage.profile`` in
    this object's thread pool, a quick command's calls first (``bot.core.urgency``). ``close``
    (or leaving a ``with`` block) waits for calls in flight, then stops the threads; the runtime
    does it before disposing of the engine."""

    def __init__(self, storage: SqlStorage, *, threads: int) -> None:
        self._storage = storage
        self._pool = PriorityPool(threads, name="storage")

    @classmethod
    def on(cls, engine: Engine, **options: Any) -> ExecutorStorage:
        """A ``SqlStorage(engine, **options)`` with a pool sized to the engine's connections."""
        return cls(SqlStorage(engine, **options), threads=pool_threads(engine))

    def close(self) -> None:
        self._pool.shutdown()

    def __enter__(self) -> ExecutorStorage:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def _run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        work = functools.partial(call, *args, **kwargs)
        return await asyncio.wrap_future(self._pool.submit(work, urgent=is_urgent()))

    async def user(self, platform: str, platform_user_id: str, display_name: str) -> UserRecord:
        return await self._run(self._storage.user, platform, platform_user_id, display_name)

    async def find_user(self, platform: str, platform_user_id: str) -> UserRecord | None:
        return await self._run(self._storage.find_user, platform, platform_user_id)

    async def profile(self, user_id: int) -> ProfileRecord:
        return await self._run(self._storage.profile, user_id)

    async def save_profile(self, user_id: int, profile: ProfileRecord) -> None:
        await self._run(self._storage.save_profile, user_id, profile)

    async def save_plan(self, user_id: int, request: StoredRequest, plan: Plan) -> PlanRecord:
        return await self._run(self._storage.save_plan, user_id, request, plan)

    async def active_plan(self, user_id: int) -> PlanRecord | None:
        return await self._run(self._storage.active_plan, user_id)

    async def find_user_and_plan(
        self, platform: str, platform_user_id: str
    ) -> tuple[UserRecord | None, PlanRecord | None]:
        return await self._run(self._storage.find_user_and_plan, platform, platform_user_id)

    async def save_plan_version(
        self, user_id: int, request: StoredRequest, plan: Plan, reason: str
    ) -> PlanRecord:
        return await self._run(self._storage.save_plan_version, user_id, request, plan, reason)

    async def previous_version(self, user_id: int) -> PlanRecord | None:
        return await self._run(self._storage.previous_version, user_id)

    async def stop_plan(self, user_id: int) -> None:
        await self._run(self._storage.stop_plan, user_id)

    async def record_checkin(self, user_id: int, checkin: CheckInRecord) -> None:
        await self._run(self._storage.record_checkin, user_id, checkin)

    async def checkins(self, user_id: int, since: date) -> list[CheckInRecord]:
        return await self._run(self._storage.checkins, user_id, since)

    async def set_reminder(self, user_id: int, at: time | None, timezone: str | None) -> None:
        await self._run(self._storage.set_reminder, user_id, at, timezone)

    async def add_turn(self, user_id: int, role: str, text: str) -> None:
        await self._run(self._storage.add_turn, user_id, role, text)

    async def recent_turns(self, user_id: int, limit: int) -> list[Turn]:
        return await self._run(self._storage.recent_turns, user_id, limit)

    async def save_answer(
        self, user_id: int, question: str, answer: str, sources: Sequence[str]
    ) -> None:
        await self._run(self._storage.save_answer, user_id, question, answer, sources)

    async def last_sources(self, user_id: int) -> tuple[str, ...]:
        return await self._run(self._storage.last_sources, user_id)

    async def claim_reminder(self, user_id: int, local_date: date) -> bool:
        return await self._run(self._storage.claim_reminder, user_id, local_date)

    async def clear_reminders_blocked(self, user_id: int) -> None:
        await self._run(self._storage.clear_reminders_blocked, user_id)

    async def forget(self, user_id: int) -> None:
        await self._run(self._storage.forget, user_id)

    async def request_forget(self, user_id: int, expires: datetime) -> bool:
        return await self._run(self._storage.request_forget, user_id, expires)

    async def confirm_forget(self, user_id: int, now: datetime) -> bool:
        return await self._run(self._storage.confirm_forget, user_id, now)
