"""Tests run on real SQLite files, migrated the way the bot migrates them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Converting the bundled MiniLM and embedding the knowledge base takes about 30 s: every
    bot a test starts (in process or as a subprocess) shares one cache in pytest's cache
    directory, so only a machine's first run pays for it."""
    cache = getattr(request.config, "cache", None)
    path = (
        Path(cache.mkdir("runcoach-embeddings"))
        if cache is not None
        else tmp_path_factory.mktemp("embedding-cache")
    )
    before = os.environ.get("RUNCOACH_CACHE_DIR")
    os.environ["RUNCOACH_CACHE_DIR"] = str(path)
    yield path
    if before is None:
        del os.environ["RUNCOACH_CACHE_DIR"]
    else:
        os.environ["RUNCOACH_CACHE_DIR"] = before


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
