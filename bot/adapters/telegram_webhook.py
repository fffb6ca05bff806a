"""The HTTP endpoint Telegram posts updates to in webhook mode, authenticated by a secret.

PTB's own webhook server (``Updater.start_webhook``) answers a body that is not JSON with HTTP
500 (its handler calls ``json.loads`` outside any ``try``), and accepts every POST when no secret
is configured. PTB documents running your own server instead ("custom webhook bot": any asyncio
web framework, ``Bot.set_webhook`` and ``Application.update_queue``), so this is that, on aiohttp
(already in the process for discord.py):

* a POST without the ``X-Telegram-Bot-Api-Secret-Token`` header ``setWebhook`` registered is
  refused with 403, compared in constant time; there is always a secret (``app.telegram``
  generates one when none is configured), so the webhook never runs unauthenticated;
* a body that is not a JSON object Telegram could have sent gets 400, and is never logged;
* anything else is queued for the Application as an ``Update``, answered 200 at once.
"""

from __future__ import annotations

import hmac
import json
import logging
from http import HTTPStatus

from aiohttp import web
from telegram import Update
from telegram.ext import Application

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; aiohttp refuses larger bodies with 413 before reading.
MAX_BODY_BYTES = 1 << 20

log = logging.getLogger(__name__)


class WebhookServer:
    def __init__(
        self, application: Application, *, listen: str, port: int, path: str, secret: str
    ) -> None:
        if not secret:
            raise ValueError("the webhook needs a secret: an empty one would accept any POST")
        self._application = application
        self._listen, self._port = listen, port
        self._secret = secret.encode()
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post("/" + path.strip("/"), self._receive)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self) -> None:
        """Listen; raises OSError when the address is taken or not allowed."""
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()

    @property
    def port(self) -> int:
        """The port actually bound (the configured one, or the system's pick for port 0)."""
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            log.debug("refused a webhook POST without the right secret from %s", request.remote)
            return web.Response(status=HTTPStatus.FORBIDDEN)
        try:
            data = json.loads(await request.read())  # bytes: bad UTF-8 is a ValueError too
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self._application.bot)
        # A malformed field fails with whatever de_json does with it (TypeError, KeyError,
        # AttributeError, OverflowError...); PTB's own webhook handler catches Exception too.
        except Exception as err:
            log.warning("refused a malformed webhook update: %s", type(err).__name__)
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        await self._application.update_queue.put(update)
        return web.Response(status=HTTPStatus.OK)
