"""The migrations build exactly the schema the models describe, and undo it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
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


def test_migrations_live_at_the_top_level() -> None:
    assert migrate.MIGRATIONS_DIR == REPO_ROOT / "migrations"


# What a wheel is built from (pyproject.toml's packages); copied, so the build leaves no build/
# or stale build/lib behind in the working tree.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "bot", "training", "migrations")


def build_wheel(destination: Path) -> Path:
    source = destination / "src"
    source.mkdir()
    for name in WHEEL_SOURCES:
        path = REPO_ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "runs")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "-q",
            "-w",
            str(destination),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and "setuptools" in result.stderr and "satisf" in result.stderr:
        pytest.skip("pip could not fetch setuptools to build the wheel (no package index)")
    assert result.returncode == 0, result.stderr
    (wheel,) = destination.glob("runcoach-*.whl")
    return wheel


def test_the_wheel_ships_the_migrations_and_upgrades_from_anywhere(tmp_path: Path) -> None:
    """An installed (non-editable) runcoach, as in the Docker image, finds its migration scripts
    from any working directory: the wheel unpacked as site-packages would hold it, first on the
    path, upgrades a new database with nothing from the checkout."""
    wheel = build_wheel(tmp_path)
    site = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    shipped = {p.relative_to(site).as_posix() for p in (site / "migrations").rglob("*.*")}
    in_checkout = {
        p.relative_to(REPO_ROOT).as_posix()
        for p in migrate.MIGRATIONS_DIR.rglob("*.*")
        if "__pycache__" not in p.parts
    }
    assert shipped == in_checkout
    assert "migrations/script.py.mako" in shipped

    url = f"sqlite:///{tmp_path / 'installed' / 'runcoach.db'}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import sys; from bot.storage import migrate; "
        "print(migrate.MIGRATIONS_DIR); migrate.upgrade(sys.argv[1])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, url],
        cwd=elsewhere,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(site / "migrations")
    assert drift(url) == []


def test_alembic_command_line_uses_the_same_scripts(url: str) -> None:
    """``alembic.ini`` at the repository root drives the same top-level scripts."""
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
