"""Discord's slash commands are the core's command table: the synced payload, option by option,
and option values reaching the core's own checks."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord
from simcord import Env

from bot.adapters.discord_commands import question_text
from bot.core.commands import Argument
from bot.core.registry import COMMANDS
from bot.plans.model import WEEKDAYS
from bot.storage.repositories import SqlStorage
from tests.adapters.discord.conftest import said

pytestmark = pytest.mark.simcord(approved_intents=discord.Intents.default())

STRING, INTEGER, NUMBER = 3, 4, 10  # Discord's application command option types
OPTION_TYPES = {
    "text": STRING,
    "integer": INTEGER,
    "number": NUMBER,
    "choice": STRING,
    "weekday": STRING,
    "date": STRING,
    "time": STRING,
    "timezone": STRING,
}


def synced(env: Env) -> dict[str, dict[str, Any]]:
    """The commands the bot published at log-in (its last bulk overwrite), by name."""
    puts = [r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert puts and puts[-1].json is not None, "the bot never synced its commands"
    return {command["name"]: command for command in puts[-1].json}


def expected_option(argument: Argument) -> dict[str, Any]:
    choices = WEEKDAYS if argument.kind == "weekday" else argument.choices
    option: dict[str, Any] = {
        "type": OPTION_TYPES[argument.kind],
        "name": argument.name,
        "description": argument.description,
        "required": argument.required,
    }
    if choices:
        option["choices"] = [{"name": value, "value": value} for value in choices]
    if argument.suggest:
        option["autocomplete"] = True
    return option


async def test_the_synced_commands_are_the_core_table_plus_ask(simcord_env: Env) -> None:
    commands = synced(simcord_env)
    assert set(commands) == {command.name for command in COMMANDS} | {"ask"}
    for command in COMMANDS:
        published = commands[command.name]
        assert published["description"] == command.summary
        options = [expected_option(argument) for argument in command.arguments]
        assert published.get("options", []) == options, command.name
    assert [option["name"] for option in commands["ask"]["options"]] == ["question"]


@pytest.fixture
def channel(simcord_env: Env) -> simcord.ChannelHandle:
    return simcord_env.create_guild().create_text_channel("running")


@pytest.fixture
def alice(simcord_env: Env, channel: simcord.ChannelHandle) -> simcord.MemberActor:
    return simcord_env.guild.add_member(simcord_env.create_user("alice"))


def texts(result: simcord.InteractionResult) -> list[str]:
    return [message.content for message in said(result)]


async def test_a_value_with_spaces_stays_in_its_own_option(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle, storage: SqlStorage
) -> None:
    result = await alice.slash(
        channel, "plan", distance="10k", weeks=8, recent_race="5k = 22:00 weekly=200"
    )
    [refusal] = texts(result)
    assert "22:00 weekly=200" in refusal and "\n" not in refusal
    assert storage.find_user("discord", str(alice.id)) is None  # nothing stored


@pytest.mark.parametrize(
    ("options", "reply"),
    [
        ({"number": 0}, "Week 0 does not exist"),
        ({"number": -1}, "'-1' is not a week number: try /week 3."),
    ],
)
async def test_week_numbers_get_the_cores_refusal(
    alice: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    options: dict[str, object],
    reply: str,
) -> None:
    await alice.slash(channel, "plan", distance="10k", weeks=8)
    result = await alice.slash(channel, "week", **options)
    assert texts(result)[0].startswith(reply)


async def test_reminder_off_and_time_options(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle, storage: SqlStorage
) -> None:
    set_to = await alice.slash(channel, "remind", time="06:30", timezone="Europe/Paris")
    assert "06:30 (Europe/Paris)" in texts(set_to)[0]
    off = await alice.slash(channel, "remind", time=" off ")
    assert texts(off)[0].startswith("Daily reminders are off")
    user = storage.find_user("discord", str(alice.id))
    assert user is not None and not user.reminders_on
    bad = await alice.slash(channel, "remind", time="25:00")
    assert texts(bad) == ["'25:00' is not a time of day: use 00:00 to 23:59."]


async def test_a_check_in_with_details_reaches_the_core(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle
) -> None:
    await alice.slash(channel, "plan", distance="10k", weeks=8)  # starts Monday 30 Nov
    result = await alice.slash(channel, "done", details="2026-11-23 8km")
    assert texts(result) == ["Mon 23 Nov is outside your plan: /plan shows it."]


def test_a_question_is_never_taken_for_a_command() -> None:
    assert question_text("/forget confirm") == "forget confirm"
    assert question_text("how fast is easy?") == "how fast is easy?"
