"""Three worker processes on one PostgreSQL database through a simulated day of reminders for
10,000 runners in nine time zones, on the day US clocks spring forward (8 March 2026), with the
clock in the test's hands: every due reminder is sent exactly once and none is missed; and when
one worker is killed (``kill -9``) after claiming a batch and before sending it, another worker
sends that batch within the grace window, still once each.

The expected reminders are worked out here from ``zoneinfo`` alone, not from the bot's own
reminder arithmetic: each runner's wall-clock time on each local date, and for a time the
spring-forward skips (02:00-02:59 in New York), the moment the clocks reach 03:00.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, insert, select

from bot.core import reminders
from bot.core.features.shared import request_dict
from bot.plans.generator import generate_plan
from bot.plans.model import Week
from bot.plans.request import parse_plan_text
from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.tables import Plan, ReminderLog, User
from tests.postgres import PostgresServer
from tests.scale.reminder_worker import BATCH, CLAIM_LEASE, GRACE, PLATFORM

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("reminder_worker.py")
USERS = 10_000
START = datetime(2026, 3, 8, 0, 0, tzinfo=UTC)
SPRING_FORWARD = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 02:00 EST is 03:00 EDT in New York
END = START + timedelta(days=1)
AFTER_THE_MINUTE = timedelta(seconds=5)  # when a tick runs, as the scheduler's do
QUIET_STEP = timedelta(minutes=10)  # ticks between due minutes, where nothing should be sent
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Paris",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
TIMES = tuple(time(hour, minute) for hour in range(5, 23) for minute in (0, 15, 30, 45))
SKIPPED_TIMES = (time(2, 0), time(2, 30))  # on 8 March in New York these never happen
REPLY_TIMEOUT_S = 120


def runner_settings() -> list[tuple[str, time, str]]:
    """(Telegram id, reminder time, time zone) of each runner."""
    chosen = []
    for i in range(USERS):
        zone = ZONES[i % len(ZONES)]
        if zone == "America/New_York" and i % 5 == 0:
            at = SKIPPED_TIMES[i % 2]
        else:
            at = TIMES[(i // len(ZONES)) % len(TIMES)]
        chosen.append((str(100_000 + i), at, zone))
    return chosen


def due_in_window(at: time, zone_name: str) -> Iterator[tuple[date, datetime]]:
    """Each local date whose reminder falls in (START, END], with its UTC moment."""
    zone = ZoneInfo(zone_name)
    first = START.astimezone(zone).date() - timedelta(days=1)
    for offset in range(4):
        day = first + timedelta(days=offset)
        wall = datetime.combine(day, at, tzinfo=zone)
        if wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
            wall = datetime.combine(day, time(at.hour + 1), tzinfo=zone)  # end of the gap
        due = wall.astimezone(UTC)
        if START < due <= END:
            yield day, due


def seed(engine: Engine, runners: list[tuple[str, time, str]]) -> None:
    """Bulk rows, as ``/remind`` and ``/plan`` leave them: every runner has a plan covering the
    day (trimmed to the days around it: 10,000 full plans only make the database bigger)."""
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "platform": PLATFORM,
                    "platform_user_id": ref,
                    "display_name": f"runner {ref}",
                    "timezone": zone,
                    "remind_at": at,
                    "reminders_on": True,
                    "next_reminder_utc": reminders.next_after(at, zone, START),
                    "created": START,
                }
                for ref, at, zone in runners
            ],
        )
        ids = conn.scalars(select(User.id)).all()
        words = "10k 8weeks start=2026-03-02"
        parsed = parse_plan_text(words, date(2026, 3, 1))
        request = request_dict(parsed.request, parsed.units, words)
        plan = generate_plan(parsed.request)
        around = {(START.date() + timedelta(days=d)).isoformat() for d in (-1, 0, 1, 2)}
        weeks: list[Week] = [
            {**week, "days": [day for day in week["days"] if day["date"] in around]}
            for week in plan["weeks"]
        ]
        plan["weeks"] = [week for week in weeks if week["days"]]
        conn.execute(
            insert(Plan),
            [
                {
                    "user_id": user_id,
                    "request": request,
                    "plan": plan,
                    "active": True,
                    "created": START,
                }
                for user_id in ids
            ],
        )


class Worker:
    """A worker process, its commands on stdin and replies read by a thread (so a silent worker
    fails the test after a timeout instead of hanging it)."""

    def __init__(self, name: str, url: str, directory: Path) -> None:
        self.name = name
        self.sends = directory / f"{name}.tsv"
        self.log = directory / f"{name}.log"
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), url, str(self.sends)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        self.replies: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.counts: Counter[str] = Counter()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.replies.put(line.strip())

    def tell(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def expect(self, word: str) -> str:
        try:
            reply = self.replies.get(timeout=REPLY_TIMEOUT_S)
        except queue.Empty:
            reply = "(nothing)"
        assert reply.split(" ", 1)[0] == word, f"{self.name}: {reply}\n{self.log.read_text()}"
        return reply

    def done(self) -> None:
        self.counts.update(json.loads(self.expect("done").split(" ", 1)[1]))

    def sent(self) -> list[tuple[str, date, datetime]]:
        lines = self.sends.read_text().splitlines() if self.sends.exists() else []
        return [
            (ref, date.fromisoformat(day), datetime.fromisoformat(at))
            for ref, day, at in (line.split("\t") for line in lines)
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def day_database(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create_database("runcoach_reminder_day")
    try:
        migrate.upgrade(url)
        yield url
    finally:
        postgres_server.drop_database(url)


def test_three_workers_send_a_days_reminders_once_each_through_a_kill(
    day_database: str, tmp_path: Path
) -> None:
    runners = runner_settings()
    expected = {
        (ref, day): due for ref, at, zone in runners for day, due in due_in_window(at, zone)
    }
    engine = create_engine(day_database)
    workers = [Worker(f"worker{n}", day_database, tmp_path) for n in range(3)]
    try:
        seed(engine, runners)
        for worker in workers:
            worker.expect("ready")

        due_minutes = Counter(expected.values())
        ticks = sorted(
            {due + AFTER_THE_MINUTE for due in due_minutes}
            | {
                START + AFTER_THE_MINUTE + QUIET_STEP * n
                for n in range((END - START) // QUIET_STEP + 1)
            }
        )
        # The victim dies in the busiest minute of the morning (UTC), so its orphans are retried
        # while the others keep sending that day's later reminders; not at the spring-forward,
        # which is checked on its own below.
        killed_at = max(
            (
                tick
                for tick in ticks
                if tick < START + timedelta(hours=12) and tick != SPRING_FORWARD + AFTER_THE_MINUTE
            ),
            key=lambda tick: due_minutes[tick - AFTER_THE_MINUTE],
        )
        assert due_minutes[killed_at - AFTER_THE_MINUTE] > BATCH
        victim, survivors = workers[0], workers[1:]
        running = workers
        orphans: list[tuple[str, date]] = []
        for tick in ticks:
            if tick == killed_at:
                victim.tell("stall")
                victim.tell(f"tick {tick.isoformat()}")
                victim.expect("stalled")  # its first batch is claimed, none of it sent
                for worker in survivors:
                    worker.tell(f"tick {tick.isoformat()}")
                for worker in survivors:
                    worker.done()
                victim.process.kill()
                assert victim.process.wait(timeout=30) == -9
                running = survivors
                orphans = claimed_rows(engine)
                assert len(orphans) == BATCH
                continue
            for worker in running:
                worker.tell(f"tick {tick.isoformat()}")
            for worker in running:
                worker.done()
    finally:
        for worker in workers:
            worker.stop()
        engine.dispose()

    sends = [(worker.name, *send) for worker in workers for send in worker.sent()]
    times_sent = Counter((ref, day) for _, ref, day, _ in sends)
    assert [key for key, n in times_sent.items() if n > 1] == []
    assert set(times_sent) - set(expected) == set()  # nothing sent that was not due
    assert set(expected) - set(times_sent) == set()  # nothing missed
    assert len(sends) == len(expected) >= USERS

    by_key = {(ref, day): (name, at) for name, ref, day, at in sends}
    orphan_keys = {(ref, day) for ref, day in orphans}
    for key, due in expected.items():
        name, at = by_key[key]
        if key in orphan_keys:
            # Retried by a survivor once the claim's lease ran out, within the grace window.
            assert name != victim.name
            assert killed_at + CLAIM_LEASE <= at <= due + GRACE, (key, due, at)
        else:
            assert timedelta(0) <= at - due < timedelta(minutes=1), (key, due, at)

    # New York's 02:00 and 02:30 runners got 8 March's reminder when clocks reached 03:00 EDT.
    skipped = {ref for ref, at, zone in runners if at in SKIPPED_TIMES}
    assert {by_key[(ref, date(2026, 3, 8))][1] for ref in skipped} == {
        SPRING_FORWARD + AFTER_THE_MINUTE
    }
    # The American zones' 23-hour day puts two local dates in the window for some: each once.
    assert max(Counter(ref for ref, _ in expected).values()) == 2

    assert all(worker.sent() for worker in workers)  # all three took part
    counts = sum((worker.counts for worker in workers), Counter())
    assert counts[reminders.MISSED] == 0 and counts[reminders.FAILED] == 0
    assert counts[reminders.RETRIED] == BATCH
    assert final_statuses(day_database) == {reminders.SENT: len(expected)}


def claimed_rows(engine: Engine) -> list[tuple[str, date]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(User.platform_user_id, ReminderLog.local_date)
            .join(User, User.id == ReminderLog.user_id)
            .where(ReminderLog.status == reminders.CLAIMED)
        ).all()
    return [(ref, day) for ref, day in rows]


def final_statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(ReminderLog.status, func.count()).group_by(ReminderLog.status)
            ).all()
        return {status: n for status, n in rows}
    finally:
        engine.dispose()
