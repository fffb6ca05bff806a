"""Check-in buttons on Telegram, end to end: a reminder arrives with an inline keyboard, and
tapping it records the check-in; three taps on Skipped in a week give a bridge week, said why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.adapters.telegram_adapter import TelegramAdapter
from bot.core.coach import Coach
from bot.core.reminders import reminder_messages
from bot.plans.model import RUN_KINDS
from bot.storage.async_storage import ExecutorStorage
from bot.storage.repositories import SqlStorage
from tests.adapters.telegram.conftest import Answers
from tests.adapters.telegram.fake_bot_api import FakeBotApi
from tests.support import Clock

ALICE = 1001


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # a Tuesday: plans start Nov 30


@pytest.fixture
def coach(coach_storage: ExecutorStorage, answers: Answers, clock: Clock) -> Coach:
    return Coach(coach_storage, answer=answers, clock=clock)


async def said(fake: FakeBotApi, count: int) -> list[str]:
    await fake.wait_for(lambda: len(fake.to(ALICE, "sendMessage")) >= count)
    return [sent.text for sent in fake.to(ALICE, "sendMessage")]


async def test_reminder_buttons_check_in_and_three_skips_bring_a_bridge_week(
    adapter: TelegramAdapter, fake_api: FakeBotApi, storage: SqlStorage, clock: Clock
) -> None:
    await fake_api.user_says(ALICE, "/plan half 12w 4days weekly=30", name="Alice")
    await fake_api.wait_for(lambda: bool(fake_api.to(ALICE, "sendPhoto")))
    user = storage.find_user("telegram", str(ALICE))
    record = storage.active_plan(user.id)
    runs = [
        date.fromisoformat(d["date"])
        for d in record.plan["weeks"][2]["days"]
        if d["kind"] in RUN_KINDS
    ]
    sent_before = len(fake_api.to(ALICE, "sendMessage"))
    for index, day in enumerate(runs[:3]):
        clock.now = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
        await adapter.send(str(ALICE), reminder_messages(storage.active_plan(user.id), day))
        reminder = fake_api.to(ALICE, "sendMessage")[-1]
        buttons = {b["text"]: b["callback_data"] for row in reminder.buttons for b in row}
        assert set(buttons) == {"Done", "Skipped", "Too hard", "Niggle", "Sick"}
        await fake_api.user_presses(ALICE, buttons["Skipped"], name="Alice")
        texts = await said(fake_api, sent_before + 2 * (index + 1))
        assert texts[-1].startswith(f"Logged for {day:%a %d %b}")
        assert any(a.startswith("answered") for a in fake_api.calls)  # the spinner stops
    assert [c.status for c in storage.checkins(user.id, runs[0])] == ["skipped"] * 3
    assert "bridge week" in texts[-3] and "adapted your plan" in texts[-3]
    assert "bridge week" in texts[-1]
    assert storage.active_plan(user.id).version == 2
