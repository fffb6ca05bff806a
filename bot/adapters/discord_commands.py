"""Discord's slash commands, generated from the core's command table.

Each command in ``bot.core.registry`` becomes a slash command whose options are its declared
arguments: the argument's kind picks the option type (text, integer, number, a fixed list of
choices), ``suggest`` adds autocomplete, and required arguments come first. discord.py reads a
command's options from its callback's signature, so the callback is one generic function with
a signature built from the declaration.

Discord hands us typed options (`/plan distance:10k weeks:8 days:4`); they go to the core as
they are (``Coach.handle_command``), keyed by argument name, rather than being validated here.
That keeps the core's checks the only ones: Discord clients can be bypassed and discord.py does
not check option ranges on arrival, so no range is declared here at all and every value, however
it was typed, gets the same one-line refusal as on Telegram or the console.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.core.commands import Argument, ArgumentKind, Command, Suggestions
from bot.core.registry import COMMANDS
from bot.plans.model import RACE_DISTANCE_KM, WEEKDAYS

Relay = Callable[[discord.Interaction, str], Awaitable[None]]
"""Sends a line of text through the core as the interaction's user and delivers the replies."""
Run = Callable[[discord.Interaction, str, dict[str, Any]], Awaitable[None]]
"""Runs a core command with a form's option values, keyed by argument name, and delivers."""

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete suggestions
_ZONES = sorted(available_timezones())
_RACE_NAMES = {"5k": "5 km", "10k": "10 km", "half": "half marathon", "marathon": "marathon"}
_OPTION_TYPES: dict[ArgumentKind, Any] = {
    "text": str,
    "integer": int,
    "number": float,
    "weekday": Literal[WEEKDAYS],
    "date": str,
    "time": str,
    "timezone": str,
}


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


_SUGGESTIONS: dict[Suggestions, Any] = {"distance": _distances, "timezone": _timezones}


def register_commands(tree: app_commands.CommandTree, run: Run, relay: Relay) -> None:
    """Every command in the core's table, plus /ask: free text has no other way in on a server."""
    for command in COMMANDS:
        tree.add_command(slash_command(command, run))

    @tree.command(name="ask", description="ask the coach a running question")
    @app_commands.describe(question="Your question, in plain words")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await relay(interaction, question_text(question))


def slash_command(command: Command[Any], run: Run) -> app_commands.Command:
    """The slash command for one declaration: an option per argument, all sent to ``run``."""

    async def callback(interaction: discord.Interaction, /, **options: Any) -> None:
        await run(interaction, command.name, options)

    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            ),
            *(_parameter(argument) for argument in command.arguments),
        ]
    )
    described = {argument.name: argument.description for argument in command.arguments}
    suggested = {
        argument.name: _SUGGESTIONS[argument.suggest]
        for argument in command.arguments
        if argument.suggest is not None
    }
    if described:
        app_commands.describe(**described)(callback)
    if suggested:
        app_commands.autocomplete(**suggested)(callback)
    return app_commands.Command(name=command.name, description=command.summary, callback=callback)


def _parameter(argument: Argument) -> inspect.Parameter:
    kind = Literal[argument.choices] if argument.kind == "choice" else _OPTION_TYPES[argument.kind]
    return inspect.Parameter(
        argument.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=kind if argument.required else kind | None,
        default=inspect.Parameter.empty if argument.required else None,
    )
