"""Fixtures shared by the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import PostgresServer


@pytest.fixture
def url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database, never migrated: a new file, or a new PostgreSQL database named for
    the test module."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'new' / 'runcoach.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    created = server.create_database(f"runcoach_{request.module.__name__.rsplit('.', 1)[-1]}")
    yield created
    server.drop_database(created)
