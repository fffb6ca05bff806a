"""Slash-command options become the one line of text the core validates."""

from __future__ import annotations

from bot.adapters.discord_commands import plan_text, question_text, remind_text


def test_plan_options_become_the_chat_command() -> None:
    assert plan_text("10k", 8, 4) == "/plan 10k 8weeks 4days"
    assert (
        plan_text("half marathon", 12, None, 35.0, "10k in 48:30", "sat", "2026-12-07", 14.5, "mi")
        == "/plan half-marathon 12weeks weekly=35 race=10k=48:30 long=sat start=2026-12-07 "
        "longest=14.5 units=mi"
    )


def test_a_value_with_spaces_cannot_spill_into_another_option() -> None:
    text = plan_text("10k", 8, recent_race="5k = 22:00 weekly=200", start="2026 12 07")
    assert text == "/plan 10k 8weeks race=5k=22:00weekly=200 start=20261207"


def test_reminder_options() -> None:
    assert remind_text("06:30", "Europe/Paris") == "/remind 06:30 Europe/Paris"
    assert remind_text(" off ") == "/remind off"


def test_a_question_is_never_taken_for_a_command() -> None:
    assert question_text("/forget confirm") == "forget confirm"
    assert question_text("how fast is easy?") == "how fast is easy?"
