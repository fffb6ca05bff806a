"""Runners chatting with the Telegram bot, end to end: real PTB, fake Bot API, real SQLite."""

from __future__ import annotations

import io
import time

import pytest

from bot.adapters.telegram_adapter import TelegramAdapter
from bot.core.errors import RecipientUnreachable
from bot.core.messages import OutgoingMessage
from bot.core.registry import COMMANDS
from tests.adapters.telegram.conftest import Answers
from tests.adapters.telegram.fake_bot_api import Failure, FakeBotApi

ALICE, BOB = 1001, 2002
RATE_LIMITED = Failure(429, "Too Many Requests: retry after 1", {"retry_after": 1})
BLOCKED = Failure(403, "Forbidden: bot was blocked by the user")


def texts(fake: FakeBotApi, chat_id: int) -> list[str]:
    return [sent.text for sent in fake.to(chat_id, "sendMessage")]


async def replies(fake: FakeBotApi, chat_id: int, count: int = 1) -> list[str]:
    await fake.wait_for(lambda: len(texts(fake, chat_id)) >= count)
    return texts(fake, chat_id)


async def test_start_publishes_the_command_menu_and_welcomes(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    menu = [(c["command"], c["description"]) for c in fake_api.commands]
    assert menu == [(command.name, command.summary) for command in COMMANDS]
    assert "deleteWebhook" in fake_api.calls  # long polling, not a webhook
    await fake_api.user_says(ALICE, "/start", name="Alice")
    [welcome] = await replies(fake_api, ALICE)
    assert "/plan" in welcome and "/remind" in welcome


async def test_plan_arrives_as_overview_calendar_and_chart(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    await fake_api.user_says(ALICE, "/plan 10k 8weeks")
    await fake_api.wait_for(lambda: bool(fake_api.to(ALICE, "sendPhoto")))
    sent = [s for s in fake_api.to(ALICE) if s.method != "sendChatAction"]
    assert [s.method for s in sent] == ["sendMessage", "sendDocument", "sendPhoto"]
    overview, calendar, chart = sent
    assert "10" in overview.text and "week" in overview.text.lower()
    assert calendar.filename.endswith(".ics") and calendar.data.startswith(b"BEGIN:VCALENDAR")
    assert calendar.text  # the caption says what to do with it
    assert chart.filename.endswith(".png") and chart.data.startswith(b"\x89PNG")


async def test_a_question_in_plain_words_is_answered(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    await fake_api.user_says(ALICE, "what should I eat before a long run?")
    assert await replies(fake_api, ALICE) == ["Answer to: what should I eat before a long run?"]


async def test_a_6000_character_answer_arrives_in_two_messages_cut_between_lines(
    adapter: TelegramAdapter, fake_api: FakeBotApi, answers: Answers
) -> None:
    await fake_api.user_says(ALICE, "#long tell me everything")
    expected = await answers(None, "#long")
    assert len(expected) > 6000
    parts = await replies(fake_api, ALICE, 2)
    assert len(parts) == 2
    assert all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == expected


async def test_a_rate_limited_reply_is_retried_after_the_wait_telegram_asks_for(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    fake_api.fail_next("sendMessage", ALICE, RATE_LIMITED)
    started = time.monotonic()
    await fake_api.user_says(ALICE, "/help")
    [help_text] = await replies(fake_api, ALICE)
    assert "/plan" in help_text
    assert time.monotonic() - started >= 1
    assert fake_api.calls.count("sendMessage") == 2


async def test_a_user_who_blocked_the_bot_does_not_stop_it_for_others(
    adapter: TelegramAdapter, fake_api: FakeBotApi, root_log: io.StringIO
) -> None:
    fake_api.fail_next("sendMessage", BOB, BLOCKED)
    await fake_api.user_says(BOB, "/help")
    await fake_api.wait_for(lambda: fake_api.calls.count("sendMessage") == 1)
    await fake_api.user_says(ALICE, "/help")
    assert len(await replies(fake_api, ALICE)) == 1
    assert texts(fake_api, BOB) == []
    assert "blocked the bot" in root_log.getvalue()
    assert "Traceback" not in root_log.getvalue()


async def test_reminders_are_delivered_or_fail_with_the_delivery_errors(
    adapter: TelegramAdapter, fake_api: FakeBotApi
) -> None:
    await adapter.send(str(ALICE), [OutgoingMessage("Today: easy 8 km")])
    assert texts(fake_api, ALICE) == ["Today: easy 8 km"]

    fake_api.fail_next("sendMessage", BOB, BLOCKED)
    with pytest.raises(RecipientUnreachable):
        await adapter.send(str(BOB), [OutgoingMessage("Today: easy 8 km")])
    assert texts(fake_api, BOB) == []
    # Failures that may pass are retried first: test_send_retries.py.


async def test_a_slow_answer_never_blocks_or_crosses_another_users(
    adapter: TelegramAdapter, fake_api: FakeBotApi, answers: Answers
) -> None:
    await fake_api.user_says(ALICE, "#slow question from Alice")
    # Alice sees "typing..." refreshed while her answer is being worked out.
    await fake_api.wait_for(lambda: len(fake_api.to(ALICE, "sendChatAction")) >= 3)
    assert {sent.action for sent in fake_api.to(ALICE, "sendChatAction")} == {"typing"}
    await fake_api.user_says(BOB, "a quick question from Bob")
    assert await replies(fake_api, BOB) == ["Answer to: a quick question from Bob"]
    assert texts(fake_api, ALICE) == []
    answers.release.set()
    assert await replies(fake_api, ALICE) == ["Answer to: #slow question from Alice"]
    assert texts(fake_api, BOB) == ["Answer to: a quick question from Bob"]


def test_request_urls_are_logged_without_the_token(
    adapter: TelegramAdapter, fake_api: FakeBotApi, root_log: io.StringIO
) -> None:
    # The fixture logs everything at DEBUG to prove the redaction alone keeps the token out
    # (it scans every line for it).
    logged = root_log.getvalue()
    assert f"{fake_api.base_url}[REDACTED]/getMe: HTTP 200" in logged  # the transport
    assert f"Set Bot API URL: {fake_api.base_url}[REDACTED]" in logged  # PTB
