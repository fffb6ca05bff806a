"""A reply Discord fails to take is sent again, and one lost for good is logged, never dropped
silently. 503 is the failure here: discord.py retries 500, 502 and 504 itself, not 503."""

from __future__ import annotations

import logging

import pytest
import simcord
from simcord import Env

from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.coach import Coach
from tests.adapters.discord.conftest import said

DELAYS = (0.01, 0.02, 0.04)  # three retries


@pytest.fixture
def adapter(coach: Coach) -> DiscordAdapter:
    return DiscordAdapter(coach, send_retry_delays_s=DELAYS)


def bot_lines(user: simcord.UserHandle) -> list[str]:
    return [m.content for m in user.dm_channel.history() if m.author.bot]


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.ERROR and r.name == "bot.adapters.discord_adapter"
    ]


async def test_a_dm_reply_refused_twice_arrives_once_on_the_third_try(simcord_env: Env) -> None:
    runner = simcord_env.create_user("kim")
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=2)
    await runner.send_dm("how do I pace a half?")
    await simcord_env.advance_time(1)
    assert bot_lines(runner) == ["Coach to kim: about 'how do I pace a half?'"]


async def test_a_slash_command_answer_survives_a_failing_follow_up(simcord_env: Env) -> None:
    runner = simcord_env.create_user("lee")
    simcord_env.inject_error("POST", "/webhooks/*", status=503, times=2)
    result = await runner.slash("ask", question="what is a strides session?")
    await simcord_env.advance_time(1)
    assert [m.content for m in said(result)][-1] == (
        "Coach to lee: about 'what is a strides session?'"
    )


async def test_a_reply_lost_for_good_is_an_error_naming_the_user_not_the_text(
    simcord_env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    runner = simcord_env.create_user("max")
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=None)
    await runner.send_dm("my secret marathon goal")
    await simcord_env.advance_time(1)
    assert bot_lines(runner) == []
    [logged] = errors(caplog)
    assert str(runner.id) in logged and "secret" not in logged
