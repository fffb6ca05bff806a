"""Alembic environment for runcoach.

The database comes from, in order: a connection handed over in ``config.attributes
["connection"]`` (``bot.storage.migrate`` and tests, so migrations run inside the caller's
transaction), ``alembic -x url=...``, the ``sqlalchemy.url`` option, then the runcoach settings
(``RUNCOACH_DATABASE_URL``).
Engines are built by ``bot.storage.db`` with foreign keys off, so SQLite batch-mode table rebuilds
cannot cascade-delete child rows, and with ``BEGIN IMMEDIATE``, so a whole upgrade is one
transaction on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import TypeDecorator
from sqlalchemy.engine import Connection

from bot.storage.db import create_engine
from bot.storage.tables import metadata

config = context.config

# Only the alembic command line has an ini file; the bot keeps its own logging set-up.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if url:
        return url
    from bot.settings import load_settings  # only when no URL was given: settings may be absent

    return load_settings().database_url


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write app-only types as their plain column type: a migration must keep working after the
    application module it would otherwise import has changed or moved."""
    if kind == "type" and isinstance(item, TypeDecorator):  # UTCDateTime, NulSafeString, ...
        return f"sa.{item.impl!r}"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        **kwargs,
    )


def _run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = create_engine(_url(), foreign_keys=False)
    try:
        with engine.begin() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
