"""A returned write survives the process being killed, and concurrent writers never see
"database is locked": the guarantees db.py's pragmas and BEGIN IMMEDIATE are there for."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.core.ports import Turn
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.tables import ConversationTurn, Plan, ReminderLog

REPO_ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("writer.py")
DAY = date(2025, 6, 1)


def start_writer(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def kill_after(child: subprocess.Popen[str], acks_wanted: int) -> list[str]:
    """Read acks until ``acks_wanted``, SIGKILL the child mid-stream, return every ack it
    managed to print (the pipe may still hold some printed just before the kill)."""
    assert child.stdout is not None
    acks: list[str] = []
    while len(acks) < acks_wanted:
        line = child.stdout.readline()
        assert line, f"writer died early: {child.stderr.read() if child.stderr else ''}"
        acks.append(line.strip())
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return acks + [line for line in rest.splitlines() if line.strip()]


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.sqlite_only("a SQLite file and its WAL; a PostgreSQL server outlives its clients")
def test_every_acknowledged_write_survives_sigkill(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "data" / "runcoach.db"
    acks: list[str] = []
    # Several rounds, so later writers also start on a file left by a killed one (WAL recovery).
    for wanted in (60, 250, 9):
        start = sum(line.startswith("user ") for line in acks)
        acks += kill_after(start_writer("ack", db_url, str(start)), wanted)

    assert integrity(path) == "ok"
    engine = create_engine(db_url)
    try:
        storage = SqlStorage(engine, turns_kept=10_000)
        for line in acks:
            kind, number = line.split()
            i = int(number)
            user = storage.find_user("console", f"runner{i}")
            assert user is not None, line
            if kind == "plan":
                plan = storage.active_plan(user.id)
                assert plan is not None and plan.request["text"] == f"plan {i}", line
            elif kind == "claim":
                assert storage.claim_reminder(user.id, DAY) is False, line
            elif kind == "turn":
                assert storage.recent_turns(user.id, 10) == [Turn("user", f"turn {i}")], line
    finally:
        engine.dispose()


def count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


def test_concurrent_processes_never_see_database_is_locked(db_url: str, tmp_path: Path) -> None:
    workers, rounds = 4, 100
    go = tmp_path / "go"
    children = [start_writer("contend", db_url, str(go), str(rounds)) for _ in range(workers)]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    go.touch()  # all start their read-then-write transactions at once
    outputs = [child.communicate(timeout=300) for child in children]

    for child, (_, err) in zip(children, outputs, strict=True):
        assert "locked" not in err, err
        assert child.returncode == 0, err
    claims = [json.loads(out) for out, _ in outputs]
    # Every reminder day was claimed exactly once across all the processes.
    assert [sum(day) for day in zip(*claims, strict=True)] == [1] * rounds

    engine = create_engine(db_url)
    try:
        assert count(engine, ConversationTurn) == workers * rounds
        assert count(engine, ReminderLog) == rounds
        with engine.connect() as conn:
            active = conn.scalar(select(func.count()).select_from(Plan).where(Plan.active))
        assert active == 1
        assert count(engine, Plan) == workers * rounds
    finally:
        engine.dispose()


def test_threads_sharing_one_storage_claim_each_day_once(storage: SqlStorage) -> None:
    user = storage.user("console", "shared", "Shared")
    won: Counter[date] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for i in range(30):
                storage.add_turn(user.id, "user", f"turn {i}")
                if storage.claim_reminder(user.id, DAY + timedelta(days=i)):
                    with lock:
                        won[DAY + timedelta(days=i)] += 1
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(won.values()) == {1} and len(won) == 30
    assert len(storage.recent_turns(user.id, 100)) == 5  # the fixture's cap held throughout


def test_workers_polling_at_once_claim_every_due_reminder_exactly_once(db_url: str) -> None:
    """Several schedulers (own engines, as separate processes would have) poll the same due rows
    in small batches at the same time: nobody's reminder is lost or claimed twice."""
    set_at = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    now = datetime(2026, 12, 1, 6, 31, tzinfo=UTC)
    zones = ("UTC", "Europe/London", "Africa/Abidjan")  # all at UTC+0 on that morning
    engines = [create_engine(db_url) for _ in range(4)]
    try:
        setup = SqlStorage(engines[0], clock=lambda: set_at)
        expected = set()
        for i in range(240):
            user = setup.user("console", f"runner{i}", f"Runner {i}")
            setup.set_reminder(user.id, time(6, 30), zones[i % len(zones)])
            expected.add(user.id)
        claimed: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        start = threading.Barrier(len(engines))

        def poll(engine: Engine) -> None:
            storage = SqlStorage(engine)
            try:
                start.wait()
                while True:
                    batch = storage.claim_due(now, timedelta(hours=1), ["console"], 25)
                    if not batch.claims and not batch.late:
                        break
                    assert batch.late == []
                    with lock:
                        claimed.extend(claim.user.id for claim in batch.claims)
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=poll, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(claimed) == sorted(expected)
        assert count(engines[0], ReminderLog) == len(expected)
    finally:
        for engine in engines:
            engine.dispose()
