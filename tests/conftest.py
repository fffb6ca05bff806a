"""Tests run on real SQLite files, migrated the way the bot migrates them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'data' / 'runcoach.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def storage(engine: Engine) -> SqlStorage:
    return SqlStorage(engine, turns_kept=5)
