"""Plain-words requests reach the right command, and ordinary questions never get hijacked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.commands import Invocation
from bot.core.features.plan import PlanArgs
from bot.core.features.remind import RemindArgs
from bot.core.intents import command_for

EVAL = Path(__file__).parents[1] / "eval" / "questions.jsonl"


@pytest.mark.parametrize(
    ("text", "args"),
    [
        (
            "can you make me a 10k plan for 8 weeks, 4 days a week",
            PlanArgs(distance="10k", weeks="8", days="4"),
        ),
        ("I want to train for a marathon in 16 weeks", PlanArgs(distance="marathon", weeks="16")),
        # no weeks: the plan handler then asks for them
        ("build me a half marathon plan", PlanArgs(distance="half")),
        (
            "Please give me a 12 week plan for a half, five days a week",
            PlanArgs(distance="half", weeks="12", days="5"),
        ),
        (
            "I need a 5k training plan, 6 weeks, I run 20 km a week",
            PlanArgs(distance="5k", weeks="6", weekly_km="20"),
        ),
        (
            "I need a 10k plan for 8 weeks, I run 15 miles a week",
            PlanArgs(distance="10k", weeks="8", weekly_km="15mi"),
        ),
        ("can you make me a 6 week marathon plan", PlanArgs(distance="marathon", weeks="6")),
        ("I'm training for a half in three months", PlanArgs(distance="half", weeks="13")),
    ],
)
def test_plan_requests_become_plan_arguments(text: str, args: PlanArgs) -> None:
    assert command_for(text) == Invocation("plan", args)


@pytest.mark.parametrize(
    ("text", "invocation"),
    [
        ("I run 30 km a week, 4 days", Invocation("profile", "I run 30 km a week, 4 days")),
        ("my long run is on saturday", Invocation("profile", "my long run is on saturday")),
        (
            "I ran a 10k in 48:30 last month",
            Invocation("profile", "I ran a 10k in 48:30 last month"),
        ),
        ("what's my workout today", Invocation("today")),
        ("today's workout?", Invocation("today")),
        ("hey coach, what do I run today", Invocation("today")),
        ("show me this week", Invocation("week")),
        ("what's on this week?", Invocation("week")),
        ("show me week 3", Invocation("week", "3")),
        ("remind me at 6:30", Invocation("remind", RemindArgs("06:30"))),
        ("remind me every day at 7am", Invocation("remind", RemindArgs("07:00"))),
        (
            "Remind me at 6:15 pm Europe/Paris",
            Invocation("remind", RemindArgs("18:15", "Europe/Paris")),
        ),
        ("stop the reminders", Invocation("remind", RemindArgs("off"))),
    ],
)
def test_plain_words_commands(text: str, invocation: Invocation) -> None:
    assert command_for(text) == invocation


ORDINARY_QUESTIONS = [
    "how long should my long run be for a marathon?",
    "is 30 km a week enough for a half?",
    "how many weeks do I need to train for a marathon",
    "what's a good 10k time for a beginner",
    "should I run today if my legs are sore",
    "what should I eat before a long run?",
    "I run 30 km a week, is that enough for a marathon?",
    "I run 3 times a week but my knees hurt after",
    "do I need a training plan for my first 5k?",
    "how do I pace a half marathon",
    "what pace should my easy runs be",
    "how long is the longest run in a marathon plan",
    "can I run a marathon in 8 weeks",
    "is it bad to run every day",
    "why does my heart rate drift on long runs",
    "what are strides",
    "I want to move my marathon plan long run to saturday",
    "my plan says tempo today but I'm tired, should I skip it",
    "remind me what a tempo run is",
    "remind me to stretch after runs",
    "what is a good weekly mileage for a half marathon",
    "I ran a 5k in 25:00, what 10k can I run?",
    "how many days a week should I run for a 10k",
    "when should I replace my shoes",
    "I'm training for a marathon, how many gels do I need?",
    "what's the difference between tempo and threshold",
    "how do I get faster at 5k",
    "is 4 days a week enough to train for a half",
    "what time should I run in the morning",
    "how do I avoid shin splints",
    "my calf hurts when I run, what should I do",
    "can you explain what vdot means",
    "what does this week look like in a typical marathon plan?",
    "should I do my long run this week if I have a race next week",
]


@pytest.mark.parametrize("question", ORDINARY_QUESTIONS)
def test_ordinary_questions_are_not_commands(question: str) -> None:
    assert command_for(question) is None


def test_eval_questions_stay_questions() -> None:
    """Only the eval's plan request may turn into a command; every other line is a question."""
    items = [json.loads(line) for line in EVAL.read_text().splitlines() if line.strip()]
    routed = {i["id"]: command_for(i["question"]) for i in items if command_for(i["question"])}
    plan = Invocation("plan", PlanArgs(distance="marathon", weeks="6"))
    assert routed == {"plan-min-weeks-marathon": plan}
