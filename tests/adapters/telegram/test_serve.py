"""`runcoach serve` with a Telegram token: the bot runs until SIGTERM, then stops cleanly."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from pathlib import Path

from bot import app
from bot.adapters.telegram_adapter import Webhook
from bot.settings import Settings
from tests.adapters.telegram.conftest import TOKEN
from tests.adapters.telegram.fake_bot_api import FakeBotApi


async def test_serve_answers_on_telegram_until_sigterm(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, telegram_token=TOKEN, telegram_base_url=fake_api.base_url
    )
    serving = asyncio.create_task(app.serve(settings, console_user="nobody"))
    await fake_api.user_says(1001, "/help")
    await fake_api.wait_for(lambda: bool(fake_api.to(1001, "sendMessage")))
    assert "/plan" in fake_api.to(1001, "sendMessage")[0].text
    # start-up's objects are left out of garbage collections while the bot serves (its loop
    # stalled for a full collection under load), and handed back when it stops
    assert gc.get_freeze_count() > 0

    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(serving, timeout=10)
    assert gc.get_freeze_count() == 0
    polls = fake_api.calls.count("getUpdates")
    await asyncio.sleep(0.2)
    assert fake_api.calls.count("getUpdates") == polls  # stopped polling


async def test_webhook_settings_switch_telegram_to_webhook_mode(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        telegram_token=TOKEN,
        telegram_webhook_url="https://coach.example.org/telegram",
        telegram_webhook_secret="hook_secret",
    )
    async with app.open_runtime(settings) as runtime:
        adapter = app.telegram(runtime)
    assert adapter.webhook == Webhook(
        "https://coach.example.org/telegram", "0.0.0.0", 8443, "hook_secret"
    )


async def test_long_polling_against_the_configured_bot_api_by_default(tmp_path: Path) -> None:
    base = "http://127.0.0.1:8081/bot"
    settings = Settings(data_dir=tmp_path, telegram_token=TOKEN, telegram_base_url=base)
    async with app.open_runtime(settings) as runtime:
        adapter = app.telegram(runtime)
    assert adapter.webhook is None
    assert adapter.application.bot.base_url == base + TOKEN
