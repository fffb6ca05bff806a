"""The answer pipeline with a scripted model: what a runner gets back, and what the model sees."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.core.answers import NO_NOTES, SYSTEM_PROMPT, AnswerPipeline
from bot.core.coach import Coach
from bot.core.errors import ModelTimeout, ModelUnavailable
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.core.ports import ChatMessage, Storage
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.llm.fake import FakeModel
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from tests.support import Clock

TAPER_QUESTION = "how long should i taper before my marathon?"


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeIndex:
    return KnowledgeIndex(load_entries())


def pipeline_and_coach(
    storage: Storage, knowledge: KnowledgeIndex, model: FakeModel, clock: Clock
) -> tuple[AnswerPipeline, Coach]:
    pipeline = AnswerPipeline(storage, knowledge, model, clock=clock)
    return pipeline, Coach(storage, answer=pipeline, clock=clock)


async def ask(coach: Coach, text: str, user: str = "alice") -> list[OutgoingMessage]:
    return await coach.handle(IncomingMessage("console", user, text, display_name=user))


def text_of(replies: list[OutgoingMessage]) -> str:
    return "\n".join(reply.text for reply in replies)


def notes_in(messages: list[ChatMessage]) -> str:
    return messages[-1].content


def taper_entry_body(knowledge: KnowledgeIndex) -> str:
    return knowledge.search(TAPER_QUESTION, 1)[0].entry.body


async def test_a_grounded_model_answer_is_shown(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    body = taper_entry_body(knowledge)
    first_sentence = body.split(". ")[0] + "."
    model = FakeModel(first_sentence)
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    answer = text_of(await ask(coach, TAPER_QUESTION))
    assert answer == first_sentence
    messages = model.calls[0]
    assert messages[0] == ChatMessage("system", SYSTEM_PROMPT)
    assert TAPER_QUESTION in notes_in(messages) and body in notes_in(messages)


async def test_a_close_runner_up_entry_still_follows_a_shown_draft(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    # The best match is about choosing shoes; the runner-up, close behind, is the one with the
    # 500-800 km the runner asked for. A draft from the best entry must not hide it.
    question = "how many km before i should buy new running shoes"
    best, runner_up = (hit.entry for hit in knowledge.search(question, 2))
    first_sentence = best.body.split(". ")[0] + "."
    _, coach = pipeline_and_coach(coach_storage, knowledge, FakeModel(first_sentence), clock)
    answer = text_of(await ask(coach, question))
    assert answer.startswith(first_sentence)
    assert "500-800 km" in answer and answer.endswith(runner_up.body)


@pytest.mark.parametrize(
    "made_up",
    [
        "Taper for 7 weeks and run 150 km in race week.",  # numbers not in the notes
        "taper taper taper taper taper taper taper taper taper taper taper taper",  # a loop
        "Coach's notes: - Taper for 2 to 3 weeks.",  # the prompt echoed back
        "Yes.",  # too short to be an answer
        "Bananas improve quantum marathon sprockets beautifully across distant galaxies.",
        "How long should I taper before my marathon? You should taper before your marathon.",
    ],
)
async def test_an_ungrounded_model_answer_is_replaced_by_the_vetted_entry(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock, made_up: str
) -> None:
    _, coach = pipeline_and_coach(coach_storage, knowledge, FakeModel(made_up), clock)
    answer = text_of(await ask(coach, TAPER_QUESTION))
    assert answer == taper_entry_body(knowledge)


async def test_a_draft_that_bends_the_notes_in_its_own_words_is_not_shown(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    body = taper_entry_body(knowledge)
    faithful = body.split(". ")[0] + "."
    model = FakeModel(f"{faithful} Then you can simply skip your taper runs if the legs feel ok.")
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    assert text_of(await ask(coach, TAPER_QUESTION)) == body


@pytest.mark.parametrize("error", [ModelTimeout("slow"), ModelUnavailable("gone")])
async def test_a_failing_model_still_gets_the_runner_an_answer(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock, error: Exception
) -> None:
    _, coach = pipeline_and_coach(coach_storage, knowledge, FakeModel(error=error), clock)  # type: ignore[arg-type]
    assert text_of(await ask(coach, TAPER_QUESTION)) == taper_entry_body(knowledge)


async def test_numeric_questions_are_calculated_not_generated(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    model = FakeModel("It is 9:99 per mile.")
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    assert "8:03" in text_of(await ask(coach, "what is 5:00/km in min per mile?"))
    assert model.calls == []


async def test_red_flags_get_safety_advice_before_anything_else(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    _, coach = pipeline_and_coach(coach_storage, knowledge, FakeModel(""), clock)
    answer = text_of(await ask(coach, "I felt chest pain on my run today, can I race on Sunday?"))
    first_line = answer.splitlines()[0]
    assert first_line.startswith("Safety first") and "Stop running" in first_line
    assert "emergency" in first_line and "doctor" in first_line


async def test_no_matching_notes_means_no_guess(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    model = FakeModel("Paris is the capital.")
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    assert text_of(await ask(coach, "qwzx plomb?")) == NO_NOTES
    assert model.calls == []


async def test_sources_name_the_entries_of_the_last_answer_per_user(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    _, coach = pipeline_and_coach(coach_storage, knowledge, FakeModel("no"), clock)
    assert "ask me one first" in text_of(await ask(coach, "sources?"))
    await ask(coach, TAPER_QUESTION)
    sources = text_of(await ask(coach, "sources?"))
    entry = knowledge.search(TAPER_QUESTION, 1)[0].entry
    assert entry.title in sources and entry.source in sources
    assert "ask me one first" in text_of(await ask(coach, "Sources", user="bob"))


async def test_another_worker_on_the_same_database_answers_sources(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock, db_url: str
) -> None:
    _, first = pipeline_and_coach(coach_storage, knowledge, FakeModel("no"), clock)
    await ask(first, TAPER_QUESTION)
    engine = create_engine(db_url)  # the second worker's own connections
    try:
        with ExecutorStorage(SqlStorage(engine, clock=clock), threads=1) as storage:
            _, second = pipeline_and_coach(storage, knowledge, FakeModel("no"), clock)
            sources = text_of(await ask(second, "what are your sources?"))
    finally:
        engine.dispose()
    entry = knowledge.search(TAPER_QUESTION, 1)[0].entry
    assert sources.startswith("My last answer came from")
    assert entry.title in sources and entry.source in sources


async def test_the_model_sees_recent_turns_the_profile_and_todays_workout(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    model = FakeModel("")
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    await ask(coach, "/profile weekly=35 days=4 goal=sub_50_10k")
    await ask(coach, "/plan 10k 8weeks")  # starts next Monday
    clock.advance(days=7)
    await ask(coach, "what should I eat before a long run?")
    await ask(coach, "and how much should I drink?")
    last = model.calls[-1]
    history = [message.content for message in last[1:-1]]
    assert history[0] == "what should I eat before a long run?"
    assert last[-1].content.startswith("and how much should I drink?")
    assert "runs 35 km a week" in last[-1].content and "goal: sub 50 10k" in last[-1].content
    assert "Today's workout in their plan:" in last[-1].content


async def test_memory_is_kept_per_user(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock
) -> None:
    model = FakeModel("")
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    await ask(coach, "what should I eat before a long run?", user="alice")
    await ask(coach, "how do I avoid blisters?", user="bob")
    bob_prompt = " ".join(message.content for message in model.calls[-1])
    assert "eat before a long run" not in bob_prompt


async def test_a_plan_asked_for_in_plain_words_is_built(
    coach_storage: ExecutorStorage, knowledge: KnowledgeIndex, clock: Clock, engine: Engine
) -> None:
    model = FakeModel("")
    _, coach = pipeline_and_coach(coach_storage, knowledge, model, clock)
    replies = await ask(coach, "can you make me a 10k plan for 8 weeks?")
    assert replies[0].text.startswith("10K plan: 8 weeks")
    assert {reply.file.filename.rsplit(".", 1)[1] for reply in replies if reply.file} == {
        "ics",
        "png",
    }
    assert model.calls == []
