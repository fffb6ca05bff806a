"""The APScheduler tick on a live event loop, delivering to the real console front end."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, select

from bot.adapters.console_adapter import ConsoleAdapter
from bot.core.coach import Coach
from bot.core.messages import OutgoingMessage
from bot.core.ports import Sender
from bot.core.reminder_dispatch import ReminderDispatcher
from bot.scheduling.scheduler import ReminderScheduler
from bot.storage.repositories import SqlStorage
from bot.storage.tables import ReminderLog
from tests.support import Clock

pytestmark = pytest.mark.asyncio

DUE = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 8, 12, 0, tzinfo=UTC))


@pytest.fixture
def screen() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def terminal(coach: Coach, screen: io.StringIO, tmp_path: Path) -> ConsoleAdapter:
    return ConsoleAdapter(
        coach, user="ann", files_dir=tmp_path, console=Console(file=screen, width=300)
    )


def scheduler(
    storage: SqlStorage, clock: Clock, sender: Sender, *, second: str = "0"
) -> ReminderScheduler:
    dispatcher = ReminderDispatcher(storage, [sender], grace=timedelta(hours=3), clock=clock)
    return ReminderScheduler(dispatcher, second=second)


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


async def test_first_pass_runs_at_start_up_to_catch_up(
    storage: SqlStorage, clock: Clock, terminal: ConsoleAdapter, screen: io.StringIO
) -> None:
    await terminal.ask("/plan 10k 8weeks start=2026-11-02")
    await terminal.ask("/remind 07:00 UTC")
    clock.now = DUE + timedelta(minutes=40)  # the bot was down at 07:00
    reminders = scheduler(storage, clock, terminal)  # ticks at second 0 of each minute
    reminders.start()
    try:
        await until(lambda: "Today, Monday 09 Nov" in screen.getvalue(), timeout_s=2.0)
    finally:
        await reminders.stop()


async def test_a_changed_reminder_is_picked_up_by_the_next_tick(
    storage: SqlStorage, clock: Clock, terminal: ConsoleAdapter, screen: io.StringIO
) -> None:
    await terminal.ask("/plan 10k 8weeks start=2026-11-02")
    reminders = scheduler(storage, clock, terminal, second="*")
    reminders.start()
    try:
        clock.now = DUE - timedelta(seconds=30)
        await terminal.ask("/remind 07:00 UTC")  # set while the scheduler runs; nothing to sync
        await asyncio.sleep(1.1)
        assert "Today, " not in screen.getvalue()
        clock.now = DUE
        await until(lambda: "Today, Monday 09 Nov" in screen.getvalue())
    finally:
        await reminders.stop()
    assert screen.getvalue().count("Today, ") == 1


class SlowSender:
    platform = "console"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.sent = 0

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        self.entered.set()
        await self.release.wait()
        self.sent += 1


async def test_stopping_lets_a_send_in_flight_finish_and_be_recorded(
    storage: SqlStorage, clock: Clock, terminal: ConsoleAdapter, engine: Engine
) -> None:
    await terminal.ask("/plan 10k 8weeks start=2026-11-02")
    await terminal.ask("/remind 07:00 UTC")
    clock.now = DUE
    sender = SlowSender()
    reminders = scheduler(storage, clock, sender)
    reminders.start()
    await until(sender.entered.is_set)
    stopping = asyncio.create_task(reminders.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done()  # waiting for the send, not cancelling it
    sender.release.set()
    await stopping
    with engine.connect() as conn:
        assert conn.scalars(select(ReminderLog.status)).all() == ["sent"]
    assert sender.sent == 1
