"""The real discord.py client against simcord's simulated Discord, on the real core and SQLite.

simcord replaces only discord.py's two seams (the HTTP client and the gateway feed); everything
between them, our client, its command tree and views, runs unmodified. Its clock is virtual:
``env.advance_time`` moves Discord's interaction deadlines and our ``asyncio.sleep`` together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import discord
import pytest
from simcord import InteractionResult, ResponseMessage

from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.coach import Coach
from bot.core.ports import Asker
from bot.storage.async_storage import ExecutorStorage
from tests.support import Clock

SIMCORD_TOKEN = "simcord.fake.token"  # the token simcord logs our client in with


@dataclass
class FakeAnswers:
    """The answer pipeline's stand-in: echoes who asked what, after an optional delay."""

    delays: dict[str, float] = field(default_factory=dict)
    fixed: str | None = None

    async def __call__(self, asker: Asker, text: str) -> str:
        user = await asker.user()
        await asyncio.sleep(self.delays.get(text, 0))
        if self.fixed is not None:
            return self.fixed
        return f"Coach to {user.display_name}: about '{text}'"


@pytest.fixture
def answers() -> FakeAnswers:
    return FakeAnswers()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # a Tuesday


@pytest.fixture
def coach(coach_storage: ExecutorStorage, answers: FakeAnswers, clock: Clock) -> Coach:
    return Coach(coach_storage, answer=answers, clock=clock)


@pytest.fixture
def adapter(coach: Coach) -> DiscordAdapter:
    return DiscordAdapter(coach)


@pytest.fixture
def simcord_bot(adapter: DiscordAdapter) -> discord.Client:
    return adapter.client


@pytest.fixture(autouse=True)
def no_token_in_logs(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Every Discord test logs at DEBUG, and nothing logged may contain the bot's token."""
    caplog.set_level(logging.DEBUG)
    yield
    formatter = logging.Formatter("%(name)s %(message)s")
    records = caplog.get_records("setup") + caplog.get_records("call")
    if "simcord_env" in request.fixturenames:  # discord.py's own log-in lines were captured
        assert any(record.name.startswith("discord.") for record in records)
    logged = "\n".join(formatter.format(record) for record in records)
    assert SIMCORD_TOKEN not in logged


def said(result: InteractionResult) -> list[ResponseMessage]:
    """Everything the bot answered an interaction with, in order."""
    first = [result.response] if result.response is not None else []
    return first + result.followups
