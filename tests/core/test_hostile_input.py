"""Anything at all sent to the coach: arbitrary text, every command with arbitrary arguments,
pasted pages. Each gets replies and never a traceback in the log; a refusal is one short line
and stores nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.core import coach as coach_module
from bot.core.coach import Coach
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.registry import COMMANDS
from bot.storage import migrate
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from tests.support import Clock, row_counts

LONGEST_REFUSAL = 300  # one sentence with at most 30 quoted characters of what was typed

CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),  # what a str from a chat can hold: no lone surrogates
    st.sampled_from("0123456789:.,-+=eE/kmiw ²³０٣\n"),
)
WORDS = st.text(CHARACTERS, max_size=40)
NAMES = st.one_of(
    st.sampled_from([command.name for command in COMMANDS]), st.text(CHARACTERS, max_size=12)
)
ARGUMENTS = st.lists(
    st.one_of(
        WORDS,
        st.sampled_from(
            ["today", "yesterday", "8w", "10k", "effort=6", "-5km", "1e308km", "06:30",
             "²³:00", "localtime", "start=9999-12-27", "confirm", "off", "weekly=30"]
        ),
    ),
    max_size=6,
).map(" ".join)  # fmt: skip
MESSAGES = st.one_of(
    st.builds(lambda name, args: f"/{name} {args}", NAMES, ARGUMENTS),
    WORDS,
    st.text(CHARACTERS, min_size=1000, max_size=5000),
)


CLOCK = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def ask(engine: Engine, text: str) -> list[OutgoingMessage]:
    clock = Clock(CLOCK)
    with ExecutorStorage(SqlStorage(engine, clock=clock), threads=1) as storage:
        coach = Coach(storage, clock=clock)
        return asyncio.run(coach.handle(IncomingMessage("console", "fuzz", text, "fuzz")))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A runner with a plan, so /today, /week, check-ins and /export get past 'no plan yet'."""
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    ask(engine, "/plan 10k 8weeks start=2026-11-23")
    yield engine
    engine.dispose()


class Refusals:
    """Counts the refusals the coach turns into a reply, by watching it word them."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> Refusals:
    seen = Refusals()
    wording = coach_module.sentence

    def counted(text: str) -> Any:
        seen.count += 1
        return wording(text)

    monkeypatch.setattr(coach_module, "sentence", counted)
    return seen


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MESSAGES)
@example(text="/week 0 \n0")  # found by CI: the refusal echoed the newline
def test_any_message_gets_replies_and_never_a_traceback(
    text: str, engine: Engine, refusals: Refusals, caplog: pytest.LogCaptureFixture
) -> None:
    refusals.count = 0
    before = row_counts(engine)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        replies = ask(engine, text)
    assert replies
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    if refusals.count:
        (refusal,) = replies
        assert "\n" not in refusal.text and len(refusal.text) <= LONGEST_REFUSAL, refusal.text
        assert row_counts(engine) == before, text[:80]
