"""The Discord front end: slash commands and DMs in, the core's replies out.

Like every adapter it only translates. A slash command goes to the core as its command name
and option values (see ``discord_commands``), a DM or /ask as free text, and the core's replies
go back split under Discord's 2000 characters, with plans attached as files. Discord's own
rules live here and nowhere else: an interaction is acknowledged (deferred) before the coach
starts, because a reply later than 3 seconds is refused, and everything is answered within the
interaction token's 15 minutes; what the coach says about a runner is ephemeral in a server
(unless the command is declared public), so nobody else in the channel sees it; and no message
the bot sends can ping anyone, whatever the model writes. discord.py waits out rate limits
itself; a message that still fails for a reason that may pass (a timeout, Discord's 5xx, a
dropped connection) is sent again after a pause, a few times, and a reply lost for good is
logged at ERROR with the user's id, never the text.

It runs on the caller's event loop (``start``, never ``Client.run``), beside Telegram and the
scheduler, and doubles as the Discord ``Sender`` for reminders.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters import startup_errors
from bot.adapters.discord_commands import register_commands
from bot.core.chunking import split_text
from bot.core.coach import Coach
from bot.core.commands import split_command
from bot.core.errors import RecipientUnreachable, TransientDeliveryError
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.registry import find
from bot.settings import SettingsError

log = logging.getLogger(__name__)

PLATFORM = "discord"
MESSAGE_LIMIT = 2000
# The interaction token lives 15 minutes; leave a minute to deliver what the coach said.
ANSWER_DEADLINE = timedelta(minutes=14)
TOO_SLOW = "Sorry, that took me too long to work out. Please try again in a moment."
FORGET_CONFIRM_WINDOW = timedelta(minutes=5)  # the core's window for /forget confirm
NO_PINGS = discord.AllowedMentions.none()
# Pauses before each new try of a message that failed for a reason that may pass.
SEND_RETRY_DELAYS_S = (1.0, 3.0, 9.0)

SendFn = Callable[..., Awaitable[Any]]


def intents() -> discord.Intents:
    """No privileged intent: commands arrive as interactions, and Discord sends DM text to a bot
    without the message content intent; server messages are not read at all."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    return chosen


class CoachClient(discord.Client):
    """discord.py's client wired to the coach: its tree holds the slash commands."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_PINGS, **options)
        self._adapter = adapter
        self.tree = app_commands.CommandTree(self)
        register_commands(self.tree, adapter.run_command, adapter.relay)

    async def setup_hook(self) -> None:
        """Runs at login: publish the commands, so a renamed or new option appears by itself."""
        synced = await self.tree.sync()
        log.info("Discord: %d slash commands synced", len(synced))

    async def on_ready(self) -> None:
        log.info("Discord: connected as %s", self.user)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A check-in button: its custom_id is the core command it stands for."""
        data: Mapping[str, object] = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.component and custom_id.startswith("/"):
            await self._adapter.relay(interaction, custom_id)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is not None:
            return
        await self._adapter.direct_message(message)


class ShardedCoachClient(CoachClient, discord.AutoShardedClient):
    """The same client holding only the gateway shards this worker owns (``shard_ids`` of
    ``shard_count``), so workers sharing one bot each receive their own servers' events; DMs
    and DM commands arrive on shard 0 alone, so one worker must own it.

    Reminders are not tied to shards: a DM is opened and sent over Discord's REST API, which
    needs the token and no gateway connection, so any worker sends any runner's reminder. The
    reminder claim, not the shard, decides which worker that is, and no shard's owner has to be
    up for its servers' runners to get their reminders."""


