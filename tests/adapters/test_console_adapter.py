"""Every command once more, typed into the console front end: text printed, files saved."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine

from bot.adapters.console_adapter import ConsoleAdapter
from bot.core.coach import Coach
from bot.core.reminders import reminder_messages
from bot.plans.model import RUN_KINDS
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.support import Clock


def console_session(engine: Engine, files: Path, lines: list[str]) -> str:
    clock = Clock(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))  # Wednesday of the plan's week 1
    typed = iter(lines)

    def read_line() -> str:
        line = next(typed, None)
        if line is None:
            raise EOFError  # what input() raises at the end of piped input
        return line

    screen = io.StringIO()
    with ExecutorStorage(SqlStorage(engine, clock=clock), threads=1) as storage:
        adapter = ConsoleAdapter(
            Coach(storage, clock=clock),
            user="dana",
            files_dir=files,
            console=Console(file=screen, width=200, color_system=None),
            read_line=read_line,
        )
        asyncio.run(adapter.run())
    return screen.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return tmp_path / "files" / "dana"


def test_every_command_works_in_the_console(engine: Engine, files: Path) -> None:
    screen = console_session(
        engine,
        files,
        [
            "/start",
            "/profile weekly=28 days=4 long=sat",
            "/plan 10k 8weeks start=2026-11-30",
            "/today",
            "/week 2",
            "/remind 06:15 Europe/Berlin",
            "/export",
            "/forget",
            "/forget confirm",
            "/today",
        ],
    )
    assert "/plan 10k 8weeks" in screen  # the help
    assert "weekly volume: 28 km" in screen
    assert "10K plan: 8 weeks" in screen
    assert "Today, Wednesday 02 Dec" in screen
    assert "Week 2 of 8" in screen
    assert "06:15 (Europe/Berlin)" in screen
    saved = sorted(path.suffix for path in files.iterdir())
    assert saved == [".ics", ".json", ".png"]
    for path in files.iterdir():
        assert str(path) in screen  # each file's path is printed
    assert "everything I stored about you is deleted" in screen
    assert screen.rstrip().endswith("Bye - run happy!")
    assert "no plan yet" in screen.split("deleted")[-1]


def test_end_of_input_leaves_politely(engine: Engine, files: Path) -> None:
    def eof() -> str:
        raise EOFError

    screen = io.StringIO()
    with ExecutorStorage.on(engine) as storage:
        adapter = ConsoleAdapter(
            Coach(storage),
            user="dana",
            files_dir=files,
            console=Console(file=screen),
            read_line=eof,
        )
        asyncio.run(adapter.run())
    assert "Bye" in screen.getvalue()


def test_markup_in_replies_is_printed_literally(engine: Engine, files: Path) -> None:
    screen = console_session(engine, files, ["/profile goal=[bold]sub_3[/bold]"])
    assert "[bold]sub 3[/bold]" in screen


def test_a_reminder_shows_its_check_in_commands_and_typing_them_adapts_the_plan(
    engine: Engine, files: Path, request: pytest.FixtureRequest
) -> None:
    """The console's 'buttons' are the commands they stand for: three skips give a bridge."""
    clock = Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    storage = SqlStorage(engine, clock=clock)
    coach_storage = ExecutorStorage(storage, threads=1)
    request.addfinalizer(coach_storage.close)
    coach = Coach(coach_storage, clock=clock)
    screen = io.StringIO()
    adapter = ConsoleAdapter(
        coach, user="dana", files_dir=files, console=Console(file=screen, width=300)
    )
    asyncio.run(adapter.ask("/plan half 12w 4days weekly=30"))
    user = storage.find_user("console", "dana")
    week3 = storage.active_plan(user.id).plan["weeks"][2]["days"]
    runs = [datetime.fromisoformat(d["date"]) for d in week3 if d["kind"] in RUN_KINDS]
    for run in runs[:3]:
        clock.now = run.replace(hour=7, tzinfo=UTC)
        day = run.date()
        asyncio.run(adapter.send("dana", reminder_messages(storage.active_plan(user.id), day)))
        hint = screen.getvalue().splitlines()[-1]
        assert (
            hint
            == f"coach> reply /done {day}, /skip {day}, /hard {day}, /niggle {day}, /sick {day}"
        )
        adapter.show(asyncio.run(adapter.ask(f"/skip {day}")))
    assert [c.status for c in storage.checkins(user.id, runs[0].date())] == ["skipped"] * 3
    shown = screen.getvalue()
    assert "bridge week" in shown and "adapted your plan (version 2)" in shown
