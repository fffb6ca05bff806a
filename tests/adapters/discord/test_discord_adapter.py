"""Runners using the coach on Discord: slash commands in a server and DMs, end to end."""

from __future__ import annotations

import discord
import pytest
import simcord
from simcord import Env

from bot.adapters.discord_adapter import MESSAGE_LIMIT, TOO_SLOW
from bot.core.coach import Coach
from bot.core.messages import IncomingMessage
from bot.core.registry import COMMANDS
from bot.storage.repositories import SqlStorage
from tests.adapters.discord.conftest import FakeAnswers, said

# The developer portal's privileged intents all left off: the bot must work without them.
pytestmark = pytest.mark.simcord(approved_intents=discord.Intents.default())


@pytest.fixture
def channel(simcord_env: Env) -> simcord.ChannelHandle:
    return simcord_env.create_guild().create_text_channel("running")


@pytest.fixture
def alice(simcord_env: Env, channel: simcord.ChannelHandle) -> simcord.MemberActor:
    return simcord_env.guild.add_member(simcord_env.create_user("alice"))


@pytest.fixture
def bob(simcord_env: Env, channel: simcord.ChannelHandle) -> simcord.MemberActor:
    return simcord_env.guild.add_member(simcord_env.create_user("bob"))


def texts(result: simcord.InteractionResult) -> list[str]:
    return [message.content for message in said(result)]


async def test_every_core_command_is_a_slash_command_once_the_bot_starts(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle
) -> None:
    available = set(alice.available_commands(channel))
    assert {command.name for command in COMMANDS} | {"ask"} <= available


async def test_help_and_start_answer_in_public_with_every_command(
    simcord_env: Env, alice: simcord.MemberActor, channel: simcord.ChannelHandle
) -> None:
    for name in ("help", "start"):
        result = await alice.slash(channel, name)
        reply = "\n".join(texts(result))
        assert not any(message.ephemeral for message in said(result))
        for command in ("/plan", "/today", "/week", "/profile", "/remind", "/export", "/forget"):
            assert command in reply
    in_dm = await simcord_env.create_user("carol").slash("start")
    assert "/plan" in "\n".join(texts(in_dm))


async def test_plan_sends_the_overview_then_calendar_and_chart_files(
    simcord_env: Env,
) -> None:
    runner = simcord_env.create_user("dana")
    result = await runner.slash("plan", distance="10k", weeks=8)
    messages = said(result)
    assert "10K plan: 8 weeks" in messages[0].content
    files = {a.filename.rsplit(".", 1)[-1]: a for m in messages for a in m.attachments}
    assert set(files) == {"ics", "png"}
    assert (await files["ics"].read()).startswith(b"BEGIN:VCALENDAR")
    assert (await files["png"].read()).startswith(b"\x89PNG")
    assert all(len(message.content) <= MESSAGE_LIMIT for message in messages)


async def test_every_plan_option_reaches_the_core(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle, storage: SqlStorage
) -> None:
    await alice.slash(
        channel,
        "plan",
        distance="half marathon",
        weeks=12,
        days=5,
        weekly_km=35.0,
        recent_race="10k in 48:30",
        long_run_day="sat",
        longest_run=14.0,
        units="mi",
    )
    user = storage.find_user("discord", str(alice.id))
    assert user is not None
    record = storage.active_plan(user.id)
    assert record is not None
    assert record.request["race"] == "half" and record.request["weeks"] == 12
    assert record.request["days_per_week"] == 5 and record.request["weekly_km"] == 35
    assert record.request["long_run_day"] == "sat" and record.request["units"] == "mi"
    assert record.request["recent_race"] == {"distance_km": 10.0, "time_s": 2910.0}
    assert record.request["longest_run_km"] == 14


async def test_distance_and_time_zone_autocomplete(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle
) -> None:
    choices = await alice.autocomplete(channel, "plan", "distance", "hal")
    assert [choice["value"] for choice in choices] == ["half"]
    zones = await alice.autocomplete(channel, "remind", "timezone", "paris", time="06:30")
    assert "Europe/Paris" in [choice["value"] for choice in zones]


@pytest.mark.parametrize(
    ("options", "console_text"),
    [
        ({"weeks": 0}, "/plan 10k 0weeks"),
        ({"weeks": 8, "days": 9}, "/plan 10k 8weeks 9days"),
        ({"weeks": 8, "weekly_km": -5.0}, "/plan 10k 8weeks weekly=-5"),
    ],
)
async def test_an_invalid_option_gets_the_cores_one_line_refusal(
    alice: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    coach: Coach,
    options: dict[str, object],
    console_text: str,
) -> None:
    result = await alice.slash(channel, "plan", distance="10k", **options)
    on_console = await coach.handle(IncomingMessage("console", "x", console_text))
    assert texts(result) == [on_console[0].text]
    assert "\n" not in on_console[0].text


async def test_a_dm_in_plain_words_is_answered_in_the_dm(simcord_env: Env) -> None:
    runner = simcord_env.create_user("erin")
    await runner.send_dm("how do I pace a half marathon?")
    reply = runner.dm_channel.last_message
    assert reply is not None and reply.author.bot
    assert reply.content == "Coach to erin: about 'how do I pace a half marathon?'"


