"""APScheduler 3.x on the bot's asyncio loop, driving reminder dispatch with one job.

Why one minute tick, not one job per user: the database is the source of truth, and each user's
next due time is an indexed column (``users.next_reminder_utc``) kept current by ``/remind`` and
by every claim. A tick asks for the rows due by now, a range scan on that index whose cost
follows the reminders due, not the users stored. With 100,000 users a job per user would hold
100,000 trigger objects in memory, need rebuilding at every start-up and re-syncing on every
``/remind``, and would hand DST to APScheduler's cron, which on a fall-back day fires a 02:30
job twice, by design. With the tick:

* nothing is rebuilt at start-up and nothing is updated when a user changes ``/remind``: the
  next tick reads the new due time from the database;
* memory is the same for 10 users or 100,000 (one job; batches of ``CLAIM_BATCH`` rows);
* downtime catch-up is the same code as a normal tick (rows due in the past are due now), run
  at once on start-up rather than at the next minute;
* several bot processes can tick the same database: claims are rows, not timers.

Job options, each chosen: the trigger fires at second 0 of every UTC minute (reminders are set
to the minute); ``misfire_grace_time=None``, because a late tick must still run (APScheduler's
default of one second would silently skip it when the loop is busy; how late is too late is the
dispatcher's grace window); ``coalesce=True`` and ``max_instances=1``, because one pass
catches up everything and two concurrent passes would only compete for the same rows.

APScheduler cancels running jobs at shutdown, which would cut a pass off between a send and its
``sent`` record, so each pass runs in its own task and ``stop`` lets it finish.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.core.reminder_dispatch import ReminderDispatcher

log = logging.getLogger(__name__)

JOB_ID = "reminder-dispatch"
STOP_TIMEOUT_S = 30.0


class ReminderScheduler:
    def __init__(self, dispatcher: ReminderDispatcher, *, second: str = "0") -> None:
        self._dispatcher = dispatcher
        self._second = second
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: asyncio.Task[object] | None = None

    def start(self) -> None:
        """Call from inside the running loop; the first pass runs now, to catch up."""
        self._scheduler.add_job(
            self._tick,
            CronTrigger(second=self._second, timezone=UTC),
            id=JOB_ID,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()

    async def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        if self._running is not None and not self._running.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._running), STOP_TIMEOUT_S)
            except TimeoutError:
                log.warning("reminder dispatch still running at shutdown; it resumes on restart")

    async def _tick(self) -> None:
        # Shielded: a shutdown cancels this job, not the pass, which ``stop`` then awaits.
        self._running = asyncio.create_task(self._dispatcher.dispatch())
        try:
            await asyncio.shield(self._running)
        except Exception:
            log.exception("reminder dispatch failed; the next tick retries")
