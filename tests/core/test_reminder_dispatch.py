"""Reminder delivery end to end: real coach, real SQLite file, a clock the test moves by hand."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.core.coach import Coach
from bot.core.errors import RecipientUnreachable, TransientDeliveryError
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.reminder_dispatch import ReminderDispatcher
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from tests.support import Clock, row_counts

pytestmark = pytest.mark.asyncio

GRACE = timedelta(hours=3)


class RecordingSender:
    """A front end that records what it was handed, and when; can be told to fail."""

    def __init__(self, platform: str, clock: Clock) -> None:
        self.platform = platform
        self.clock = clock
        self.sent: list[tuple[str, str, datetime]] = []
        self.transient_failures = 0
        self.blocked: set[str] = set()

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        if platform_user_id in self.blocked:
            raise RecipientUnreachable("403: bot was blocked by the user")
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientDeliveryError("429: too many requests")
        self.sent.append((platform_user_id, messages[0].text, self.clock()))

    def to(self, user: str) -> list[tuple[str, datetime]]:
        return [(text, when) for ref, text, when in self.sent if ref == user]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, s: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, s, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(utc(2026, 11, 8, 12, 0))  # a Sunday; plans below start on Monday the 2nd


@pytest.fixture
def sender(clock: Clock) -> RecordingSender:
    return RecordingSender("console", clock)


def dispatcher(
    storage: SqlStorage, clock: Clock, senders: Sequence[RecordingSender]
) -> ReminderDispatcher:
    return ReminderDispatcher(
        storage, senders, grace=GRACE, clock=clock, retry_delays_s=(0, 0), batch=2
    )


@pytest.fixture
def reminders(storage: SqlStorage, clock: Clock, sender: RecordingSender) -> ReminderDispatcher:
    # batch=2 so that three users already take more than one claim batch.
    return dispatcher(storage, clock, [sender])


async def say(coach: Coach, user: str, text: str, platform: str = "console") -> str:
    replies = await coach.handle(IncomingMessage(platform, user, text, display_name=user))
    return "\n".join(reply.text for reply in replies)


async def runner(
    coach: Coach, user: str, remind: str, start: str = "2026-11-02", platform: str = "console"
) -> None:
    await say(coach, user, f"/plan 10k 8weeks start={start}", platform)
    assert "Daily reminder set" in await say(coach, user, f"/remind {remind}", platform)


async def run_until(
    reminders: ReminderDispatcher, clock: Clock, end: datetime, step: timedelta
) -> None:
    while clock.now <= end:
        await reminders.dispatch()
        clock.now += step


async def test_on_time_in_three_time_zones_once_each(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    await runner(coach, "paris", "06:30 Europe/Paris")
    await runner(coach, "newyork", "06:30 America/New_York")
    await runner(coach, "tokyo", "06:30 Asia/Tokyo")
    # Ticks from now (Sunday noon UTC) for 24 hours: one Monday-morning reminder for each.
    await run_until(reminders, clock, utc(2026, 11, 9, 12, 0), timedelta(minutes=15))
    [(paris, paris_at)] = sender.to("paris")
    [(newyork, newyork_at)] = sender.to("newyork")
    [(tokyo, tokyo_at)] = sender.to("tokyo")
    assert tokyo_at == utc(2026, 11, 8, 21, 30)  # 06:30 JST, while it is Sunday in UTC
    assert paris_at == utc(2026, 11, 9, 5, 30)  # 06:30 CET
    assert newyork_at == utc(2026, 11, 9, 11, 30)  # 06:30 EST
    for text in (paris, newyork, tokyo):
        assert "Monday 09 Nov" in text


async def test_restart_in_the_middle_of_a_dispatch_neither_repeats_nor_loses(
    coach: Coach, storage: SqlStorage, clock: Clock, sender: RecordingSender, db_url: str
) -> None:
    for user in ("ann", "ben", "cat"):
        await runner(coach, user, "07:00 UTC")
    clock.now = utc(2026, 11, 9, 7, 0)
    first = dispatcher(storage, clock, [sender])
    claimed = (await first.claim(clock.now)).claims + (await first.claim(clock.now)).claims
    assert len(claimed) == 3
    await first.deliver(claimed[:1])  # one went out, then the process died

    restarted_engine = create_engine(db_url)
    try:
        restarted = dispatcher(SqlStorage(restarted_engine, clock=clock), clock, [sender])
        await run_until(restarted, clock, utc(2026, 11, 9, 12, 0), timedelta(minutes=1))
    finally:
        restarted_engine.dispose()
    assert sorted(ref for ref, _, _ in sender.sent) == ["ann", "ben", "cat"]
    # The two orphans waited out the claim lease (a live process may still be sending them).
    assert all(when > utc(2026, 11, 9, 7, 4) for ref, _, when in sender.sent if ref != "ann")


async def test_a_reminder_is_retried_once_only_after_a_crash(
    coach: Coach,
    storage: SqlStorage,
    reminders: ReminderDispatcher,
    clock: Clock,
    sender: RecordingSender,
) -> None:
    await runner(coach, "ann", "07:00 UTC")
    clock.now = utc(2026, 11, 9, 7, 0)
    assert len((await reminders.claim(clock.now)).claims) == 1  # crash before sending
    retry = storage.reclaim_orphans(utc(2026, 11, 9, 8, 0), utc(2026, 11, 9, 4, 0), 10)
    assert len(retry.claims) == 1  # crash again, during the retry
    await run_until(reminders, clock, utc(2026, 11, 9, 11, 0), timedelta(minutes=10))
    assert sender.sent == []


async def test_downtime_within_the_grace_window_sends_late_once(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    clock.now = utc(2026, 11, 9, 9, 15)  # back up 2 h 45 min after the reminder was due
    await run_until(reminders, clock, utc(2026, 11, 9, 23, 0), timedelta(minutes=30))
    [(text, when)] = sender.to("ann")
    assert when == utc(2026, 11, 9, 9, 15) and "Monday 09 Nov" in text


async def test_downtime_beyond_the_grace_window_drops_and_logs_that_day(
    coach: Coach,
    reminders: ReminderDispatcher,
    clock: Clock,
    sender: RecordingSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    clock.now = utc(2026, 11, 11, 9, 40)  # down for two days and three hours
    with caplog.at_level(logging.WARNING):
        await run_until(reminders, clock, utc(2026, 11, 12, 7, 0), timedelta(minutes=10))
    assert "dropped" in caplog.text and "on 2026-11-11" in caplog.text
    # Nothing for the missed days; the next morning's arrives on time.
    [(text, when)] = sender.to("ann")
    assert when == utc(2026, 11, 12, 6, 30) and "Thursday 12 Nov" in text


async def test_spring_forward_sends_a_skipped_time_once_at_the_next_valid_time(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    clock.now = utc(2026, 3, 20, 12, 0)
    await runner(coach, "ann", "02:30 Europe/Paris", start="2026-03-23")
    clock.now = utc(2026, 3, 28, 23, 0)
    await run_until(reminders, clock, utc(2026, 3, 29, 23, 0), timedelta(minutes=5))
    [(text, when)] = sender.to("ann")
    assert when == utc(2026, 3, 29, 1, 0)  # 03:00 CEST: 02:30 did not exist that night
    assert "Sunday 29 Mar" in text


async def test_fall_back_sends_a_repeated_time_once(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    clock.now = utc(2026, 10, 1, 12, 0)
    await runner(coach, "ann", "02:30 Europe/Paris", start="2026-10-05")
    clock.now = utc(2026, 10, 24, 22, 0)
    await run_until(reminders, clock, utc(2026, 10, 26, 4, 0), timedelta(minutes=5))
    assert [when for _, when in sender.to("ann")] == [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, and not again at 02:30 CET an hour later
        utc(2026, 10, 26, 1, 30),  # 02:30 CET the next day
    ]


async def test_remind_off_stops_reminders(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    await runner(coach, "ben", "06:30 UTC")
    assert "off" in await say(coach, "ann", "/remind off")
    clock.now = utc(2026, 11, 9, 6, 0)
    await run_until(reminders, clock, utc(2026, 11, 10, 7, 0), timedelta(minutes=30))
    assert sender.to("ann") == [] and len(sender.to("ben")) == 2


async def test_a_user_who_forgets_while_due_gets_nothing_and_leaves_nothing(
    coach: Coach,
    reminders: ReminderDispatcher,
    clock: Clock,
    sender: RecordingSender,
    engine: Engine,
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    await runner(coach, "ben", "06:30 UTC")
    clock.now = utc(2026, 11, 9, 6, 30)
    claims = (await reminders.claim(clock.now)).claims
    assert len(claims) == 2
    # Both erase their data after their reminder was claimed and before it went out.
    for user in ("ann", "ben"):
        await say(coach, user, "/forget")
        assert "deleted" in await say(coach, user, "/forget confirm")
    assert await reminders.deliver(claims) == ["skipped", "skipped"]
    await run_until(reminders, clock, utc(2026, 11, 10, 7, 0), timedelta(minutes=30))
    assert sender.sent == []
    assert set(row_counts(engine).values()) == {0}


async def test_transient_errors_are_retried_and_the_reminder_sent_once(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    sender.transient_failures = 2
    clock.now = utc(2026, 11, 9, 6, 30)
    await run_until(reminders, clock, utc(2026, 11, 9, 12, 0), timedelta(minutes=30))
    assert len(sender.to("ann")) == 1


async def test_a_send_that_keeps_failing_is_given_up_not_repeated_later(
    coach: Coach, reminders: ReminderDispatcher, clock: Clock, sender: RecordingSender
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    sender.transient_failures = 3  # the first try and both retries
    clock.now = utc(2026, 11, 9, 6, 30)
    assert (await reminders.dispatch())["failed"] == 1
    await run_until(reminders, clock, utc(2026, 11, 9, 12, 0), timedelta(minutes=30))
    assert sender.sent == []


@pytest.mark.parametrize("command", ["/today", "/help"])  # looks the runner up, or does not
async def test_a_user_who_blocked_the_bot_is_switched_off_and_told_once(
    coach: Coach,
    storage: SqlStorage,
    reminders: ReminderDispatcher,
    clock: Clock,
    sender: RecordingSender,
    command: str,
) -> None:
    await runner(coach, "ann", "06:30 UTC")
    sender.blocked.add("ann")
    clock.now = utc(2026, 11, 9, 6, 30)
    assert (await reminders.dispatch())["unreachable"] == 1
    user = storage.find_user("console", "ann")
    assert user is not None and not user.reminders_on
    sender.blocked.clear()  # they unblock the bot and write again
    await run_until(reminders, clock, utc(2026, 11, 10, 7, 0), timedelta(minutes=30))
    assert sender.sent == []
    first = await say(coach, "ann", command)
    assert "turned reminders off" in first and "/remind 06:30" in first
    assert "turned reminders off" not in await say(coach, "ann", command)


async def test_users_of_a_platform_that_is_not_running_wait_within_the_grace_window(
    coach: Coach, storage: SqlStorage, clock: Clock, sender: RecordingSender
) -> None:
    await runner(coach, "tg-1", "06:30 UTC", platform="telegram")
    clock.now = utc(2026, 11, 9, 6, 30)
    console_only = dispatcher(storage, clock, [sender])
    assert (await console_only.dispatch()).counts == {}
    telegram = RecordingSender("telegram", clock)
    clock.now = utc(2026, 11, 9, 7, 0)  # Telegram comes up half an hour later
    await dispatcher(storage, clock, [sender, telegram]).dispatch()
    assert len(telegram.to("tg-1")) == 1 and sender.sent == []


async def test_setting_a_reminder_without_a_plan_says_what_it_will_carry(coach: Coach) -> None:
    assert "/plan" in await say(coach, "ann", "/remind 06:30 Europe/Paris")
    await say(coach, "ann", "/plan 10k 8weeks")
    assert "/plan" not in await say(coach, "ann", "/remind 06:45")
