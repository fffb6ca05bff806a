"""Discord's slash commands, and how their options become the core's command text.

Discord hands us typed options (`/plan distance:10k weeks:8 days:4`); the core understands one
line of text (`/plan 10k 8weeks 4days`). Turning the first into the second, rather than
validating here, keeps the core's validator the only one: Discord clients can be bypassed and
discord.py does not check option ranges on arrival, so no range is declared here at all and
every value, however it was typed, gets the same one-line refusal as on Telegram or the console.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.core.checkins import COMMAND_STATUS
from bot.core.commands import COMMANDS
from bot.plans.model import RACE_DISTANCE_KM

Relay = Callable[[discord.Interaction, str], Awaitable[None]]
"""Sends a command line through the core as the interaction's user and delivers the replies."""

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete suggestions
_SUMMARIES = {command.name: command.summary for command in COMMANDS}
_ZONES = sorted(available_timezones())
_RACE_NAMES = {"5k": "5 km", "10k": "10 km", "half": "half marathon", "marathon": "marathon"}

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _word(value: str, joiner: str = "") -> str:
    """One whitespace-free token, so a value can never spill into the next option."""
    return joiner.join(value.split())


def _race_result(value: str) -> str:
    """'10k in 45:00', '10k 45:00' or '10k = 45:00' as the core's 'race=10k=45:00' token."""
    joined = re.sub(r"\s+in\s+|\s*[=@]\s*|\s+", "=", value.strip(), count=1)
    return _word(joined)


def plan_text(
    distance: str,
    weeks: int,
    days: int | None = None,
    weekly_km: float | None = None,
    recent_race: str | None = None,
    long_run_day: str | None = None,
    start: str | None = None,
    longest_run: float | None = None,
    units: str | None = None,
) -> str:
    words = [f"/plan {_word(distance, '-')} {weeks}weeks"]
    if days is not None:
        words.append(f"{days}days")
    options = {
        "weekly": None if weekly_km is None else f"{weekly_km:g}",
        "race": None if recent_race is None else _race_result(recent_race),
        "long": long_run_day,
        "start": None if start is None else _word(start),
        "longest": None if longest_run is None else f"{longest_run:g}",
        "units": units,
    }
    words += [f"{key}={value}" for key, value in options.items() if value is not None]
    return " ".join(words)


def remind_text(time: str, timezone: str | None = None) -> str:
    return " ".join(["/remind", _word(time), *([_word(timezone)] if timezone else [])])


def with_argument(command: str, argument: str | int | None) -> str:
    return f"/{command}" if argument is None else f"/{command} {argument}"


def question_text(question: str) -> str:
    """A question stays a question even if it starts with '/'."""
    return question.strip().lstrip("/").strip() or question


async def _distances(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    typed = current.strip().lower()
    return [
        app_commands.Choice(name=f"{_RACE_NAMES[race]} ({km:g} km)", value=race)
        for race, km in RACE_DISTANCE_KM.items()
        if typed in race or typed in _RACE_NAMES[race]
    ]


async def _timezones(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    typed = current.strip().lower().replace(" ", "_")
    found = [zone for zone in _ZONES if typed in zone.lower()][:MAX_CHOICES]
    return [app_commands.Choice(name=zone, value=zone) for zone in found]


def register_commands(tree: app_commands.CommandTree, relay: Relay) -> None:
    """Every command in the core's table, plus /ask: free text has no other way in on a server."""

    @tree.command(name="plan", description=_SUMMARIES["plan"])
    @app_commands.describe(
        distance="Race: 5k, 10k, half or marathon",
        weeks="Weeks until race day (1 to 52)",
        days="Runs per week (2 to 7)",
        weekly_km="What you run now, km per week",
        recent_race="A recent result for exact paces, e.g. 10k=45:00",
        long_run_day="Day of the long run",
        start="First day, a Monday, YYYY-MM-DD (default: next Monday)",
        longest_run="Your longest run in the last 30 days, km",
        units="Units for the plan's text, calendar and chart",
    )
    @app_commands.autocomplete(distance=_distances)
    async def plan(
        interaction: discord.Interaction,
        distance: str,
        weeks: int,
        days: int | None = None,
        weekly_km: float | None = None,
        recent_race: str | None = None,
        long_run_day: Weekday | None = None,
        start: str | None = None,
        longest_run: float | None = None,
        units: Literal["km", "mi"] | None = None,
    ) -> None:
        text = plan_text(
            distance, weeks, days, weekly_km, recent_race, long_run_day, start, longest_run, units
        )
        await relay(interaction, text)

    @tree.command(name="ask", description="ask the coach a running question")
    @app_commands.describe(question="Your question, in plain words")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await relay(interaction, question_text(question))

    @tree.command(name="week", description=_SUMMARIES["week"])
    @app_commands.describe(number="Week number of your plan (default: this week)")
    async def week(interaction: discord.Interaction, number: int | None = None) -> None:
        await relay(interaction, with_argument("week", number))

    @tree.command(name="profile", description=_SUMMARIES["profile"])
    @app_commands.describe(text="e.g. 'I run 30 km a week, 4 days' or weekly=30 days=4 long=sun")
    async def profile(interaction: discord.Interaction, text: str | None = None) -> None:
        await relay(interaction, with_argument("profile", text))

    @tree.command(name="remind", description=_SUMMARIES["remind"])
    @app_commands.describe(
        time="Local time as HH:MM, e.g. 06:30, or 'off'",
        timezone="Your time zone, e.g. Europe/Paris",
    )
    @app_commands.autocomplete(timezone=_timezones)
    async def remind(
        interaction: discord.Interaction, time: str, timezone: str | None = None
    ) -> None:
        await relay(interaction, remind_text(time, timezone))

    for name in ("today", "why", "progress", "export", "forget", "help", "start"):
        tree.add_command(_bare_command(name, relay))
    for name in COMMAND_STATUS:
        tree.add_command(_checkin_command(name, relay))


def _checkin_command(name: str, relay: Relay) -> app_commands.Command:
    @app_commands.describe(details="Optional: a day, km and effort, e.g. 2026-12-03 8.5km effort=6")
    async def callback(interaction: discord.Interaction, details: str | None = None) -> None:
        await relay(interaction, with_argument(name, details))

    return app_commands.Command(name=name, description=_SUMMARIES[name], callback=callback)


def _bare_command(name: str, relay: Relay) -> app_commands.Command:
    async def callback(interaction: discord.Interaction) -> None:
        await relay(interaction, f"/{name}")

    return app_commands.Command(name=name, description=_SUMMARIES[name], callback=callback)
