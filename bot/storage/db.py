"""Engine creation: the one place that knows SQLite needs help to be a safe shared database.

SQLite choices, each for a failure we would otherwise see in production:

* ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers, so
  the scheduler reading due reminders cannot stall a chat reply that saves a plan.
* ``synchronous=FULL``: in WAL mode ``NORMAL`` already survives a killed process (a commit is in
  the OS's hands before it returns); ``FULL`` also fsyncs the WAL at every commit so a returned
  write survives a power cut or kernel crash too, as the ``Storage`` port promises ("a returned
  call is durable"). The bot commits a few small rows per message, so one fsync each is cheap.
* ``busy_timeout=5000``: a writer that finds the database locked waits up to 5 s instead of
  failing at once.
* ``BEGIN IMMEDIATE``: the busy timeout only helps a transaction that asks for the write lock
  when it starts. A deferred transaction that reads and then writes, while another connection
  committed in between, gets "database is locked" at once whatever the timeout (SQLite cannot
  upgrade its stale read snapshot). So pysqlite's own transaction handling is switched off
  (``isolation_level = None``) and every transaction is begun here, with ``BEGIN IMMEDIATE``
  unless the caller marked it read-only (``READ_ONLY``), which then starts a plain deferred
  ``BEGIN`` that in WAL mode never waits for a writer.
* ``secure_delete=ON``: a deleted row's bytes are overwritten with zeros, not just unlinked, so
  after ``/forget`` a runner's words cannot be read back out of the file with ``strings``. The
  WAL still holds the pages as they were before the delete until a checkpoint copies them back
  and truncates it: ``checkpoint`` does that, and ``SqlStorage`` calls it after a forget.
* ``foreign_keys=ON``: SQLite ignores ``ON DELETE CASCADE`` and every foreign key without it.
  Migrations turn it off (``foreign_keys=False``): Alembic's batch mode rebuilds a table by
  dropping it, and with enforcement on that drop would cascade-delete the rows of every child
  table.

Nothing here touches another dialect: a PostgreSQL URL gets a plain engine, on psycopg 3 (the
driver runcoach installs) when the URL names none: SQLAlchemy's own default is psycopg2.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import URL, Connection, make_url

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

# Execution option a transaction sets (through Session.connection(execution_options=...)) to be
# begun deferred: for pure reads, which must not queue behind writers for the write lock.
READ_ONLY_OPTION = "runcoach_read_only"
READ_ONLY: dict[str, Any] = {READ_ONLY_OPTION: True}


def create_engine(url: str | URL, *, foreign_keys: bool = True) -> Engine:
    """An engine for ``url``; for SQLite, with the pragmas and transaction handling above."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return sa_create_engine(parsed)
    _create_parent_dir(parsed)
    engine = sa_create_engine(parsed)
    _configure_sqlite(engine, foreign_keys=foreign_keys)
    return engine


def checkpoint(engine: Engine) -> bool:
    """Move every committed page from SQLite's WAL into the database file and truncate the WAL
    to zero bytes, so page images from before a delete are gone from disk too.

    False if a reader kept it from finishing within the busy timeout; SQLite checkpoints again
    when the last connection closes. True at once for other databases, which have no WAL file.
    """
    if engine.dialect.name != "sqlite":
        return True
    # On the DBAPI connection, outside any transaction: a checkpoint cannot run inside one, and
    # SQLAlchemy would begin one (BEGIN IMMEDIATE, above) before the first statement.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        log.warning(
            "a reader kept the WAL checkpoint from finishing: deleted rows' old pages stay in "
            "the WAL until the next checkpoint or the last connection closes"
        )
    return not busy


def _create_parent_dir(url: URL) -> None:
    """So a fresh install or an empty data volume works without a manual ``mkdir``."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No implicit BEGINs from pysqlite: _on_begin emits them, and the pragmas below must run
        # outside any transaction (foreign_keys is a no-op inside one).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first, so switching a new file to WAL waits out a concurrent opener.
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
