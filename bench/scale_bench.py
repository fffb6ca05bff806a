"""Scale-out on PostgreSQL (issue 15): chat throughput by worker count, and reminder dispatch
for 100,000 users with 3 workers.

Chat: 1, 2 and 4 real `python -m bot serve` workers on one PostgreSQL database, in Telegram
webhook mode, each update posted to the next worker in turn (what a round-robin load balancer
does), replies read by the offline fake Bot API (``tests/load/harness.py``). ``--today`` users
with stored plans send ``/today`` all at once, then ``--plans`` new users send ``/plan 10k
8weeks`` (overview, calendar and chart) all at once; messages per second is the number of
messages over the time from the first post to the last reply. Model drafting is off: neither
command uses the model. Each worker answers one ``/today`` and one ``/plan`` before the clock
starts.

Reminders: ``--reminder-users`` users (default 100,000), all due in the same minute with a
stored plan, bulk-inserted; ``--reminder-workers`` processes (default 3) each run one pass of
the real ``ReminderDispatcher`` on ``SqlStorage`` at that minute, released together, with a
sender that only notes which user it was handed and when. Reports the time until the last
reminder reached a sender, reminders per second, each worker's share, and any user sent
twice or never.

Needs a PostgreSQL server (``RUNCOACH_TEST_POSTGRES_URL``, default postgres@127.0.0.1:5432);
each case runs in a throwaway database. Run with
`.venv/bin/python bench/scale_bench.py [--workers 1,2,4] [--today N] [--plans N]
[--reminder-users N] [--reminder-workers N] [--only chat|reminders]`; record results in
bench/README.md ("Scale").
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import queue
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import JSON, bindparam, insert, literal, select, true

# The harness and the throwaway-database helper live with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.features.shared import request_dict
from bot.core.messages import OutgoingMessage
from bot.core.reminder_dispatch import ReminderDispatcher
from bot.plans.generator import generate_plan
from bot.plans.request import parse_plan_text
from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.tables import Plan, User
from tests.load.harness import (
    PLAN_REPLY,
    LoadError,
    LoadReport,
    Message,
    Poster,
    ask_and_wait,
    fake_telegram,
    run_load,
    seed_plans,
    serve_workers,
)
from tests.postgres import PostgresServer, connect_server

REPO = Path(__file__).resolve().parent.parent
MINUTE = datetime(2026, 11, 10, 5, 30, tzinfo=UTC)  # when every seeded reminder is due
TODAY_IDS = 100_000  # Telegram ids of the /today users start here, /plan users at 200,000
PLAN_IDS = 200_000
DEADLINE_S = 300


# ---- chat throughput --------------------------------------------------------------------------


async def chat_case(url: str, workers: int, today: int, plans: int) -> tuple[LoadReport, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            fake_telegram() as fake,
            serve_workers(
                fake,
                count=workers,
                database_url=url,
                data_dir=Path(tmp),
                drafts=False,
                cpus=None,
                start_timeout_s=300,
            ) as bots,
        ):
            poster = Poster(fake, bots)
            try:
                # One of each per worker: the cycle hands consecutive posts to the next worker.
                for n in range(workers):
                    warm = Message(1 + n, "today", "/today")
                    await ask_and_wait(fake, poster, warm, timeout_s=120)
                for n in range(workers):
                    warm = Message(1000 + n, "plan", "/plan 10k 8weeks", PLAN_REPLY)
                    await ask_and_wait(fake, poster, warm, timeout_s=120)
                today_report = await run_load(
                    fake,
                    poster,
                    [Message(TODAY_IDS + n, "today", "/today") for n in range(today)],
                    deadline_s=DEADLINE_S,
                )
                plan_report = await run_load(
                    fake,
                    poster,
                    [
                        Message(PLAN_IDS + n, "plan", "/plan 10k 8weeks", PLAN_REPLY)
                        for n in range(plans)
                    ],
                    deadline_s=DEADLINE_S,
                )
            finally:
                await poster.close()
    return today_report, plan_report


def chat(server: PostgresServer, counts: list[int], today: int, plans: int) -> None:
    print(
        f"chat: {today} /today at once, then {plans} /plan at once; "
        "workers in webhook mode, round-robin"
    )
    rates: dict[int, tuple[float, float]] = {}
    for workers in counts:
        url = server.create_database("runcoach_scale")
        try:
            migrate.upgrade(url)
            seed_plans(
                url, [*range(TODAY_IDS, TODAY_IDS + today), *range(1, 1 + workers)], date.today()
            )
            today_report, plan_report = asyncio.run(chat_case(url, workers, today, plans))
        finally:
            server.drop_database(url)
        rate = (today / today_report.wall_s, plans / plan_report.wall_s)
        rates[workers] = rate
        base = rates[counts[0]]
        lost = len(today_report.lost) + len(plan_report.lost)
        cut_off = today_report.cut_off + plan_report.cut_off
        print(
            f"{workers} worker(s): /today {rate[0]:.0f} msg/s ({rate[0] / base[0]:.2f}x), "
            f"p95 {today_report.quantile('today', 0.95):.2f} s; "
            f"/plan {rate[1]:.1f} msg/s ({rate[1] / base[1]:.2f}x), "
            f"p95 {plan_report.quantile('plan', 0.95):.2f} s; lost {lost}, "
            f"replies abandoned half-sent {cut_off}"
        )


# ---- reminder dispatch ------------------------------------------------------------------------


class NotingSender:
    """Takes every reminder at once and notes whom it was for and when."""

    platform = "telegram"

    def __init__(self) -> None:
        self.handed: list[tuple[str, float]] = []

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        self.handed.append((platform_user_id, time.time()))


def seed_reminders(url: str, users: int) -> None:
    """Every user due at MINUTE with a 10k plan running that day. The plan is written by the
    database from one parameter, so 100,000 copies cost one statement, not 100,000 encodings."""
    parsed = parse_plan_text("10k 8weeks start=2026-11-09", date(2026, 11, 8))
    plan = dict(generate_plan(parsed.request))
    request = request_dict(parsed.request, parsed.units, "10k 8weeks")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for start in range(0, users, 10_000):
                conn.execute(
                    insert(User),
                    [
                        {
                            "platform": "telegram",
                            "platform_user_id": str(n),
                            "display_name": f"r{n}",
                            "timezone": "UTC",
                            "remind_at": clock_time(5, 30),
                            "reminders_on": True,
                            "next_reminder_utc": MINUTE,
                            "created": MINUTE - timedelta(days=1),
                        }
                        for n in range(start, min(users, start + 10_000))
                    ],
                )
            conn.execute(
                insert(Plan).from_select(
                    ["user_id", "request", "plan", "active", "created"],
                    select(
                        User.id,
                        bindparam("request", request, type_=JSON),
                        bindparam("plan", plan, type_=JSON),
                        true(),
                        literal(MINUTE - timedelta(days=1), Plan.created.type),
                    ),
                )
            )
    finally:
        engine.dispose()


def reminder_worker(url: str, barrier: Barrier, results: Queue[list[tuple[str, float]]]) -> None:
    """One worker process: build the dispatcher, wait for the others, run one pass, report
    whom its sender was handed and when."""
    engine = create_engine(url)
    try:
        sender = NotingSender()
        dispatcher = ReminderDispatcher(
            SqlStorage(engine, clock=lambda: MINUTE),
            [sender],
            grace=timedelta(hours=3),
            clock=lambda: MINUTE,
        )
        barrier.wait()
        asyncio.run(dispatcher.dispatch())
        results.put(sender.handed)
    finally:
        engine.dispose()


def collect(
    processes: Sequence[BaseProcess], results: Queue[list[tuple[str, float]]]
) -> list[list[tuple[str, float]]]:
    """Each worker's report, read before joining them (a worker exits only once its large
    result has left the queue); a worker that died instead stops the bench with its code."""
    handed: list[list[tuple[str, float]]] = []
    while len(handed) < len(processes):
        try:
            handed.append(results.get(timeout=5))
        except queue.Empty:
            failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if failed:
                raise LoadError(f"a reminder worker exited with code {failed[0]}") from None
    return handed


def reminders(server: PostgresServer, users: int, workers: int) -> None:
    url = server.create_database("runcoach_scale")
    try:
        migrate.upgrade(url)
        began = time.perf_counter()
        seed_reminders(url, users)
        seeded = time.perf_counter() - began
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(workers + 1)
        results: Queue[list[tuple[str, float]]] = context.Queue()
        processes = [
            context.Process(target=reminder_worker, args=(url, barrier, results))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        barrier.wait(timeout=300)
        started = time.time()
        handed = collect(processes, results)
        for process in processes:
            process.join()
    finally:
        server.drop_database(url)
    sent = Counter(uid for per_worker in handed for uid, _ in per_worker)
    last = max((at for per_worker in handed for _, at in per_worker), default=started) - started
    twice = sum(1 for n in sent.values() if n > 1)
    never = users - len(sent)
    shares = ", ".join(f"{len(per_worker):,}" for per_worker in handed)
    print(
        f"reminders: {users:,} users due in one minute, {workers} worker(s) (seeded in "
        f"{seeded:.0f} s): last handed to a sender {last:.1f} s after the start, "
        f"{len(sent) / last if last else 0:,.0f} reminders/s; per worker {shares}; "
        f"sent twice {twice}, never {never}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--today", type=int, default=400)
    parser.add_argument("--plans", type=int, default=100)
    parser.add_argument("--reminder-users", type=int, default=100_000)
    parser.add_argument("--reminder-workers", type=int, default=3)
    parser.add_argument("--only", choices=("chat", "reminders"))
    args = parser.parse_args()
    try:
        counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers takes whole numbers separated by commas, not {args.workers!r}")
    # Workers would each convert the embedding model into their own data directory (half a
    # minute, four at once for 4 workers): they share the tests' cache instead.
    cache = REPO / ".pytest_cache" / "d" / "runcoach-embeddings"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("RUNCOACH_CACHE_DIR", str(cache))
    server = connect_server()
    if isinstance(server, str):
        sys.exit(f"scale_bench: {server}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, PostgreSQL, {date.today()}")
    try:
        if args.only != "reminders":
            chat(server, counts, args.today, args.plans)
        if args.only != "chat":
            reminders(server, args.reminder_users, args.reminder_workers)
    except LoadError as err:
        sys.exit(f"scale_bench: {err}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
