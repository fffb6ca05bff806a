"""The platform-agnostic coach: one message in, a list of replies out.

Every front end calls ``Coach.handle`` (or, for a form's typed options, ``handle_command``).
The coach only routes: it cleans the input, finds the command in the one table
(``bot.core.registry``) and calls its handler, hands free text to a chain of understanders, and
turns any failure into a one-line reply instead of a traceback. What each command does lives in
its feature module (``bot.core.features``).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.core import intents, registry
from bot.core.commands import Command, split_command
from bot.core.errors import UserFacingError
from bot.core.features import conversation
from bot.core.features.context import Context
from bot.core.features.shared import ThreadRenderer, reply, sentence
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.ports import Asker, FileStore, PlanRenderer, Storage
from bot.core.reminders import BLOCKED_NOTICE
from bot.core.urgency import urgent_work
from bot.plans.model import PlanRequestError

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
FALLBACK_ANSWER = (
    "I can't answer free-form questions yet. Try /plan 10k 8weeks for a training plan, "
    "/today for today's workout, or /help for everything I can do."
)

Answerer = Callable[[Asker, str], Awaitable[str]]
Understander = Callable[[Context, str], Awaitable[list[OutgoingMessage] | None]]
"""Reads free text; replies when it understands it, None to let the next one try."""


async def fallback_answer(asker: Asker, text: str) -> str:
    """Until the answer pipeline exists, point runners at what works."""
    return FALLBACK_ANSWER


def utc_now() -> datetime:
    return datetime.now(UTC)


def clean_text(text: str) -> str:
    """Drop control and format characters (keeping newlines) so nothing odd reaches storage."""
    kept = (
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    )
    return "".join(kept).strip()


class Coach:
    """Routes messages to commands; holds no per-user state, so any process can answer."""

    def __init__(
        self,
        storage: Storage,
        *,
        answer: Answerer = fallback_answer,
        clock: Callable[[], datetime] = utc_now,
        default_timezone: str = "UTC",
        files: FileStore | None = None,
        renderer: PlanRenderer | None = None,
    ) -> None:
        self._storage = storage
        self._files = files
        self._renderer = renderer or ThreadRenderer()
        self._answer = answer
        self._clock = clock
        self._default_tz = default_timezone
        # Free text goes to each in turn until one replies; the answer pipeline takes the rest.
        self.understanders: list[Understander] = [
            conversation.small_talk,
            command_in_plain_words,
            conversation.run_report,
            conversation.plan_question,
        ]

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        """A typed line: a command with its words, or free text."""
        parsed = split_command(clean_text(message.text))
        return await self._guarded(message, self._dispatch, _quick(parsed[0] if parsed else None))

    async def handle_command(
        self, message: IncomingMessage, name: str, options: Mapping[str, object]
    ) -> list[OutgoingMessage]:
        """A command whose arguments a form already told apart (Discord's slash options), keyed
        by argument name. Values are cleaned like typed text; the handler checks them."""

        async def run(ctx: Context) -> list[OutgoingMessage]:
            command = _command(name)
            values = {k: _cleaned(v) for k, v in options.items() if v is not None}
            _check_length(sum(len(v) for v in values.values() if isinstance(v, str)))
            return await command.handler(ctx, command.from_options(**values))

        return await self._guarded(message, run, _quick(name))

    async def _guarded(
        self,
        message: IncomingMessage,
        run: Callable[[Context], Awaitable[list[OutgoingMessage]]],
        quick: bool,
    ) -> list[OutgoingMessage]:
        ctx = self._context(message)
        with urgent_work(quick):
            try:
                replies = await run(ctx)
            except (UserFacingError, PlanRequestError) as err:
                replies = reply(sentence(str(err)))
            except Exception:
                log.exception("unhandled error for a %s message", message.platform)
                return reply(
                    "Sorry, something went wrong on my side. Please try again in a moment."
                )
            return replies + await self._blocked_notice(ctx)

    def _context(self, message: IncomingMessage) -> Context:
        return Context(
            message=replace(message, display_name=clean_text(message.display_name)),
            storage=self._storage,
            clock=self._clock,
            default_timezone=self._default_tz,
            commands=registry.COMMANDS,
            files=self._files,
            renderer=self._renderer,
        )

    async def _blocked_notice(self, ctx: Context) -> list[OutgoingMessage]:
        """Once, after a reminder found the user unreachable and turned reminders off: they
        cannot have seen it happen, and a silent stop looks like the bot broke.

        What the handler's own lookup found is enough to rule it out; only a user it did not
        look up, or found marked, is read again. A reminder that fails while this message is
        being answered is told with the next one."""
        looked, seen = ctx.looked_up()
        if looked and (seen is None or not seen.reminders_blocked):
            return []
        user = await ctx.find_user()
        if user is None or not user.reminders_blocked:
            return []
        await self._storage.clear_reminders_blocked(user.id)
        at = f"{user.remind_at:%H:%M}" if user.remind_at else "06:30"
        return reply(BLOCKED_NOTICE.format(at=at))

    async def _dispatch(self, ctx: Context) -> list[OutgoingMessage]:
        _check_length(len(ctx.message.text))
        text = clean_text(ctx.message.text)
        if not text:
            raise UserFacingError("I got an empty message: send /help to see what I can do")
        parsed = split_command(text)
        if parsed is None:
            if text.startswith("/"):
                raise UserFacingError(f"'{text.split()[0][:30]}' is not a command: try /help")
            return await self._free_text(ctx, text)
        name, words = parsed
        command = _command(name)
        return await command.handler(ctx, command.parse(words))

    async def _free_text(self, ctx: Context, text: str) -> list[OutgoingMessage]:
        """Each understander in turn; what none of them understands is a question for the
        answer pipeline, whose turns are remembered for the next one."""
        for understand in self.understanders:
            replies = await understand(ctx, text)
            if replies is not None:
                return replies
        return reply(await self._answer(ctx, text))


async def command_in_plain_words(ctx: Context, text: str) -> list[OutgoingMessage] | None:
    """A plan request or profile fact in plain words runs its command's handler, with the
    arguments the words gave."""
    invocation = intents.command_for(text)
    if invocation is None:
        return None
    saved: list[OutgoingMessage] = []
    if invocation.name == "plan" and (facts := intents.profile_facts(text)):
        saved = await _command("profile").handler(ctx, facts)
    return saved + await _command(invocation.name).handler(ctx, invocation.args)


def _quick(name: str | None) -> bool:
    """A command that answers from the database alone: neither drawing nor the model."""
    command = registry.find(name) if name else None
    return command is not None and not command.draws


def _command(name: str) -> Command[Any]:
    command = registry.find(name)
    if command is None:
        raise UserFacingError(f"unknown command /{name[:30]}: try /help")
    return command


def _cleaned(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _check_length(chars: int) -> None:
    if chars > MAX_TEXT_CHARS:
        raise UserFacingError(
            f"that message is {chars:,} characters long: please keep it under {MAX_TEXT_CHARS:,}"
        )
