"""The Telegram front end (python-telegram-bot 22): updates in, the core's replies out.

It only translates. A text message (a command or a plain-language question) becomes an
``IncomingMessage``; the replies go back as messages split at Telegram's 4096-character limit,
a PNG as a photo and any other file (.ics, .json) as a document. PTB's ``AIORateLimiter`` paces
requests and retries 429s; a send that still fails for a reason that may pass (a timeout,
Telegram's 5xx, a 429 past the limiter's retries) is tried again after a pause, a few times,
and a reply lost for good is logged at ERROR with the user's id (never the text). Updates are
handled concurrently so one slow answer never holds up another runner. The application is
started with PTB's async API (never ``run_polling()``), so it shares the one event loop with
Discord and the scheduler.

Start-up fails with one line (``startup_errors``) that says what to fix and never holds the
token; webhook mode always runs behind a secret (``telegram_webhook``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapters import startup_errors
from bot.adapters.telegram_http import AiohttpRequest
from bot.adapters.telegram_webhook import WebhookServer
from bot.core.chunking import split_text
from bot.core.coach import Coach
from bot.core.errors import RecipientUnreachable, TransientDeliveryError
from bot.core.messages import Action, IncomingMessage, OutgoingMessage
from bot.core.registry import COMMANDS

PLATFORM = "telegram"
# Telegram shows "typing..." for about 5 seconds per chat action.
TYPING_REFRESH_S = 4.0
# A reply quicker than this needs no "typing..." first.
TYPING_AFTER_S = 1.0
# Chat actions count against the same 30 requests a second (PTB's limiter, Telegram's flood
# limit) as the replies themselves: "typing..." for 300 runners at once would hold every reply
# back for 10 s. They are only cosmetic, so all chats together get at most this many a second,
# and the rest of the budget is the replies'.
TYPING_ACTIONS_PER_S = 3.0
BUTTONS_PER_ROW = 3
# Updates handled at once. PTB's default (``concurrent_updates(True)``) is 256: in a burst of
# 300 runners the last 44 waited for earlier ones to finish, so a /today among them started
# 0.8 s late (issue 15). One being handled costs a coroutine and its message while it waits its
# turn for the database, the model or a drawing, so a thousand at once are cheap.
CONCURRENT_UPDATES = 1024
# Pauses before each new try of a send that failed for a reason that may pass; a 429's own
# retry_after wins when it is longer.
SEND_RETRY_DELAYS_S = (1.0, 3.0, 9.0)
UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: Telegram posts updates to ``url``; we serve its path on listen:port, and
    only to POSTs that carry ``secret``, which ``setWebhook`` gives Telegram."""

    url: str
    listen: str
    port: int
    secret: str = field(repr=False)


