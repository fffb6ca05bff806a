"""The coach's storage runs off the event loop: a slow database delays the runner who waits on
it, never the loop that serves everyone else."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.core.coach import Coach
from bot.core.messages import IncomingMessage
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.support import Clock

SLOW_S = 0.5  # each transaction of the slow database
TICK_S = 0.01


class SlowStorage(SqlStorage):
    """Every transaction first waits, as on a database that is busy or far away."""

    @contextmanager
    def _write(self) -> Iterator[Session]:
        time.sleep(SLOW_S)
        with super()._write() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        time.sleep(SLOW_S)
        with super()._read() as session:
            yield session


async def ticks_while(work: asyncio.Future[object] | asyncio.Task[object]) -> list[float]:
    """The loop's clock each time a 10 ms timer fired until ``work`` finished."""
    loop = asyncio.get_running_loop()
    seen = [loop.time()]
    while not work.done():
        await asyncio.sleep(TICK_S)
        seen.append(loop.time())
    return seen


async def test_a_slow_database_never_stalls_the_loop(engine: Engine) -> None:
    clock = Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    with ExecutorStorage(SlowStorage(engine, clock=clock), threads=2) as storage:
        coach = Coach(storage, clock=clock)
        message = IncomingMessage("console", "alice", "/profile weekly=30 days=4", "alice")
        began = time.perf_counter()
        handling = asyncio.ensure_future(coach.handle(message))
        ticks = await ticks_while(handling)
        took = time.perf_counter() - began
        replies = await handling
    assert replies[0].text.startswith("Saved.")
    assert took >= 3 * SLOW_S  # several slow transactions, one after another
    gaps = [later - earlier for earlier, later in pairwise(ticks)]
    # A timer due every 10 ms kept firing while the transactions ran: on the loop, each one would
    # hold it up for a whole SLOW_S, so the long gaps would add up to nearly all of ``took``. (A
    # loaded machine may stall the loop once in a while, which this tolerates.)
    stalled = sum(gap for gap in gaps if gap >= 0.9 * SLOW_S)
    assert stalled < took / 2, f"the loop stood still for {stalled:.2f} of {took:.2f} s"


class MeetingStorage(SqlStorage):
    """Each read first waits for a second read to be in flight: it gets through only if two
    run at once."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.meeting = threading.Barrier(2, timeout=10)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        self.meeting.wait()
        with super()._read() as session:
            yield session


async def test_two_runners_calls_run_side_by_side(engine: Engine) -> None:
    """One runner's slow call never queues another's behind it (up to the pool's size)."""
    with ExecutorStorage(MeetingStorage(engine), threads=2) as storage:
        found = await asyncio.gather(
            storage.find_user("console", "a"), storage.find_user("console", "b")
        )
    assert list(found) == [None, None]
