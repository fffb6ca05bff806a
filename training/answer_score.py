"""The answer eval through the bot's own pipeline, for any GGUF: the gate's second judge.

Base and tuned models are scored by exactly the code the bot runs (retrieval, calculators,
grounding checks, fallback to the notes), so "better" means better answers to runners, not
merely a lower loss. ``bench/answer_eval.py`` also scores the raw model; the gate does not need
that, and it halves the time.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.answers import SYSTEM_PROMPT
from bot.evaluation import EvalQuestion, coach_answers, fact_score
from bot.llm.llama_cpp_backend import LlamaCppBackend


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
    async with coach_answers(model, max_tokens=max_tokens) as answer_of:
        for question in questions:
            answer = await answer_of(question)
            scores.append(fact_score(answer.text, question.facts))
            shown.append(answer.from_model)
            advance()
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
