"""A quick command's database calls go ahead of the queue other runners' work built up."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.core.coach import Coach
from bot.core.messages import IncomingMessage
from bot.core.ports import PlanRecord
from bot.core.urgency import PriorityPool, is_urgent, urgent_work
from bot.plans.model import Plan, Units
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.support import Clock

OTHERS = 20


def test_urgent_calls_run_first_and_the_rest_in_order() -> None:
    pool = PriorityPool(1, name="test")
    gate, ran = threading.Event(), []
    blocker = pool.submit(gate.wait, urgent=False)
    futures = [
        pool.submit(lambda name=name: ran.append(name), urgent=urgent)  # type: ignore[misc]
        for name, urgent in [("a", False), ("b", False), ("c", True), ("d", False), ("e", True)]
    ]
    gate.set()
    pool.shutdown()  # lets everything queued finish
    assert blocker.done() and all(f.done() for f in futures)
    assert ran == ["c", "e", "a", "b", "d"]
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None, urgent=True)


def test_a_failing_call_fails_only_its_own_future() -> None:
    pool = PriorityPool(1, name="test")
    failed = pool.submit(lambda: 1 / 0, urgent=False)
    fine = pool.submit(lambda: 42, urgent=False)
    assert fine.result(timeout=5) == 42
    assert isinstance(failed.exception(timeout=5), ZeroDivisionError)
    pool.shutdown()


async def test_the_mark_stays_with_its_own_message() -> None:
    seen: dict[str, bool] = {}

    async def handle(name: str, urgent: bool) -> None:
        with urgent_work(urgent):
            await asyncio.sleep(0.01)  # the other message runs meanwhile
            seen[name] = is_urgent()

    await asyncio.gather(handle("today", True), handle("question", False))
    assert seen == {"today": True, "question": False}
    assert not is_urgent()


class _Gated:
    """SqlStorage whose calls wait for ``gate`` and are counted as they run."""

    def __init__(self, storage: SqlStorage) -> None:
        self._storage = storage
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._storage, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.gate.wait()
            self.calls += 1
            return method(*args, **kwargs)

        return call


async def test_today_is_answered_ahead_of_a_queue_of_questions(
    storage: SqlStorage, clock: Clock
) -> None:
    gated = _Gated(storage)
    with ExecutorStorage(gated, threads=1) as queued:  # type: ignore[arg-type]
        coach = Coach(queued, clock=clock)

        def message(user: str, text: str) -> IncomingMessage:
            return IncomingMessage("console", user, text, display_name=user)

        await coach.handle(message("alice", "/plan 10k 8weeks"))
        gated.gate.clear()  # the database is busy: everything queues from here
        questions = [
            asyncio.create_task(coach.handle(message(f"runner{n}", "how do I pace a 10k?")))
            for n in range(OTHERS)
        ]
        await asyncio.sleep(0.05)  # every question has queued its first call
        today = asyncio.create_task(coach.handle(message("alice", "/today")))
        await asyncio.sleep(0.05)
        before = gated.calls
        calls_until_today: list[int] = []
        today.add_done_callback(lambda _: calls_until_today.append(gated.calls - before))
        gated.gate.set()
        replies = await today
        await asyncio.gather(*questions)
    assert "plan starts" in replies[0].text
    # Alice's three calls, and a few other runners' between hers (the thread takes the next
    # call while her coroutine is still sending her next one: 3 here, 6 on a busy machine); in
    # arrival order she waits for two or three calls from each of the twenty questions (63).
    assert calls_until_today[0] < OTHERS


async def test_today_takes_one_trip_to_the_database(storage: SqlStorage, clock: Clock) -> None:
    """Under a burst every storage call waits its turn, so each one a /today makes is a wait
    its runner feels: finding them and their plan is one call, and the check for reminders
    turned off behind their back reuses what it found."""
    gated = _Gated(storage)
    with ExecutorStorage(gated, threads=1) as counted:  # type: ignore[arg-type]
        coach = Coach(counted, clock=clock)
        alice = IncomingMessage("console", "alice", "/plan 10k 8weeks", display_name="alice")
        await coach.handle(alice)
        before = gated.calls
        replies = await coach.handle(replace(alice, text="/today"))
    assert "plan starts" in replies[0].text
    assert gated.calls - before == 1


class _Drawing:
    """A renderer that notes when drawing began."""

    def __init__(self) -> None:
        self.began = threading.Event()

    async def calendar(self, plan: Plan, units: Units) -> bytes:
        self.began.set()
        return b"BEGIN:VCALENDAR"

    async def chart(self, plan: Plan, units: Units) -> bytes:
        self.began.set()
        return b"\x89PNG"


class _SlowToStore(SqlStorage):
    """Storing a plan waits (up to 5 s) for the drawing to begin, and notes whether it did."""

    def __init__(self, engine: Engine, clock: Clock, drawing: _Drawing, *, fails: bool) -> None:
        super().__init__(engine, turns_kept=5, clock=clock)
        self._drawing = drawing
        self._fails = fails
        self.drawn_before_stored: bool | None = None

    def save_plan(self, user_id: int, request: Any, plan: Plan) -> PlanRecord:
        self.drawn_before_stored = self._drawing.began.wait(timeout=5)
        if self._fails:
            raise OSError("disk full")
        return super().save_plan(user_id, request, plan)


@pytest.mark.parametrize("fails", [False, True])
async def test_a_plan_is_drawn_while_it_is_stored(
    engine: Engine, clock: Clock, fails: bool
) -> None:
    """In a burst the database's writes and the CPU's drawings each have a queue: the chart
    waits in one while the plan waits in the other, not in both in turn. A plan that could not
    be stored is not sent: the runner would find nothing behind /today."""
    drawing = _Drawing()
    slow = _SlowToStore(engine, clock, drawing, fails=fails)
    with ExecutorStorage(slow, threads=1) as executor:
        coach = Coach(executor, clock=clock, renderer=drawing)
        message = IncomingMessage("console", "bob", "/plan 10k 8weeks", display_name="bob")
        replies = await coach.handle(message)
    assert slow.drawn_before_stored
    if fails:
        assert [r.file for r in replies] == [None] and "went wrong" in replies[0].text
    else:
        assert [r.file.filename[-4:] for r in replies if r.file] == [".ics", ".png"]
