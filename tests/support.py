"""Helpers shared by the test packages: a controllable clock, a census of stored rows, and
plans as /plan stores them."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Engine, func, select

from bot.core.features.shared import request_dict
from bot.plans.generator import generate_plan
from bot.plans.model import Plan, StoredRequest
from bot.plans.request import parse_plan_text
from bot.storage.tables import metadata

PLANNED_ON = date(2026, 3, 1)


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


@cache
def _generated(words: str) -> Plan:
    return generate_plan(parse_plan_text(words, PLANNED_ON).request)


def stored_plan(
    words: str = "10k 8weeks", *, text: str | None = None
) -> tuple[StoredRequest, Plan]:
    """The request and plan /plan stores for ``words``; ``text`` (what the runner typed,
    ``words`` by default) tells stored rows apart. Tests must not change the plan: it is shared."""
    parsed = parse_plan_text(words, PLANNED_ON)
    return request_dict(parsed.request, parsed.units, text or words), _generated(words)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
