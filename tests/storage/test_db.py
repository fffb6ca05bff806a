"""The SQLite engine: pragmas on every connection, and who holds the write lock when; PostgreSQL
URLs get the installed driver."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.storage.db import BUSY_TIMEOUT_MS, READ_ONLY, create_engine
from bot.storage.repositories import SqlStorage

pytestmark = pytest.mark.sqlite_only("SQLite's pragmas and write lock; PostgreSQL has neither")


def path_of(engine: Engine) -> str:
    assert engine.url.database
    return engine.url.database


def try_to_write(path: str) -> None:
    """Ask for the write lock without waiting, as another process would."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_every_connection_gets_the_pragmas(engine: Engine) -> None:
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": BUSY_TIMEOUT_MS,
    }


def test_migration_engines_turn_foreign_keys_off(db_url: str) -> None:
    engine = create_engine(db_url, foreign_keys=False)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    finally:
        engine.dispose()


def test_the_parent_directory_of_a_new_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "runcoach.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        assert path.is_file()
    finally:
        engine.dispose()


def test_a_transaction_holds_the_write_lock_from_its_begin(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))  # a read first: the lock is taken at BEGIN regardless
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            try_to_write(path_of(engine))
    try_to_write(path_of(engine))  # released at commit


def test_a_read_only_transaction_takes_no_write_lock(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(**READ_ONLY)
        with conn.begin():
            conn.execute(text("SELECT count(*) FROM users"))
            try_to_write(path_of(engine))


def test_a_writer_waits_for_the_lock_instead_of_failing(
    engine: Engine, storage: SqlStorage
) -> None:
    user = storage.user("console", "alice", "alice")
    holder = sqlite3.connect(path_of(engine), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        storage.add_turn(user.id, "user", "waited")
        assert time.monotonic() - started >= 0.4
    finally:
        release.join()
        holder.close()
    assert storage.recent_turns(user.id, 1)[0].text == "waited"


def test_storage_reads_do_not_wait_for_a_writer(engine: Engine, storage: SqlStorage) -> None:
    user = storage.user("console", "alice", "alice")
    holder = sqlite3.connect(path_of(engine), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM conversation_turns")
    try:
        started = time.monotonic()
        assert storage.find_user("console", "alice") == user
        storage.profile(user.id)
        storage.active_plan(user.id)
        storage.recent_turns(user.id, 5)
        assert time.monotonic() - started < 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_postgresql_url_without_a_driver_gets_psycopg_3() -> None:
    """SQLAlchemy's default is psycopg2, which runcoach does not install."""
    engine = create_engine("postgresql://runcoach@db.example/runcoach")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()
