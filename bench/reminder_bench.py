"""Reminder dispatch at 100,000 users on a SQLite file (issue 6).

Seeds N users (default 100,000) with random reminder times, to the minute, in random time zones,
then runs the real dispatcher (SqlStorage, claim, text, send, record) for one minute with a
sender that only notes when it was handed each reminder. Reports:

* users due in the minute, and when the last of them reached the sender (target: within 10 s
  of the minute), for N/10 and N users with random times, and for N users of whom ``--hot``
  (default 5,000) chose the same minute;
* the time and tracemalloc peak of an idle tick (nothing due): with the index, neither grows
  with the users stored. A pass holds at most one batch (``CLAIM_BATCH``) of claims and plans.

Users are seeded as if every earlier tick had run (next due time after one second before the
minute). Only users due in the measured minute get a plan: a dispatch reads no other user's
plan, and 100,000 full plans would only make the file bigger. Run with
`.venv/bin/python bench/reminder_bench.py [--users N] [--hot N]`; record results in
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import Engine, insert

from bot.core import reminders
from bot.core.features.shared import request_dict
from bot.core.messages import OutgoingMessage
from bot.core.reminder_dispatch import ReminderDispatcher
from bot.plans.generator import generate_plan
from bot.plans.request import parse_plan_text
from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.tables import Plan, User

ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Australia/Sydney",
    "Africa/Nairobi",
)
MINUTE = datetime(2026, 11, 10, 5, 30, tzinfo=UTC)  # the measured minute
HOT = clock_time(5, 30)  # in Europe/London, which is on UTC in November: MINUTE
SEEDED_AT = MINUTE - timedelta(seconds=1)  # as if every earlier tick had run


class StopwatchSender:
    """Notes how long after the start of the pass each reminder was handed over."""

    platform = "console"

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.handed: list[float] = []

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        self.handed.append(time.perf_counter() - self.started)


def seed(engine: Engine, users: int, hot: int, rng: random.Random) -> None:
    rows = []
    for i in range(users):
        if i < hot:
            at, zone = HOT, "Europe/London"
        else:
            at = clock_time(rng.randrange(24), rng.randrange(60))
            zone = rng.choice(ZONES)
        rows.append(
            {
                "platform": "console",
                "platform_user_id": f"u{i}",
                "display_name": f"u{i}",
                "timezone": zone,
                "remind_at": at,
                "reminders_on": True,
                "next_reminder_utc": reminders.next_after(at, zone, SEEDED_AT),
                "created": SEEDED_AT,
            }
        )
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(User), rows[start : start + 10_000])
    words = "10k 8weeks start=2026-11-02"
    parsed = parse_plan_text(words, date(2026, 11, 1))
    request, plan = request_dict(parsed.request, parsed.units, words), generate_plan(parsed.request)
    due_ids = _due_ids(engine, MINUTE)
    if not due_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            insert(Plan),
            [
                {
                    "user_id": uid,
                    "request": request,
                    "plan": plan,
                    "active": True,
                    "created": SEEDED_AT,
                }
                for uid in due_ids
            ],
        )


def _due_ids(engine: Engine, minute: datetime) -> list[int]:
    with engine.connect() as conn:
        return [
            uid
            for (uid,) in conn.execute(
                User.__table__.select()
                .with_only_columns(User.id)
                .where(User.next_reminder_utc == minute)
            )
        ]


def dispatch_at(
    engine: Engine, moment: datetime, *, traced: bool
) -> tuple[StopwatchSender, float, int]:
    """One pass at ``moment``: the sender, the pass time (s) and, if ``traced``, the tracemalloc
    peak (tracing slows the pass several times over, so timed passes are not traced)."""
    storage = SqlStorage(engine, clock=lambda: moment)
    sender = StopwatchSender()
    dispatcher = ReminderDispatcher(
        storage, [sender], grace=timedelta(hours=3), clock=lambda: moment
    )
    if traced:
        tracemalloc.start()
    began = sender.started = time.perf_counter()
    asyncio.run(dispatcher.dispatch())
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    return sender, elapsed, peak


def run(users: int, hot: int, seed_value: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = create_engine(url)
        try:
            began = time.perf_counter()
            seed(engine, users, hot, random.Random(seed_value))
            seeded = time.perf_counter() - began
            before = MINUTE - timedelta(milliseconds=500)
            _, idle_s, _ = dispatch_at(engine, before, traced=False)
            _, _, idle_peak = dispatch_at(engine, before, traced=True)
            minute, minute_s, _ = dispatch_at(engine, MINUTE, traced=False)
        finally:
            engine.dispose()
    return {
        "seed_s": seeded,
        "idle_tick_ms": idle_s * 1000,
        "idle_peak_kib": idle_peak / 1024,
        "due": len(minute.handed),
        "last_handed_s": max(minute.handed, default=0.0),
        "pass_s": minute_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--hot", type=int, default=5_000, help="users sharing one minute")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, SQLite file, WAL, FULL sync")
    cases = {
        f"{args.users // 10:,} users, random times": (args.users // 10, 0),
        f"{args.users:,} users, random times": (args.users, 0),
        f"{args.users:,} users, {args.hot:,} at one minute": (args.users, args.hot),
    }
    results = {}
    for name, (users, hot) in cases.items():
        r = results[name] = run(users, hot, args.seed)
        print(
            f"{name}: {r['due']:,.0f} due, last handed to the sender {r['last_handed_s']:.3f} s "
            f"after the minute (whole pass {r['pass_s']:.3f} s); "
            f"idle tick {r['idle_tick_ms']:.1f} ms, peak {r['idle_peak_kib']:,.0f} KiB; "
            f"seeded in {r['seed_s']:.1f} s"
        )
    small, big, hot = results.values()
    print(
        f"idle tick memory at {args.users:,} vs {args.users // 10:,} users: "
        f"{big['idle_peak_kib'] / small['idle_peak_kib']:.2f}x; "
        f"within 10 s: {all(r['last_handed_s'] < 10 for r in results.values())}"
    )


if __name__ == "__main__":
    main()