class DiscordAdapter:
    """Owns the client; ``run_command`` answers slash commands, ``relay`` buttons and /ask,
    ``direct_message`` DMs."""

    platform = PLATFORM

    def __init__(
        self,
        coach: Coach,
        *,
        answer_deadline: timedelta = ANSWER_DEADLINE,
        shard_ids: Sequence[int] | None = None,
        shard_count: int | None = None,
        send_retry_delays_s: Sequence[float] = SEND_RETRY_DELAYS_S,
    ) -> None:
        self._coach = coach
        self._send_retry_delays = tuple(send_retry_delays_s)
        self._deadline = answer_deadline.total_seconds()
        # No shard settings: one plain gateway connection, as a single worker needs.
        self.client = (
            CoachClient(self)
            if shard_count is None
            else ShardedCoachClient(
                self,
                shard_ids=None if shard_ids is None else list(shard_ids),
                shard_count=shard_count,
            )
        )
        self._gateway: asyncio.Task[None] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self, token: str) -> None:
        """Log in (a bad token fails here, at start-up), then keep the gateway open in a task.

        Each failure to log in is one line without the token: ``SettingsError`` for a refused
        token, ``StartupError`` for Discord unreachable or failing.
        """
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            raise SettingsError(
                "invalid RUNCOACH_DISCORD_TOKEN (discord_token): Discord refused it; copy the "
                "token again from the Bot page of the Developer Portal"
            ) from None
        except discord.HTTPException as err:
            raise startup_errors.discord_failed(err.status) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise startup_errors.discord_unreachable(err) from None
        self._gateway = asyncio.create_task(self.client.connect(), name="discord-gateway")

    async def wait(self) -> None:
        """Until the gateway stops for good; raises what stopped it."""
        if self._gateway is not None:
            await self._gateway

    async def close(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            self._gateway.cancel()
            await asyncio.gather(self._gateway, return_exceptions=True)

    # ---- incoming ----------------------------------------------------------------------------

    async def run_command(
        self, interaction: discord.Interaction, name: str, options: dict[str, Any]
    ) -> None:
        """A slash command: its options go to the core as they are, and the core checks them."""
        user = interaction.user
        await self._answer(
            interaction,
            name,
            lambda: self._coach.handle_command(_incoming(user, f"/{name}"), name, options),
            confirm_forget=name == "forget" and not options,
        )

    async def relay(self, interaction: discord.Interaction, text: str) -> None:
        """A button's command, or an /ask question: a line of text, as if typed."""
        parsed = split_command(text)
        user = interaction.user
        await self._answer(
            interaction,
            parsed[0] if parsed else "",
            lambda: self._coach.handle(_incoming(user, text)),
            confirm_forget=parsed == ("forget", ""),
        )

    async def _answer(
        self,
        interaction: discord.Interaction,
        command_name: str,
        ask: Callable[[], Awaitable[list[OutgoingMessage]]],
        *,
        confirm_forget: bool,
    ) -> None:
        """Acknowledge first, then ask the coach, then follow up with everything it said."""
        command = find(command_name)
        public = command is not None and command.public
        private = not public and not interaction.context.dm_channel
        await interaction.response.defer(ephemeral=private, thinking=True)
        replies = await self._within_deadline(ask)
        confirm = (lambda: ForgetConfirm(self)) if confirm_forget else None
        send = _followup(interaction, ephemeral=private)
        await self._reply(interaction.user, send, replies, confirm_forget=confirm)

    async def direct_message(self, message: discord.Message) -> None:
        """Free text (or a typed command) in the bot's DMs, with "typing..." while it works."""
        async with message.channel.typing():
            replies = await self._coach.handle(_incoming(message.author, message.content))
        confirm = self._confirm_view(split_command(message.content.strip()))
        await self._reply(message.author, message.channel.send, replies, confirm_forget=confirm)

    async def confirm_forget(self, interaction: discord.Interaction) -> None:
        """The confirm button: drop the button (no second click), then send '/forget confirm'."""
        private = not interaction.context.dm_channel
        await interaction.response.edit_message(view=None)
        incoming = _incoming(interaction.user, "/forget confirm")
        replies = await self._within_deadline(lambda: self._coach.handle(incoming))
        await self._reply(interaction.user, _followup(interaction, ephemeral=private), replies)

    async def _reply(
        self,
        user: discord.abc.User,
        send: SendFn,
        replies: list[OutgoingMessage],
        *,
        confirm_forget: Callable[[], discord.ui.View] | None = None,
    ) -> None:
        """Deliver the coach's replies; one that cannot be delivered even after the retries is
        logged with who it was for, so an operator can see a runner went unanswered."""
        try:
            await deliver(
                send, replies, confirm_forget=confirm_forget, retry_delays_s=self._send_retry_delays
            )
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as err:
            log.error("a reply to Discord user %s was lost: %s", user.id, _why(err))

    async def _within_deadline(
        self, ask: Callable[[], Awaitable[list[OutgoingMessage]]]
    ) -> list[OutgoingMessage]:
        try:
            async with asyncio.timeout(self._deadline):
                return await ask()
        except TimeoutError:
            log.warning(
                "Discord: the coach took over %.0f s; answered with an apology", self._deadline
            )
            return [OutgoingMessage(text=TOO_SLOW)]

    def _confirm_view(self, parsed: tuple[str, str] | None) -> Callable[[], discord.ui.View] | None:
        if parsed != ("forget", ""):
            return None
        return lambda: ForgetConfirm(self)

    # ---- Sender ------------------------------------------------------------------------------

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        """DM a runner (reminders). Closed DMs or an unknown user will never work: unreachable."""
        try:
            user_id = int(platform_user_id)
            user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
            await deliver(user.send, messages, retry_delays_s=self._send_retry_delays)
        except ValueError:
            raise RecipientUnreachable(f"not a Discord user id: {platform_user_id!r}") from None
        except (discord.Forbidden, discord.NotFound) as err:
            raise RecipientUnreachable(f"Discord refused the DM ({err.code})") from None
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as err:
            raise TransientDeliveryError(f"Discord DM failed: {type(err).__name__}") from None


class ForgetConfirm(discord.ui.View):
    """One red button under the /forget warning; the core checks the 5-minute window again."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(timeout=FORGET_CONFIRM_WINDOW.total_seconds())
        self._adapter = adapter

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._adapter.confirm_forget(interaction)


async def deliver(
    send: SendFn,
    replies: list[OutgoingMessage],
    *,
    confirm_forget: Callable[[], discord.ui.View] | None = None,
    retry_delays_s: Sequence[float] = (),
) -> None:
    """Each reply as Discord messages: text split under 2000, a file with its caption; the
    confirm button, when asked for, goes under the last one. A message that fails for a reason
    that may pass is sent again after each pause in ``retry_delays_s``; only the failed one, so
    a runner never sees the earlier parts twice."""
    outgoing = [parts for reply in replies for parts in _messages(reply)]
    for index, kwargs in enumerate(outgoing):
        if confirm_forget is not None and index == len(outgoing) - 1:
            kwargs["view"] = confirm_forget()
        await _send_retried(send, kwargs, retry_delays_s)


async def _send_retried(send: SendFn, kwargs: dict[str, Any], delays: Sequence[float]) -> None:
    for delay in (*delays, None):
        attachment = kwargs.get("file")
        if attachment is not None:
            attachment.reset()  # a failed try may have read part of it
        try:
            await send(allowed_mentions=NO_PINGS, **kwargs)
            return
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as err:
            if delay is None or not _may_pass(err):
                raise
            log.info("a Discord message failed (%s); trying again in %g s", _why(err), delay)
            await asyncio.sleep(delay)


def _may_pass(error: Exception) -> bool:
    """A timeout, a dropped connection, Discord's 5xx or a rate limit: worth another try. A 4xx
    (no permission, unknown channel, an expired interaction) will fail the same way again."""
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429
    return True


def _why(error: Exception) -> str:
    if isinstance(error, discord.HTTPException):
        return f"{type(error).__name__} (HTTP {error.status})"
    return type(error).__name__


def _messages(reply: OutgoingMessage) -> list[dict[str, Any]]:
    texts = split_text(reply.text, MESSAGE_LIMIT)
    out: list[dict[str, Any]] = [{"content": text} for text in texts]
    if reply.actions and out:
        out[-1]["view"] = _buttons(reply)
    if reply.file is not None:
        attachment = discord.File(io.BytesIO(reply.file.data), filename=reply.file.filename)
        if out:
            out[-1]["file"] = attachment
        else:
            out.append({"file": attachment})
    return out


def _buttons(reply: OutgoingMessage) -> discord.ui.View:
    """Buttons with no callback of their own: ``CoachClient.on_interaction`` relays their
    custom_id, so they keep working for as long as the message exists, across restarts."""
    view = discord.ui.View(timeout=None)
    for action in reply.actions:
        view.add_item(discord.ui.Button(label=action.label, custom_id=action.command))
    return view


def _followup(interaction: discord.Interaction, *, ephemeral: bool) -> SendFn:
    async def send(**kwargs: Any) -> Any:
        return await interaction.followup.send(ephemeral=ephemeral, **kwargs)

    return send


def _incoming(user: discord.User | discord.Member, text: str) -> IncomingMessage:
    return IncomingMessage(
        platform=PLATFORM, user_ref=str(user.id), text=text, display_name=user.display_name
    )
