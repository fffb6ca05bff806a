"""The one command table: every platform can publish it, /help lists it, and the coach routes
typed text, a form's options and plain words to the same handlers."""

from __future__ import annotations

import re

from bot.core.coach import Coach
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.registry import COMMANDS, find
from bot.storage.repositories import SqlStorage

DISCORD_TEXT_LIMIT = 100  # a slash command's or option's description


def test_every_command_can_be_published_on_telegram_and_discord() -> None:
    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        assert re.fullmatch(r"[a-z_]{1,32}", command.name)
        assert 0 < len(command.summary) <= DISCORD_TEXT_LIMIT
        assert command.usage.startswith(f"/{command.name}")
        required = [argument.required for argument in command.arguments]
        assert required == sorted(required, reverse=True), "required arguments come first"
        for argument in command.arguments:
            assert re.fullmatch(r"[a-z_]{1,32}", argument.name)
            assert 0 < len(argument.description) <= DISCORD_TEXT_LIMIT
            assert bool(argument.choices) == (argument.kind == "choice")
        assert find(command.name) is command


async def send(coach: Coach, text: str) -> list[OutgoingMessage]:
    return await coach.handle(IncomingMessage("console", "alice", text, display_name="alice"))


def said(replies: list[OutgoingMessage]) -> str:
    return "\n".join(message.text for message in replies)


async def test_help_lists_every_command_with_its_usage(coach: Coach) -> None:
    shown = said(await send(coach, "/help"))
    for command in COMMANDS:
        if command.in_help:
            assert f"{command.usage} - {command.summary}" in shown
    assert "/plan diff" in shown


async def test_plain_words_run_the_same_handler_as_the_command(
    coach: Coach, storage: SqlStorage
) -> None:
    typed = await send(coach, "/plan 10k 8weeks")
    worded = await send(coach, "can you make me a 10k plan for 8 weeks")
    assert said(worded) == said(typed)
    user = storage.find_user("console", "alice")
    assert user is not None
    plan = storage.active_plan(user.id)
    assert plan is not None and plan.request["race"] == "10k" and plan.request["weeks"] == 8


async def test_a_plan_asked_without_weeks_gets_asked_for_them(coach: Coach) -> None:
    reply = said(await send(coach, "build me a half marathon plan"))
    assert reply == "How many weeks until your half? e.g. /plan half 8weeks."
    assert reply == said(await send(coach, "/plan half"))


async def test_a_forms_options_get_the_same_replies_as_typed_text(coach: Coach) -> None:
    message = IncomingMessage("discord", "bob", "/plan", display_name="bob")
    options = {"distance": "half marathon", "weeks": 12, "days": 9}
    refused = await coach.handle_command(message, "plan", options)
    typed = await coach.handle(IncomingMessage("discord", "bob", "/plan half 12w 9days"))
    assert said(refused) == said(typed) and "2 to 7" in said(refused)
    built = await coach.handle_command(message, "plan", {"distance": "10k", "weeks": 8})
    assert said(built).startswith("10K plan: 8 weeks")
    week = await coach.handle_command(message, "week", {"number": 2})
    assert said(week).startswith("Week 2 of 8")


async def test_a_forms_text_is_cleaned_and_its_length_checked(
    coach: Coach, storage: SqlStorage
) -> None:
    message = IncomingMessage("discord", "bob", "/profile", display_name="bob")
    await coach.handle_command(message, "profile", {"text": "goal=sub_2h\x1b[31m\u200b"})
    user = storage.find_user("discord", "bob")
    assert user is not None and storage.profile(user.id).goal == "sub 2h[31m"
    long = await coach.handle_command(message, "profile", {"text": "x" * 5000})
    assert said(long) == "That message is 5,000 characters long: please keep it under 4,000."
    unknown = await coach.handle_command(message, "dance", {})
    assert said(unknown) == "Unknown command /dance: try /help."
