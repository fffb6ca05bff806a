"""Forgetting a runner: confirmed across processes, and their words gone from every file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core.ports import CheckInRecord, ProfileRecord
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from tests.support import row_counts, stored_plan

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
# Strings only this runner typed; none of them may survive anywhere under the data directory.
SECRETS = ("Zanzibar-hamstring", "Quokka-marathon-dream", "Xylophone-knee", "Wombat-runner")


def remember_a_runner(storage: SqlStorage) -> int:
    user = storage.user("console", SECRETS[3], SECRETS[3])
    storage.save_profile(user.id, ProfileRecord(weekly_km=30, goal=SECRETS[1] * 20))
    storage.record_checkin(
        user.id, CheckInRecord(date(2026, 11, 25), "niggle", 8.0, 6, SECRETS[2] * 20)
    )
    storage.save_plan(user.id, *stored_plan(text=SECRETS[1]))
    storage.set_reminder(user.id, time(6, 30), "Europe/Paris")
    storage.claim_reminder(user.id, date(2026, 11, 26))
    for n in range(30):  # more than turns_kept: the capped-away turns must be gone too
        storage.add_turn(user.id, "user", f"{SECRETS[0]} {n} " * 40)
    storage.save_answer(user.id, SECRETS[0], SECRETS[1], [SECRETS[2] * 20])  # for "sources?"
    return user.id


def files_mentioning(directory: Path, secrets: tuple[str, ...]) -> list[str]:
    return [
        f"{path.name}: {secret}"
        for path in directory.rglob("*")
        if path.is_file()
        for secret in secrets
        if secret.encode() in path.read_bytes()
    ]


def data_dir_of(sqlite_url: str) -> Path:
    return Path(sqlite_url.removeprefix("sqlite:///")).parent


@pytest.fixture
def data_dir(db_url: str) -> Path:
    return data_dir_of(db_url)


@pytest.mark.sqlite_only("reads the database file and its WAL; PostgreSQL's files are the server's")
def test_forget_leaves_none_of_the_runners_words_in_the_database_or_its_wal(
    storage: SqlStorage, engine: Engine, data_dir: Path
) -> None:
    user_id = remember_a_runner(storage)
    other = storage.user("console", "bob", "bob")
    storage.add_turn(other.id, "user", "bob's own words")
    assert files_mentioning(data_dir, SECRETS)  # the check below can see them

    storage.forget(user_id)

    # The pool still holds its connection, as a running bot does: the WAL file is there.
    assert (data_dir / "runcoach.db-wal").exists()
    assert files_mentioning(data_dir, SECRETS) == []
    assert storage.recent_turns(other.id, 5)[0].text == "bob's own words"


def test_a_forget_requested_by_one_process_is_confirmed_by_another(
    db_url: str, backend: str
) -> None:
    first, second = create_engine(db_url), create_engine(db_url)
    try:
        asking, confirming = SqlStorage(first), SqlStorage(second)
        user_id = remember_a_runner(asking)
        assert asking.request_forget(user_id, NOW + timedelta(minutes=5))
        first.dispose()  # the first `runcoach ask` process has exited

        assert confirming.confirm_forget(user_id, NOW + timedelta(minutes=4))

        assert confirming.find_user("console", SECRETS[3]) is None
        assert set(row_counts(second).values()) == {0}
        if backend == "sqlite":
            assert files_mentioning(data_dir_of(db_url), SECRETS) == []
    finally:
        first.dispose()
        second.dispose()


def test_confirming_without_a_pending_request_forgets_nothing(storage: SqlStorage) -> None:
    user_id = remember_a_runner(storage)
    assert not storage.confirm_forget(user_id, NOW)
    assert storage.find_user("console", SECRETS[3]) is not None


def test_an_expired_request_is_cleared_and_forgets_nothing(storage: SqlStorage) -> None:
    user_id = remember_a_runner(storage)
    storage.request_forget(user_id, NOW + timedelta(minutes=5))
    assert not storage.confirm_forget(user_id, NOW + timedelta(minutes=6))
    # Cleared: a confirm inside the old window after that does not resurrect it.
    assert not storage.confirm_forget(user_id, NOW + timedelta(minutes=1))
    assert storage.profile(user_id).weekly_km == 30


def test_a_request_is_confirmed_once(storage: SqlStorage) -> None:
    user_id = remember_a_runner(storage)
    storage.request_forget(user_id, NOW + timedelta(minutes=5))
    assert storage.confirm_forget(user_id, NOW)
    assert not storage.confirm_forget(user_id, NOW)


def test_a_request_for_nobody_is_refused(storage: SqlStorage) -> None:
    assert not storage.request_forget(12345, NOW + timedelta(minutes=5))
