"""'typing...' is only cosmetic, so it never takes the replies' share of the rate limit: Telegram
(and PTB's limiter) allow a bot about 30 requests a second, chat actions included."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.adapters.telegram_adapter import TYPING_ACTIONS_PER_S, TelegramAdapter
from bot.core.coach import Coach
from tests.adapters.telegram.conftest import TOKEN, Answers
from tests.adapters.telegram.fake_bot_api import FakeBotApi

RUNNERS = range(5001, 5031)


@pytest.fixture
async def adapter(coach: Coach, fake_api: FakeBotApi) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(coach, token=TOKEN, base_url=fake_api.base_url, typing_refresh_s=0.2)
    await adapter.start()
    yield adapter
    await adapter.stop()


def actions(fake: FakeBotApi) -> int:
    return sum(1 for sent in fake.sent if sent.method == "sendChatAction")


async def test_a_quick_reply_comes_without_typing_first(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    await fake_api.user_says(5000, "/help")
    await fake_api.wait_for(lambda: bool(fake_api.to(5000, "sendMessage")))
    await asyncio.sleep(1.2)  # past the moment typing would have started
    assert fake_api.to(5000, "sendChatAction") == []


async def test_thirty_runners_waiting_share_a_few_typing_actions_a_second(
    adapter: TelegramAdapter, fake_api: FakeBotApi, answers: Answers
) -> None:
    for runner in RUNNERS:
        await fake_api.user_says(runner, f"#slow question {runner}")
    await asyncio.sleep(1.0)  # typing starts a second in
    started, before = time.monotonic(), actions(fake_api)
    await asyncio.sleep(2.0)  # refreshed every 0.2 s, 30 chats would ask for 300
    per_s = (actions(fake_api) - before) / (time.monotonic() - started)
    assert 0 < per_s <= TYPING_ACTIONS_PER_S + 1
    answers.release.set()
    await fake_api.wait_for(
        lambda: all(fake_api.to(runner, "sendMessage") for runner in RUNNERS), timeout=20
    )
