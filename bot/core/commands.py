"""What a command declares, once: its name, usage, typed arguments and handler.

Each feature (``bot/core/features``) declares its commands with these types, and the one table
of them (``bot/core/registry.py``) is what routing, /help, Telegram's menu and Discord's slash
commands all read. A command documented in one place therefore exists everywhere, and a new
argument shows up in Discord's form by itself.

Arguments describe input; they validate nothing. Whichever way a value arrives (typed after the
command in chat, picked in a Discord form, read from plain words) the command's handler is the
one place that checks it, so every route gets the same one-line refusal.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from bot.core.features.context import Context
    from bot.core.messages import OutgoingMessage

A = TypeVar("A")

ArgumentKind = Literal["text", "integer", "number", "choice", "weekday", "date", "time", "timezone"]
Suggestions = Literal["distance", "timezone"]


@dataclass(frozen=True)
class Argument:
    """One input a form can ask for; ``kind`` picks the widget (and Discord's option type)."""

    name: str
    kind: ArgumentKind
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()  # for kind "choice"
    suggest: Suggestions | None = None  # a list to suggest values from as the runner types


def words_as_given(words: str) -> str:
    """Most commands take the words after their name as they are; the handler reads them."""
    return words


def only_option(**options: Any) -> str:
    """A command with at most one argument takes that argument's value as its words."""
    return " ".join(str(value) for value in options.values())


@dataclass(frozen=True)
class Command(Generic[A]):
    """A command and everything every platform needs to offer it.

    ``parse`` turns the words typed after ``/name`` into the handler's arguments, and
    ``from_options`` does the same for values already told apart (a form's options, keyed by
    argument name); neither checks values, the handler does.
    """

    name: str
    usage: str
    summary: str
    handler: Callable[[Context, A], Awaitable[list[OutgoingMessage]]]
    arguments: tuple[Argument, ...] = ()
    parse: Callable[[str], A] = words_as_given  # type: ignore[assignment]
    from_options: Callable[..., A] = only_option  # type: ignore[assignment]
    more_help: tuple[str, ...] = ()  # extra /help lines, after every command's own
    in_help: bool = True
    public: bool = False  # replies say nothing about the runner, so others may see them
    # It draws files (a chart, a calendar): under load its database calls wait for those of the
    # commands that answer in milliseconds (``bot.core.urgency``).
    draws: bool = False


@dataclass(frozen=True)
class Invocation:
    """A command with its arguments already told apart, as plain words or a form produce it."""

    name: str
    args: Any = ""


_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def split_command(text: str) -> tuple[str, str] | None:
    """'/plan@MyBot 10k 8w' -> ('plan', '10k 8w'); None when the text is not a command."""
    match = _COMMAND.match(text)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()
