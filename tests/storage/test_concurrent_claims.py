"""Several workers claiming reminders at once: each due reminder goes to exactly one of them, and
on PostgreSQL a claim never waits for rows another transaction holds (SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, text

from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from tests.conftest import empty_tables

SET_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DUE_AT = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 06:00 UTC the next morning
GRACE = timedelta(minutes=30)
PLATFORMS = ["console"]


def add_due_users(engine: Engine, n: int) -> list[int]:
    storage = SqlStorage(engine, clock=lambda: SET_AT)
    ids = []
    for i in range(n):
        user = storage.user("console", f"runner{i}", f"Runner {i}")
        storage.set_reminder(user.id, time(6, 0), "UTC")
        ids.append(user.id)
    return ids


def test_workers_claiming_at_once_take_each_reminder_once(db_url: str) -> None:
    workers, users, batch = 4, 120, 7
    engines = [create_engine(db_url) for _ in range(workers)]
    try:
        expected = add_due_users(engines[0], users)
        start = threading.Barrier(workers)

        def work(engine: Engine) -> list[int]:
            storage = SqlStorage(engine)
            claimed: list[int] = []
            start.wait()
            while claims := storage.claim_due(DUE_AT, GRACE, PLATFORMS, batch).claims:
                claimed += [claim.user.id for claim in claims]
            return claimed

        with ThreadPoolExecutor(workers) as pool:
            per_worker = list(pool.map(work, engines))
    finally:
        for engine in engines:
            engine.dispose()

    taken = Counter(user_id for claimed in per_worker for user_id in claimed)
    assert sorted(taken) == expected
    assert set(taken.values()) == {1}


@pytest.fixture
def postgres_url(postgres_session_url: str, postgres_cleaner: Engine) -> str:
    empty_tables(postgres_cleaner)
    return postgres_session_url


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


def test_a_claim_skips_rows_another_worker_holds_instead_of_waiting(pg_engine: Engine) -> None:
    """Another worker mid-claim holds some users' rows: this worker takes the rest at once, and
    the held ones stay due for the next pass."""
    ids = add_due_users(pg_engine, 10)
    held = ids[:4]
    storage = SqlStorage(pg_engine)
    with ThreadPoolExecutor(1) as pool, pg_engine.connect() as other:
        other.execute(
            text("SELECT id FROM users WHERE id = ANY(:ids) FOR UPDATE"), {"ids": held}
        ).all()
        claimed = pool.submit(storage.claim_due, DUE_AT, GRACE, PLATFORMS, 100)
        # A claim that waited for the lock would time out here: ``other`` holds it till the end.
        first = claimed.result(timeout=20)
        other.rollback()
    assert sorted(claim.user.id for claim in first.claims) == ids[4:]
    second = storage.claim_due(DUE_AT, GRACE, PLATFORMS, 100)
    assert sorted(claim.user.id for claim in second.claims) == held


def test_an_orphan_another_worker_is_reclaiming_is_skipped_not_waited_for(
    pg_engine: Engine,
) -> None:
    ids = add_due_users(pg_engine, 6)
    storage = SqlStorage(pg_engine)
    claims = storage.claim_due(DUE_AT, GRACE, PLATFORMS, 100).claims
    assert len(claims) == len(ids)  # ... and the worker that claimed them died before sending
    held = [claim.log_id for claim in claims[:2]]
    later = DUE_AT + timedelta(minutes=10)
    with ThreadPoolExecutor(1) as pool, pg_engine.connect() as other:
        other.execute(
            text("SELECT id FROM reminder_log WHERE id = ANY(:ids) FOR UPDATE"), {"ids": held}
        ).all()
        reclaimed = pool.submit(
            storage.reclaim_orphans, later - timedelta(minutes=5), later - GRACE, 100
        ).result(timeout=20)
        other.rollback()
    assert sorted(claim.log_id for claim in reclaimed.claims) == sorted(
        claim.log_id for claim in claims[2:]
    )
    again = storage.reclaim_orphans(later - timedelta(minutes=5), later - GRACE, 100)
    assert sorted(claim.log_id for claim in again.claims) == sorted(held)
    # Taken as retried: never handed out a third time.
    assert storage.reclaim_orphans(later, later - GRACE, 100).claims == []
    assert {claim.local_date for claim in again.claims} == {date(2026, 3, 3)}
