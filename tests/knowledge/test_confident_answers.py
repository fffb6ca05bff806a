"""How sure the coach is, on the real hybrid index: a question it has no notes on is refused
and leaves nothing stored, emergency entries answer only red flags, and a short follow-up is
read with the question before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.core.answers import NO_NOTES, UNSURE_TAIL, AnswerPipeline
from bot.core.coach import Coach
from bot.core.messages import IncomingMessage
from bot.knowledge.index import KnowledgeIndex
from bot.storage.async_storage import ExecutorStorage
from tests.support import Clock, row_counts


@pytest.fixture
def coach(coach_storage: ExecutorStorage, hybrid: KnowledgeIndex) -> Coach:
    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    answers = AnswerPipeline(coach_storage, hybrid, None, clock=clock)
    return Coach(coach_storage, answer=answers, clock=clock)


async def ask(coach: Coach, text: str) -> str:
    replies = await coach.handle(IncomingMessage("console", "ana", text, display_name="Ana"))
    return "\n".join(reply.text for reply in replies)


@pytest.mark.parametrize(
    "question",
    ["what's the capital of peru?", "recommend me a film for tonight", "tell me a joke"],
)
async def test_a_question_off_every_topic_is_refused_and_nothing_is_kept(
    coach: Coach, engine: Engine, question: str
) -> None:
    before = row_counts(engine)
    assert await ask(coach, question) == NO_NOTES
    assert row_counts(engine) == before


async def test_a_loose_match_names_the_closest_topics_instead_of_guessing(coach: Coach) -> None:
    reply = await ask(coach, "what time is it")
    assert reply.endswith(UNSURE_TAIL) or reply == NO_NOTES


async def test_everyday_breathlessness_does_not_lead_with_emergency_advice(coach: Coach) -> None:
    reply = await ask(coach, "i get puffed out on all my runs, is that normal for a newbie?")
    assert "emergency" not in reply.lower() and "112" not in reply


async def test_a_real_red_flag_gets_the_emergency_entry_alone(coach: Coach) -> None:
    reply = await ask(coach, "my calf is swollen, red and hot since the flight, can i run on it?")
    assert reply.startswith("Safety first") and "Also," not in reply


async def test_a_short_follow_up_is_read_with_the_question_before_it(coach: Coach) -> None:
    await ask(coach, "should i do strides after easy runs?")
    reply = await ask(coach, "how often?")
    assert "strides" in reply.lower()
