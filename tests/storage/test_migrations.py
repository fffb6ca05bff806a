"""The migrations build exactly the schema the models describe, and undo it."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.tables import metadata
from tests.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]


def drift(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


@pytest.fixture
def url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database, never migrated: a new file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'new' / 'runcoach.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database("runcoach_migrations")
    yield url
    server.drop_database(url)


def test_one_head() -> None:
    assert len(ScriptDirectory.from_config(migrate.alembic_config()).get_heads()) == 1


def test_upgrade_head_on_an_empty_file_matches_the_models(url: str) -> None:
    migrate.upgrade(url)
    assert drift(url) == []
    assert tables(url) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}


def test_downgrade_base_then_upgrade_head_round_trips(url: str) -> None:
    migrate.upgrade(url)
    head = current_revision(url)
    migrate.downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    assert current_revision(url) is None
    migrate.upgrade(url)
    assert current_revision(url) == head
    assert drift(url) == []


def test_upgrade_is_idempotent_and_keeps_data(url: str) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        user = SqlStorage(engine).user("console", "alice", "alice")
        migrate.upgrade(url)
        assert SqlStorage(engine).find_user("console", "alice") == user
    finally:
        engine.dispose()


def test_upgrade_works_from_any_working_directory(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    migrate.upgrade(url)
    assert drift(url) == []


def test_alembic_command_line_uses_the_same_scripts(url: str) -> None:
    """``alembic.ini`` at the repository root drives the scripts shipped in the package."""
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"url={url}", "upgrade", "head"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert drift(url) == []


def test_migrations_render_for_postgresql() -> None:
    """Offline SQL for PostgreSQL: the scripts use nothing SQLite-only (no driver needed)."""
    out = io.StringIO()
    config = migrate.alembic_config()
    config.output_buffer = out
    config.set_main_option("sqlalchemy.url", "postgresql://runcoach@localhost/runcoach")
    command.upgrade(config, "head", sql=True)
    sql = out.getvalue()
    for table in metadata.sorted_tables:
        assert f"CREATE TABLE {table.name}" in sql
    assert "ON DELETE CASCADE" in sql
    assert "TIMESTAMP WITHOUT TIME ZONE" in sql
