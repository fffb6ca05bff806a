"""Schema migrations from code, for ``runcoach db upgrade`` and the upgrade at start-up.

The migration scripts live in the top-level ``migrations/`` directory, which the wheel installs
as a top-level ``migrations`` directory beside ``bot/`` in site-packages. Either way they sit at
the same place relative to this file, so they are found with no import and no ``alembic.ini``, and
run the same from a source checkout, an installed wheel or the Docker image, from any working
directory.

Several workers start at once against one database, and each upgrades it at start-up; none may
fail for meeting the others. On PostgreSQL every upgrade first takes one transaction-scoped
advisory lock, so the workers migrate one after another (the later ones find the schema at head
and do nothing) instead of racing to create the same tables. On SQLite ``BEGIN IMMEDIATE``
already serialises them, but only for as long as the busy timeout: a slow upgrade, or a new file
switching to WAL, can still answer "database is locked", so the whole upgrade is retried with
backoff a bounded number of times and then stops with one line saying why.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from bot.storage.db import create_engine

log = logging.getLogger(__name__)

# bot/storage/migrate.py -> the directory holding bot/ (the checkout, or site-packages).
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config pointing at the packaged scripts, optionally bound to an open connection."""
    config = Config()
    # Config values go through ConfigParser interpolation, where '%' is special.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# One key for every runcoach database on a server: the lock is per database, and workers of two
# databases on one server only ever wait for each other's (quick, usually no-op) upgrade.
ADVISORY_LOCK_KEY = int.from_bytes(b"runcoach", "big")
# SQLite: each try already waits out the busy timeout (5 s), so these tries with backoff span
# about a minute of another process holding the file, far beyond any upgrade's length.
SQLITE_TRIES = 8
FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 4.0


class MigrationError(Exception):
    """The upgrade could not run for a reason outside the scripts (the database stayed busy)."""


def upgrade(url: str, revision: str = "head", *, tries: int = SQLITE_TRIES) -> None:
    """Bring the database at ``url`` up to ``revision``, in one transaction, whoever else is
    upgrading it at the same time."""
    _run(url, lambda config: command.upgrade(config, revision), tries=tries)


def downgrade(url: str, revision: str, *, tries: int = SQLITE_TRIES) -> None:
    """Take the database at ``url`` down to ``revision`` (``"base"``: drop everything)."""
    _run(url, lambda config: command.downgrade(config, revision), tries=tries)


def _run(url: str, step: Callable[[Config], None], *, tries: int) -> None:
    engine = create_engine(url, foreign_keys=False)
    started = time.monotonic()
    try:
        for attempt in range(1, tries + 1):
            try:
                with engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        _wait_for_other_migrators(connection)
                    step(alembic_config(connection))
                return
            except OperationalError as error:
                if not _sqlite_locked(error):
                    raise
                if attempt == tries:
                    raise MigrationError(
                        f"the database {make_url(url).database} stayed locked by another "
                        f"process through {tries} tries over {time.monotonic() - started:.0f} s; "
                        "is another runcoach holding it?"
                    ) from None
                pause = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (attempt - 1))
                # Jitter, so processes that collided once do not collide again in step.
                pause *= random.uniform(0.5, 1.0)
                log.info("database locked during migration (try %d of %d)", attempt, tries)
                time.sleep(pause)
    finally:
        engine.dispose()


def _wait_for_other_migrators(connection: Connection) -> None:
    """Hold the advisory lock until this transaction ends; say so when another has it."""
    key = {"key": ADVISORY_LOCK_KEY}
    if not connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), key):
        log.info("another process is migrating the database: waiting for it to finish")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)


def _sqlite_locked(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig)
