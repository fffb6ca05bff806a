"""The coach under test: the real core on a real, migrated SQLite file, with a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.core.coach import Coach
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.support import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # a Tuesday


@pytest.fixture
def storage(engine: Engine, clock: Clock) -> SqlStorage:
    return SqlStorage(engine, turns_kept=5, clock=clock)


@pytest.fixture
def coach(coach_storage: ExecutorStorage, clock: Clock) -> Coach:
    return Coach(coach_storage, clock=clock)
