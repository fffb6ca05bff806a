"""A reply Telegram fails to take is sent again, and one lost for good is logged, never dropped
silently. PTB's rate limiter is off here (max_retries=0), so every retry seen is ours."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.adapters.telegram_adapter import TelegramAdapter
from bot.core.coach import Coach
from bot.core.errors import TransientDeliveryError
from bot.core.messages import OutgoingMessage
from tests.adapters.telegram.conftest import TOKEN, Answers
from tests.adapters.telegram.fake_bot_api import Failure, FakeBotApi

ALICE = 1001
DELAYS = (0.05, 0.1, 0.2)  # three retries
BAD_GATEWAY = Failure(502, "Bad Gateway")
SERVER_ERROR = Failure(500, "Internal Server Error")
RATE_LIMITED = Failure(429, "Too Many Requests: retry after 1", {"retry_after": 1})


@pytest.fixture
async def adapter(coach: Coach, fake_api: FakeBotApi) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(
        coach,
        token=TOKEN,
        base_url=fake_api.base_url,
        max_retries=0,
        typing_refresh_s=60,
        send_retry_delays_s=DELAYS,
    )
    await adapter.start()
    yield adapter
    await adapter.stop()


def texts(fake: FakeBotApi) -> list[str]:
    return [sent.text for sent in fake.to(ALICE, "sendMessage")]


async def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The ERROR lines of the adapter, once one has been written (the update runs in a task)."""
    async with asyncio.timeout(10):
        while True:
            found = [
                r.getMessage()
                for r in caplog.records
                if r.levelno == logging.ERROR and r.name == "bot.adapters.telegram_adapter"
            ]
            if found:
                return found
            await asyncio.sleep(0.02)


async def test_a_reply_refused_by_telegrams_servers_twice_arrives_on_the_third_try(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    fake_api.fail_next("sendMessage", ALICE, BAD_GATEWAY, SERVER_ERROR)
    await fake_api.user_says(ALICE, "what should I eat before a long run?")
    await fake_api.wait_for(lambda: bool(texts(fake_api)))
    assert texts(fake_api) == ["Answer to: what should I eat before a long run?"]
    assert fake_api.calls.count("sendMessage") == 3


async def test_only_the_failed_part_of_a_long_reply_is_sent_again(
    adapter: TelegramAdapter, fake_api: FakeBotApi, answers: Answers
) -> None:
    fake_api.fail_next("sendMessage", ALICE, SERVER_ERROR)
    await fake_api.user_says(ALICE, "#long tell me everything")
    await fake_api.wait_for(lambda: len(texts(fake_api)) >= 2)
    await asyncio.sleep(0.3)  # time for a duplicate, were one coming
    assert "\n".join(texts(fake_api)) == await answers(None, "#long")
    assert fake_api.calls.count("sendMessage") == 3


async def test_a_rate_limit_is_waited_out_as_long_as_telegram_asks(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    fake_api.fail_next("sendMessage", ALICE, RATE_LIMITED)
    started = time.monotonic()
    await fake_api.user_says(ALICE, "/help")
    await fake_api.wait_for(lambda: bool(texts(fake_api)))
    assert time.monotonic() - started >= 1  # retry_after, not our 0.05 s
    assert "/plan" in texts(fake_api)[0]


async def test_a_reply_lost_for_good_is_an_error_naming_the_user_not_the_text(
    adapter: TelegramAdapter, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail_next("sendMessage", ALICE, *[SERVER_ERROR] * (len(DELAYS) + 1))
    await fake_api.user_says(ALICE, "how do I pace a secret half?")
    [logged] = await errors_logged(caplog)
    assert str(ALICE) in logged
    assert "secret" not in logged
    assert fake_api.calls.count("sendMessage") == len(DELAYS) + 1
    assert texts(fake_api) == []


async def test_a_refused_request_is_not_sent_again(
    adapter: TelegramAdapter, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail_next("sendMessage", ALICE, Failure(400, "Bad Request: message is too long"))
    await fake_api.user_says(ALICE, "/help")
    [logged] = await errors_logged(caplog)
    assert str(ALICE) in logged
    assert fake_api.calls.count("sendMessage") == 1


async def test_a_reminder_is_retried_then_reported_transient(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    fake_api.fail_next("sendMessage", ALICE, SERVER_ERROR, BAD_GATEWAY)
    await adapter.send(str(ALICE), [OutgoingMessage("Today: easy 8 km")])
    assert texts(fake_api) == ["Today: easy 8 km"]

    fake_api.fail_next("sendMessage", ALICE, *[SERVER_ERROR] * (len(DELAYS) + 1))
    with pytest.raises(TransientDeliveryError):
        await adapter.send(str(ALICE), [OutgoingMessage("Tomorrow: rest")])
    assert texts(fake_api) == ["Today: easy 8 km"]
