"""The coach and storage share the test's clock, as in tests/core."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.core.coach import Coach
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.support import Clock


@pytest.fixture
def storage(engine: Engine, clock: Clock) -> SqlStorage:
    return SqlStorage(engine, clock=clock)


@pytest.fixture
def coach(coach_storage: ExecutorStorage, clock: Clock) -> Coach:
    return Coach(coach_storage, clock=clock)