class TelegramAdapter:
    """Also the Telegram ``Sender``: reminders go to the runner's private chat."""

    platform = PLATFORM

    def __init__(
        self,
        coach: Coach,
        *,
        token: str,
        base_url: str | None = None,
        webhook: Webhook | None = None,
        max_retries: int = 3,
        sends_per_s: float = 30,
        typing_refresh_s: float = TYPING_REFRESH_S,
        typing_after_s: float = TYPING_AFTER_S,
        send_retry_delays_s: Sequence[float] = SEND_RETRY_DELAYS_S,
    ) -> None:
        self._coach = coach
        self._send_retry_delays = tuple(send_retry_delays_s)
        self.webhook = webhook
        self._base_url = base_url
        self._webhook_server: WebhookServer | None = None
        self._typing_refresh_s = typing_refresh_s
        self._typing_after_s = typing_after_s
        self._typing_budget = _Budget(TYPING_ACTIONS_PER_S)
        # Replies, and long polling's getUpdates (PTB keeps them apart so a poll never waits
        # for a free connection).
        self._requests = (AiohttpRequest(), AiohttpRequest())
        builder = (
            ApplicationBuilder()
            .token(token)
            .rate_limiter(AIORateLimiter(overall_max_rate=sends_per_s, max_retries=max_retries))
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .concurrent_updates(CONCURRENT_UPDATES)
            # Reminders are the scheduler's job; PTB's own job queue would be a second one.
            .job_queue(None)
        )
        if base_url:
            builder = builder.base_url(base_url)
        self.application: Application = builder.build()
        self.application.add_handler(
            # Edits of an already answered message are not asked again.
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message)
        )
        # A button's callback data is a core command: pressing it is typing it.
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, then poll or listen for updates.

        Raises ``SettingsError`` (a refused token) or ``StartupError`` (the Bot API unreachable
        or failing, the webhook port taken), each one line without the token.
        """
        try:
            try:
                await self._start()
            except TelegramError as err:
                raise startup_errors.telegram_failure(err, self._base_url) from None
        except BaseException:
            # PTB shuts down only what it finished initializing: the sessions are ours to close.
            await asyncio.gather(*(request.shutdown() for request in self._requests))
            raise
        log.info("Telegram bot @%s started", self.application.bot.username)

    async def _start(self) -> None:
        app = self.application
        await app.initialize()
        await app.bot.set_my_commands(
            [BotCommand(command.name, command.summary) for command in COMMANDS]
        )
        await app.start()
        assert app.updater is not None
        if self.webhook is None:
            await app.updater.start_polling(allowed_updates=UPDATES)
        else:
            await self._start_webhook(self.webhook)

    async def _start_webhook(self, webhook: Webhook) -> None:
        """Listen first, so Telegram's first POST after ``setWebhook`` finds us."""
        server = WebhookServer(
            self.application,
            listen=webhook.listen,
            port=webhook.port,
            path=urlsplit(webhook.url).path,
            secret=webhook.secret,
        )
        try:
            await server.start()
        except OSError as err:
            await server.stop()
            raise startup_errors.webhook_listen_failure(err, webhook.listen, webhook.port) from None
        self._webhook_server = server
        try:
            await self.application.bot.set_webhook(
                webhook.url, secret_token=webhook.secret, allowed_updates=UPDATES
            )
        except BadRequest as err:
            raise startup_errors.webhook_refused(err) from None

    async def stop(self) -> None:
        """Stop taking updates, let the ones in hand finish, then close the connections."""
        app = self.application
        if self._webhook_server is not None:
            await self._webhook_server.stop()
            self._webhook_server = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        """A message the bot starts; a private chat's id is the user's id."""
        try:
            await self._deliver(int(platform_user_id), messages)
        except Forbidden as err:
            raise RecipientUnreachable(str(err)) from err
        except BadRequest as err:
            # The runner never opened a chat with the bot, or deleted their account.
            if "chat not found" in str(err).lower():
                raise RecipientUnreachable(str(err)) from err
            raise
        except (RetryAfter, NetworkError) as err:
            # The rate limiter has already spent its retries on these.
            raise TransientDeliveryError(str(err)) from err

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        incoming = IncomingMessage(PLATFORM, str(user.id), message.text, user.full_name)
        async with self._typing(message.chat_id):
            replies = await self._coach.handle(incoming)
        await self._reply(message.chat_id, user.id, replies)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or not query.data:
            return
        await query.answer()  # stops the button's spinner; the answer comes as a message
        chat_id = update.effective_chat.id if update.effective_chat else user.id
        incoming = IncomingMessage(PLATFORM, str(user.id), query.data, user.full_name)
        await self._reply(chat_id, user.id, await self._coach.handle(incoming))

    async def _reply(self, chat_id: int, user_id: int, replies: list[OutgoingMessage]) -> None:
        """Deliver the coach's replies; one that cannot be delivered even after the retries is
        logged with who it was for, so an operator can see a runner went unanswered."""
        try:
            await self._deliver(chat_id, replies)
        except Forbidden as err:
            log.info("a reply was dropped: user %s blocked the bot (%s)", user_id, err)
        except TelegramError as err:
            log.error("a reply to Telegram user %s was lost: %s", user_id, err)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, Forbidden):
            log.info("a reply was dropped: the user blocked the bot (%s)", error)
        elif isinstance(error, TelegramError):
            log.warning("a Telegram request failed: %s", error)
        else:
            log.error("error while handling a Telegram update", exc_info=error)

    async def _deliver(self, chat_id: int, messages: list[OutgoingMessage]) -> None:
        bot = self.application.bot
        for message in messages:
            if message.file is None:
                await self._send_text(chat_id, message.text, message.actions)
                continue
            fits = len(message.text) <= MessageLimit.CAPTION_LENGTH
            caption = message.text if fits and message.text else None
            upload = InputFile(message.file.data, filename=message.file.filename)
            if message.file.filename.lower().endswith(".png"):
                await self._retried(bot.send_photo, chat_id, upload, caption=caption)
            else:
                await self._retried(bot.send_document, chat_id, upload, caption=caption)
            if not fits:
                await self._send_text(chat_id, message.text)

    async def _send_text(self, chat_id: int, text: str, actions: tuple[Action, ...] = ()) -> None:
        chunks = split_text(text, MessageLimit.MAX_TEXT_LENGTH)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            markup = _keyboard(actions) if last and actions else None
            await self._retried(
                self.application.bot.send_message, chat_id, chunk, reply_markup=markup
            )

    async def _retried(self, call: Callable[..., Awaitable[object]], *args: Any, **kw: Any) -> None:
        """One Bot API call, tried again after each pause in ``send_retry_delays_s`` while it
        fails for a reason that may pass. A timed-out send may in fact have arrived, so a retry
        can repeat a message: a runner seeing a line twice beats never seeing it."""
        for delay in (*self._send_retry_delays, None):
            try:
                await call(*args, **kw)
                return
            except RetryAfter as err:
                if delay is None:
                    raise
                await asyncio.sleep(max(delay, _seconds(err.retry_after)))
            except NetworkError as err:
                # BadRequest is a NetworkError in PTB, but a refused request is refused again.
                if delay is None or isinstance(err, BadRequest):
                    raise
                log.info("a Telegram send failed (%s); trying again in %g s", err, delay)
                await asyncio.sleep(delay)

    @asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        """'typing...' in the chat from a second in until the block ends, however long the
        answer takes, as far as the chat actions' share of the rate limit allows."""
        task = asyncio.create_task(self._keep_typing(chat_id))
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _keep_typing(self, chat_id: int) -> None:
        await asyncio.sleep(self._typing_after_s)
        while True:
            if self._typing_budget.take():  # else other chats had this moment's share
                try:
                    await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)
                except TelegramError as err:
                    # Only cosmetic: the answer is still coming.
                    log.debug("could not show typing: %s", err)
            await asyncio.sleep(self._typing_refresh_s)


class _Budget:
    """At most ``per_s`` uses a second, never saved up: a use refused now is not owed later."""

    def __init__(self, per_s: float) -> None:
        self._interval_s = 1 / per_s
        self._next = 0.0

    def take(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self._interval_s
        return True


def _seconds(retry_after: float | object) -> float:
    """PTB gives ``retry_after`` as seconds or, in newer versions, as a ``timedelta``."""
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]


def _keyboard(actions: tuple[Action, ...]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(a.label, callback_data=a.command) for a in actions]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)
