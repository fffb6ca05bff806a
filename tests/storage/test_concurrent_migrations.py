"""Workers starting together on one new database all come up: the start-up migration waits for
the others (an advisory lock on PostgreSQL, retries on SQLite) instead of failing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.__main__ import main
from bot.storage import db, migrate
from bot.storage.db import create_engine
from bot.storage.tables import metadata

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 6

# A worker that has paid for its imports waits for the go file, then makes the start-up upgrade
# `serve` and `runcoach db upgrade` make, so all of them hit the new database in one instant.
UPGRADER = """
import os, sys, time
from bot.storage import migrate
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
migrate.upgrade(sys.argv[2])
print("upgraded")
"""


def head_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_workers_upgrading_one_new_database_at_once_all_succeed(url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADER, str(go), url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
    go.touch()
    results = [worker.communicate(timeout=240) for worker in workers]

    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
        assert out == "upgraded\n"
    assert head_revision(url) is not None
    assert table_names(url) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}


def hold_write_lock(path: Path) -> Callable[[], None]:
    """Another process's long write transaction on the file, until the returned call."""
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        holder.execute("ROLLBACK")
        holder.close()

    return release


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Busy timeout and backoff cut to milliseconds, so a held lock outlasts many tries fast."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(migrate, "FIRST_BACKOFF_S", 0.05)
    monkeypatch.setattr(migrate, "MAX_BACKOFF_S", 0.2)


@pytest.mark.sqlite_only("SQLite's file lock and busy timeout")
@pytest.mark.usefixtures("short_waits")
def test_sqlite_upgrade_outlasts_a_lock_longer_than_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "runcoach.db"
    release = threading.Timer(0.3, hold_write_lock(path))
    release.start()
    migrate.upgrade(f"sqlite:///{path}")
    release.join()
    assert "users" in table_names(f"sqlite:///{path}")


@pytest.mark.sqlite_only("SQLite's file lock and busy timeout")
@pytest.mark.usefixtures("short_waits")
def test_a_database_that_stays_locked_gets_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "runcoach.db"
    release = hold_write_lock(path)
    monkeypatch.setenv("RUNCOACH_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("RUNCOACH_DATA_DIR", str(tmp_path / "data"))
    try:
        assert main(["db", "upgrade"]) == 1
    finally:
        release()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"runcoach: the database {path} stayed locked by another process")
    assert "Traceback" not in err
