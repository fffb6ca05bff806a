"""Helpers shared by the test packages: a controllable clock and a census of stored rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from bot.storage.tables import metadata


@dataclass
class Clock:
    """A clock the test moves by hand; call it for the current aware UTC time."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table, so a test can show a refused request stored nothing anywhere."""
    with engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table)) or 0
            for table in metadata.sorted_tables
        }
