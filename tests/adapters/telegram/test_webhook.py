"""Webhook mode on a real local port: never unauthenticated, and a malformed body is a 400."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import AsyncIterator
from typing import cast

import aiohttp
import pytest

from bot import app
from bot.adapters.startup_errors import StartupError
from bot.adapters.telegram_adapter import TelegramAdapter, Webhook
from bot.adapters.telegram_webhook import SECRET_HEADER
from bot.core.coach import Coach
from bot.core.features.shared import reply
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.settings import Settings
from tests.adapters.telegram.conftest import TOKEN
from tests.adapters.telegram.fake_bot_api import FakeBotApi
from tests.support import free_port

URL = "https://coach.example.org/telegram"


@pytest.fixture
def secret() -> str:
    """What `serve` uses when no telegram_webhook_secret is configured."""
    return app.webhook_secret(Settings(telegram_token=TOKEN))


@pytest.fixture
async def webhook_bot(
    coach: Coach, fake_api: FakeBotApi, secret: str
) -> AsyncIterator[TelegramAdapter]:
    webhook = Webhook(URL, "127.0.0.1", free_port(), secret)
    adapter = TelegramAdapter(coach, token=TOKEN, base_url=fake_api.base_url, webhook=webhook)
    await adapter.start()
    yield adapter
    await adapter.stop()


async def post(adapter: TelegramAdapter, body: bytes, headers: dict[str, str]) -> int:
    assert adapter.webhook is not None
    url = f"http://127.0.0.1:{adapter.webhook.port}/telegram"
    headers = {"Content-Type": "application/json", **headers}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        return r.status


def test_without_a_configured_secret_each_start_generates_a_strong_one(secret: str) -> None:
    again = app.webhook_secret(Settings(telegram_token=TOKEN))
    assert secret != again
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,256}", secret)  # what setWebhook accepts
    configured = Settings(telegram_token=TOKEN, telegram_webhook_secret="set_by_me")
    assert app.webhook_secret(configured) == "set_by_me"


async def test_the_secret_is_registered_and_a_post_without_it_is_refused(
    webhook_bot: TelegramAdapter, fake_api: FakeBotApi, secret: str
) -> None:
    assert fake_api.webhook["url"] == URL
    assert fake_api.webhook["secret_token"] == secret
    forged = json.dumps(fake_api.message_update(1001, "/forget")).encode()
    assert await post(webhook_bot, forged, {}) == 403
    assert await post(webhook_bot, forged, {SECRET_HEADER: "guess"}) == 403
    assert await post(webhook_bot, forged, {SECRET_HEADER: secret[:-1]}) == 403
    await asyncio.sleep(0.2)
    assert fake_api.to(1001) == []  # the forged /forget never reached the coach


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe\x00", b"[]", b"null", b'{"update_id": "1"}', b'{"message": {}}',
     b'{"update_id": 1, "message": {"message_id": 1, "date": "x", "chat": []}}'],
)  # fmt: skip
async def test_a_malformed_body_with_the_right_secret_is_a_bad_request(
    webhook_bot: TelegramAdapter, secret: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    assert await post(webhook_bot, body, {SECRET_HEADER: secret}) == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_update_with_the_right_secret_is_answered(
    webhook_bot: TelegramAdapter,
    fake_api: FakeBotApi,
    secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    update = json.dumps(fake_api.message_update(1002, "/help")).encode()
    assert await post(webhook_bot, update, {SECRET_HEADER: secret}) == 200
    await fake_api.wait_for(lambda: bool(fake_api.to(1002, "sendMessage")))
    assert "/plan" in fake_api.to(1002, "sendMessage")[0].text
    assert secret not in caplog.text


async def test_a_taken_port_stops_start_up_with_one_line(
    coach: Coach, fake_api: FakeBotApi, secret: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        webhook = Webhook(URL, "127.0.0.1", port, secret)
        adapter = TelegramAdapter(coach, token=TOKEN, base_url=fake_api.base_url, webhook=webhook)
        with pytest.raises(StartupError) as failed:
            await adapter.start()
        await adapter.stop()
    message = str(failed.value)
    assert f"127.0.0.1:{port}" in message and "RUNCOACH_TELEGRAM_WEBHOOK_PORT" in message
    assert "\n" not in message and TOKEN not in message


async def test_a_burst_of_runners_is_handled_at_once_not_in_turns(
    fake_api: FakeBotApi, secret: str
) -> None:
    """300 runners writing at once are all being answered at once: PTB's default of 256 at a
    time made the last ones wait for earlier answers, however quick their own."""
    burst = 300
    handling = 0
    everyone = asyncio.Event()

    class WaitsForEveryone:
        """Answers a message only once every runner's message is being handled."""

        async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
            nonlocal handling
            handling += 1
            if handling == burst:
                everyone.set()
            await everyone.wait()
            return reply("ok")

    webhook = Webhook(URL, "127.0.0.1", free_port(), secret)
    adapter = TelegramAdapter(
        cast(Coach, WaitsForEveryone()), token=TOKEN, base_url=fake_api.base_url, webhook=webhook
    )
    await adapter.start()
    try:
        updates = [
            json.dumps(fake_api.message_update(5000 + n, "/today")).encode() for n in range(burst)
        ]
        statuses = await asyncio.gather(
            *(post(adapter, update, {SECRET_HEADER: secret}) for update in updates)
        )
        assert set(statuses) == {200}
        try:
            await asyncio.wait_for(everyone.wait(), timeout=20)
        except TimeoutError:
            pytest.fail(f"only {handling} of {burst} messages were being handled at once")
        await fake_api.wait_for(lambda: all(fake_api.to(5000 + n) for n in range(burst)))
    finally:
        everyone.set()  # a failed run still stops
        await adapter.stop()