async def test_a_6000_character_answer_arrives_as_messages_of_at_most_2000(
    simcord_env: Env,
    answers: FakeAnswers,
    alice: simcord.MemberActor,
    channel: simcord.ChannelHandle,
) -> None:
    answers.fixed = "\n".join(f"{n:04d} " + "stride " * 13 + "run" for n in range(60)) + "!"
    assert len(answers.fixed) == 6000
    result = await alice.slash(channel, "ask", question="tell me everything")
    parts = texts(result)
    assert len(parts) == 3 and all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts) == answers.fixed

    runner = simcord_env.create_user("fay")
    await runner.send_dm("tell me everything")
    dm = [m.content for m in runner.dm_channel.history() if m.author.bot]
    assert "\n".join(dm) == answers.fixed and all(len(m) <= MESSAGE_LIMIT for m in dm)


async def test_the_interaction_is_deferred_before_a_slow_answer(
    simcord_env: Env,
    answers: FakeAnswers,
    alice: simcord.MemberActor,
    channel: simcord.ChannelHandle,
) -> None:
    answers.delays["what is a tempo run?"] = 10  # far past Discord's 3 seconds
    result = await alice.slash(channel, "ask", question="what is a tempo run?")
    assert result.acknowledged and result.deferred  # at virtual second 0, answer pending
    assert texts(result) == [""]
    await simcord_env.advance_time(10)
    assert texts(result) == ["Coach to alice: about 'what is a tempo run?'"]


async def test_an_answer_slower_than_the_token_becomes_an_apology_in_time(
    simcord_env: Env,
    answers: FakeAnswers,
    alice: simcord.MemberActor,
    channel: simcord.ChannelHandle,
) -> None:
    answers.delays["plan my year"] = 20 * 60
    result = await alice.slash(channel, "ask", question="plan my year")
    await simcord_env.advance_time(15 * 60)
    assert texts(result) == [TOO_SLOW]


async def test_personal_replies_are_ephemeral_in_a_server_and_normal_in_dms(
    simcord_env: Env, alice: simcord.MemberActor, channel: simcord.ChannelHandle
) -> None:
    slashes: list[tuple[str, dict[str, str | int]]] = [
        ("plan", {"distance": "5k", "weeks": 6}),
        ("today", {}),
        ("week", {"number": 2}),
        ("profile", {"text": "I run 25 km a week, 3 days"}),
        ("remind", {"time": "06:30", "timezone": "Europe/Paris"}),
        ("export", {}),
        ("ask", {"question": "am I ready?"}),
    ]
    for name, options in slashes:
        result = await alice.slash(channel, name, **options)
        assert result.ephemeral, name
        assert said(result) and all(message.ephemeral for message in said(result)), name
    runner = simcord_env.create_user("gus")
    in_dm = await runner.slash("plan", distance="5k", weeks=6)
    assert said(in_dm) and not any(message.ephemeral for message in said(in_dm))


async def test_forget_asks_with_a_button_that_deletes_everything(
    alice: simcord.MemberActor, channel: simcord.ChannelHandle, storage: SqlStorage
) -> None:
    await alice.slash(channel, "plan", distance="10k", weeks=8)
    warning = said(await alice.slash(channel, "forget"))[-1]
    assert "deletes your profile" in warning.content and warning.ephemeral
    clicked = await alice.click(warning, label="Delete my data")
    assert texts(clicked)[-1].startswith("Done: everything I stored about you is deleted")
    assert storage.find_user("discord", str(alice.id)) is None


async def test_two_runners_at_once_each_get_their_own_answer(
    simcord_env: Env,
    answers: FakeAnswers,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    storage: SqlStorage,
) -> None:
    await alice.slash(channel, "profile", text="weekly=30")  # so the coach knows her name
    answers.delays["alice: slow question"] = 30
    await alice.send_dm("alice: slow question")
    bobs = await bob.slash(channel, "ask", question="bob: quick question")
    assert texts(bobs) == ["Coach to bob: about 'bob: quick question'"]
    assert not [m for m in alice.user.dm_channel.history() if m.author.bot]  # still thinking
    await simcord_env.advance_time(30)
    (answer,) = [m.content for m in alice.user.dm_channel.history() if m.author.bot]
    assert answer == "Coach to alice: about 'alice: slow question'"
    assert texts(bobs) == ["Coach to bob: about 'bob: quick question'"]


async def test_nothing_the_bot_sends_can_ping_anyone(
    simcord_env: Env,
    answers: FakeAnswers,
    alice: simcord.MemberActor,
    channel: simcord.ChannelHandle,
) -> None:
    answers.fixed = f"@everyone look, <@{alice.id}> asked"
    await alice.slash(channel, "ask", question="ping?")
    await alice.send_dm("ping?")
    sent = [
        r.json
        for r in simcord_env.http_requests
        if isinstance(r.json, dict) and "content" in r.json
    ]
    assert len(sent) == 2
    assert all(json.get("allowed_mentions") == {"parse": []} for json in sent)
