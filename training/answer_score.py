"""The answer eval through the bot's own pipeline, for any GGUF: the gate's second judge.

Base and tuned models are scored by exactly the code the bot runs (retrieval, calculators,
grounding checks, fallback to the notes), so "better" means better answers to runners, not
merely a lower loss. ``bench/answer_eval.py`` also scores the raw model; the gate does not need
that, and it halves the time.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.answers import SYSTEM_PROMPT, AnswerPipeline
from bot.core.coach import Coach
from bot.core.intents import command_for
from bot.core.messages import IncomingMessage
from bot.evaluation import EvalQuestion, fact_score
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.llm.llama_cpp_backend import LlamaCppBackend
from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage


@dataclass(frozen=True)
class AnswerScore:
    score: float  # mean fact score, 0 to 1
    drafts_shown: float  # share of answers the model wrote that passed the grounding checks


async def _score(
    gguf: Path,
    questions: list[EvalQuestion],
    *,
    max_tokens: int,
    context_tokens: int,
    threads: int,
    advance: Callable[[], None],
) -> AnswerScore:
    model = await LlamaCppBackend.load(
        gguf,
        context_tokens=context_tokens,
        threads=threads,
        timeout_s=300,
        system_prompt=SYSTEM_PROMPT,
    )
    scores, shown = [], []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/eval.db"
        migrate.upgrade(url)
        engine = create_engine(url)
        storage = SqlStorage(engine)
        pipeline = AnswerPipeline(
            storage,
            KnowledgeIndex(load_entries()),
            model,
            clock=datetime.now,  # type: ignore[arg-type]  # no user: never read
            max_tokens=max_tokens,
        )
        coach = Coach(storage, answer=pipeline)
        for question in questions:
            # As bench/answer_eval.py: plan and profile requests go to their commands.
            if command_for(question.question) is None:
                answer = await pipeline.answer(None, question.question)
                text, from_model = answer.text, answer.from_model
            else:
                replies = await coach.handle(
                    IncomingMessage("eval", question.id, question.question)
                )
                text, from_model = "\n".join(r.text for r in replies), False
            scores.append(fact_score(text, question.facts))
            shown.append(from_model)
            advance()
        engine.dispose()
    await model.close()
    return AnswerScore(statistics.mean(scores), statistics.mean(shown))


def score_gguf(
    gguf: Path,
    questions: list[EvalQuestion],
    *,
    max_tokens: int,
    context_tokens: int,
    threads: int,
    advance: Callable[[], None] = lambda: None,
) -> AnswerScore:
    return asyncio.run(
        _score(
            gguf,
            questions,
            max_tokens=max_tokens,
            context_tokens=context_tokens,
            threads=threads,
            advance=advance,
        )
    )
