"""Schema migrations from code, for ``runcoach db upgrade`` and the upgrade at start-up.

The migration scripts live in the top-level ``migrations/`` directory, which the wheel installs
as a top-level ``migrations`` directory beside ``bot/`` in site-packages. Either way they sit at
the same place relative to this file, so they are found with no import and no ``alembic.ini``, and
run the same from a source checkout, an installed wheel or the Docker image, from any working
directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.storage.db import create_engine

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


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``, in one transaction."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``"base"``: drop everything)."""
    _run(url, lambda config: command.downgrade(config, revision))


def _run(url: str, step: Callable[[Config], None]) -> None:
    engine = create_engine(url, foreign_keys=False)
    try:
        with engine.begin() as connection:
            step(alembic_config(connection))
    finally:
        engine.dispose()
