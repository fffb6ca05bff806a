"""Reminders: the adapter as the core's Sender, DMing a runner who may not want DMs."""

from __future__ import annotations

import pytest
from simcord import Env

from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.coach import Coach
from bot.core.errors import RecipientUnreachable, TransientDeliveryError
from bot.core.messages import OutgoingFile, OutgoingMessage


@pytest.fixture
def adapter(coach: Coach) -> DiscordAdapter:
    """Two quick retries of a message that may go through next time."""
    return DiscordAdapter(coach, send_retry_delays_s=(0.01, 0.02))


REMINDER = [
    OutgoingMessage(text="Today, Tuesday 24 Nov: easy 6 km"),
    OutgoingMessage(
        text="Your plan", file=OutgoingFile("plan.ics", b"BEGIN:VCALENDAR", "text/calendar")
    ),
]


async def test_a_reminder_arrives_in_the_runners_dm(
    simcord_env: Env, adapter: DiscordAdapter
) -> None:
    runner = simcord_env.create_user("hana")
    await adapter.send(str(runner.id), REMINDER)
    first, second = runner.dm_channel.history()
    assert first.content == "Today, Tuesday 24 Nov: easy 6 km"
    assert second.content == "Your plan" and second.attachments[0].filename == "plan.ics"


async def test_a_runner_with_dms_closed_is_unreachable(
    simcord_env: Env, adapter: DiscordAdapter
) -> None:
    runner = simcord_env.create_user("ivan")
    simcord_env.inject_error(
        "POST",
        "/channels/*/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )
    with pytest.raises(RecipientUnreachable):
        await adapter.send(str(runner.id), REMINDER)


async def test_a_bot_account_or_unknown_id_is_unreachable(
    simcord_env: Env, adapter: DiscordAdapter
) -> None:
    other_bot = simcord_env.create_user("otherbot", bot=True)
    with pytest.raises(RecipientUnreachable):
        await adapter.send(str(other_bot.id), REMINDER)
    with pytest.raises(RecipientUnreachable):
        await adapter.send("123456789012345678", REMINDER)
    with pytest.raises(RecipientUnreachable):
        await adapter.send("telegram:42", REMINDER)


async def test_discord_failing_briefly_is_retried_and_failing_on_is_worth_a_later_retry(
    simcord_env: Env, adapter: DiscordAdapter
) -> None:
    runner = simcord_env.create_user("jo")
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=2)
    await adapter.send(str(runner.id), REMINDER)
    assert len(runner.dm_channel.history()) == 2  # each message once
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=3)
    with pytest.raises(TransientDeliveryError):
        await adapter.send(str(runner.id), REMINDER)
    await adapter.send(str(runner.id), REMINDER)
    assert len(runner.dm_channel.history()) == 4
