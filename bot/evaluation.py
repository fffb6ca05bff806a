"""Scoring answers against the facts a correct answer must contain (``tests/eval``).

Used by ``bench/answer_eval.py`` to compare the raw model with the pipeline, and by the training
workflow's gate, so both judge a model the same way. A question scores the share of its fact
groups that the answer contains (any alternative of a group, as a case-insensitive substring).
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.core.answers import Answer, AnswerPipeline
from bot.core.coach import Coach, utc_now
from bot.core.intents import command_for
from bot.core.messages import IncomingMessage
from bot.core.ports import ChatModel
from bot.knowledge.index import open_index
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine

_DASHES = re.compile("[\u2010-\u2015\u2212]")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    topic: str
    question: str
    facts: tuple[tuple[str, ...], ...]


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=raw["id"],
                    topic=raw["topic"],
                    question=raw["question"],
                    facts=tuple(tuple(group) for group in raw["facts"]),
                )
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{number}: not an eval question ({err})") from None
    return questions


def normalise(text: str) -> str:
    return " ".join(_DASHES.sub("-", text.lower()).split())


def fact_score(answer: str, facts: Iterable[Iterable[str]]) -> float:
    groups = [list(group) for group in facts]
    if not groups:
        return 1.0
    said = normalise(answer)
    found = sum(any(normalise(alt) in said for alt in group) for group in groups)
    return found / len(groups)


@asynccontextmanager
async def coach_answers(
    model: ChatModel, *, max_tokens: int, cache_dir: Path | None = None
) -> AsyncIterator[Callable[[EvalQuestion], Awaitable[Answer]]]:
    """Answers as the coach gives them to a runner who asks first thing (no profile): plan and
    profile requests run as their commands, everything else goes through the answer pipeline,
    on a throwaway database. The bench and the training gate both judge models through this.

    Retrieval is the bot's own (hybrid when the embedding model is installed), with the bot's
    cache directory unless given, so the knowledge base is embedded once for both."""
    cache = cache_dir or Settings().cache_dir
    assert cache is not None  # the settings default it under data_dir
    knowledge = await asyncio.to_thread(open_index, cache)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/eval.db"
            migrate.upgrade(url)
            engine = create_engine(url)
            storage = ExecutorStorage.on(engine)
            pipeline = AnswerPipeline(
                storage, knowledge, model, clock=utc_now, max_tokens=max_tokens
            )
            coach = Coach(storage, answer=pipeline)

            async def answer_of(question: EvalQuestion) -> Answer:
                if command_for(question.question) is None:
                    return await pipeline.answer(None, question.question)
                replies = await coach.handle(
                    IncomingMessage("eval", question.id, question.question)
                )
                return Answer("\n".join(reply.text for reply in replies))

            try:
                yield answer_of
            finally:
                storage.close()
                engine.dispose()
    finally:
        knowledge.close()
