"""Check-in buttons on Discord, end to end in simcord: a reminder DM carries buttons whose
custom_id is the core command; clicking records the check-in, and three skips in a week give a
bridge week with a message saying why."""

from __future__ import annotations

from datetime import UTC, date, datetime

from simcord import Env, UserHandle

from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.reminders import reminder_messages
from bot.plans.model import RUN_KINDS
from bot.storage.repositories import SqlStorage
from tests.support import Clock


def bot_texts(runner: UserHandle) -> list[str]:
    return [m.content for m in runner.dm_channel.history() if m.author.bot]


async def test_reminder_buttons_check_in_and_three_skips_bring_a_bridge_week(
    simcord_env: Env, adapter: DiscordAdapter, storage: SqlStorage, clock: Clock
) -> None:
    runner = simcord_env.create_user("hana")
    await runner.send_dm("/plan half 12w 4days weekly=30")
    user = storage.find_user("discord", str(runner.id))
    plan = storage.active_plan(user.id).plan
    runs = [
        date.fromisoformat(d["date"]) for d in plan["weeks"][2]["days"] if d["kind"] in RUN_KINDS
    ]
    answers = []
    for day in runs[:3]:
        clock.now = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
        await adapter.send(str(runner.id), reminder_messages(storage.active_plan(user.id), day))
        reminder = [m for m in runner.dm_channel.history() if m.author.bot][-1]
        assert reminder.content.startswith(f"Today, {day:%A %d %b}")
        result = await runner.click(reminder, label="Skipped")
        answers.append(bot_texts(runner)[-1])
        assert answers[-1].startswith(f"Logged for {day:%a %d %b}"), result
    assert [c.status for c in storage.checkins(user.id, runs[0])] == ["skipped"] * 3
    assert "carry on" in answers[0]
    assert "bridge week" in answers[1] and "adapted your plan" in answers[1]
    assert "bridge week" in answers[2]
    assert storage.active_plan(user.id).version == 2
