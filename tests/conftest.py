"""Tests run on real databases migrated the way the bot migrates them: SQLite files, and for
storage, core and scheduling tests also a PostgreSQL server (skipped where there is none)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.storage import migrate
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.tables import metadata
from tests.postgres import PostgresServer, connect_server


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Converting the bundled MiniLM and embedding the knowledge base takes about 40 s: every
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


# The directories whose tests run on both databases; a test there marked ``sqlite_only`` (WAL
# files, pragmas, SQLite's locking) runs on SQLite alone. Everywhere else tests use SQLite.
BOTH_BACKENDS = ("storage", "core", "scheduling")
TESTS_DIR = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): tests something only SQLite has; no PostgreSQL run"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    directory = metafunc.definition.path.relative_to(TESTS_DIR).parts[0]
    if directory in BOTH_BACKENDS and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = connect_server()
    if isinstance(server, str):
        pytest.skip(server)
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_session_url(postgres_server: PostgresServer) -> Iterator[str]:
    """One database for the session, migrated once; each test empties its tables."""
    url = postgres_server.create_database()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def postgres_cleaner(postgres_session_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_session_url)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as conn:
        # A test that left a transaction open fails here, loudly, instead of hanging the run.
        conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: a file of the test's own, or the session's PostgreSQL
    database emptied (with ids starting from 1 again)."""
    if backend == "postgresql":
        cleaner: Engine = request.getfixturevalue("postgres_cleaner")
        empty_tables(cleaner)
        return request.getfixturevalue("postgres_session_url")
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


@pytest.fixture
def coach_storage(storage: SqlStorage) -> Iterator[ExecutorStorage]:
    """``storage`` as the coach sees it, called off the event loop as in the bot."""
    with ExecutorStorage(storage, threads=2) as wrapped:
        yield wrapped
