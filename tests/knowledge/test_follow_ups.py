"""Follow-ups read with the question before them, and new questions read on their own, with
hybrid retrieval (the bundled embedding model) as the bot runs it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.answers import AnswerPipeline
from bot.core.coach import Coach
from bot.core.messages import IncomingMessage
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.storage.async_storage import ExecutorStorage
from tests.support import Clock


def coach_on(storage: ExecutorStorage, hybrid: KnowledgeIndex) -> Coach:
    clock = Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    return Coach(storage, answer=AnswerPipeline(storage, hybrid, None, clock=clock), clock=clock)


async def ask(coach: Coach, text: str, user: str = "alice") -> str:
    replies = await coach.handle(IncomingMessage("console", user, text, display_name=user))
    return "\n".join(reply.text for reply in replies)


def body_of(entry_id: str) -> str:
    return next(entry.body for entry in load_entries() if entry.id == entry_id)


async def test_a_new_question_right_after_another_topic_gets_its_own_answer(
    coach_storage: ExecutorStorage, hybrid: KnowledgeIndex
) -> None:
    coach = coach_on(coach_storage, hybrid)
    assert "threshold" in (await ask(coach, "what are tempo runs good for")).lower()
    fuel = await ask(coach, "how shd i fuel for a half")
    assert body_of("carbs-during-long-runs")[:60] in fuel
    assert "threshold" not in fuel.lower()


async def test_a_bare_follow_up_still_reads_the_question_before_it(
    coach_storage: ExecutorStorage, hybrid: KnowledgeIndex
) -> None:
    coach = coach_on(coach_storage, hybrid)
    gels = body_of("carbs-during-long-runs")[:60]
    assert gels in await ask(coach, "how many gels should i take during a marathon")
    assert gels in await ask(coach, "and how often?")
