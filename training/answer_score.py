"""The answer eval through the bot's own pipeline, for any GGUF: the gate's second judge.

Base and tuned models are scored by exactly the code the bot runs (retrieval, calculators,
grounding checks, fallback to the notes), so "better" means better answers to runners, not
merely a lower loss. ``bench/answer_eval.py`` also scores the raw model; the gate does not need
that, and it halves the time.

Two scores come out, because the pipeline hides a weak model on purpose. ``pipeline_score`` is
what runners read: a draft that fails the grounding checks is replaced by the vetted entry, so
the bundled model and a much better one score almost alike there (0.96 with 2 drafts of 113
shown). ``model_score`` is what the model itself contributes: over the questions the pipeline
put to it, the fact score of its draft when the checks let it through, and 0 when they did not
(the runner got the entry instead). The gate wants the tuned model to win on ``model_score``
without losing any ``pipeline_score``.

The conversational eval (``bot.eval_conversations``) asks the cases that reach the model
(knowledge questions, follow-ups after earlier turns, out-of-scope and red-flag messages) as a
runner with a stored plan would, model drafting on: what runners read in a conversation.

Any model can be scored with a GGUF LoRA adapter beside it (``lora``): that is what ships.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.answers import SYSTEM_PROMPT
from bot.core.ports import ChatMessage, ChatModel
from bot.eval_conversations import Case, conversation_runner
from bot.evaluation import EvalQuestion, coach_answers, fact_score
from bot.knowledge.index import open_index
from bot.llm.llama_cpp_backend import LlamaCppBackend
from bot.settings import Settings

# The conversational cases whose reply can come from the model; plans, calculators, small talk
# and statements are answered without it, alike for any model.
MODEL_KINDS = frozenset({"knowledge", "followup", "out-of-scope", "red-flag"})


@dataclass(frozen=True)
class AnswerScore:
    model_score: float  # mean fact score of the model's shown drafts over the questions it got
    pipeline_score: float  # mean fact score of what the runner reads, fallback included
    drafts_shown: float  # share of the questions it got whose draft passed the checks
    asked: int  # questions the pipeline put to the model (not calculators or commands)


class _AskedModel:
    """The model, counting the questions it is asked: calculators and commands never ask it,
    so they say nothing about one model against another."""

    def __init__(self, model: ChatModel) -> None:
        self._model = model
        self.asked = 0

    def stream(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> AsyncGenerator[str, None]:
        self.asked += 1
        return self._model.stream(messages, user=user, max_tokens=max_tokens)

    async def close(self) -> None:
        await self._model.close()


@dataclass(frozen=True)
class ConversationScore:
    score: float  # mean fact score of the replies, as runners read them
    wrong: float  # share of confidently wrong replies
    cases: int


def summarise(rows: Sequence[tuple[bool, bool, float]]) -> AnswerScore:
    """``rows``: (the model was asked, its draft was shown, the fact score of the answer)."""
    asked = [(shown, score) for was_asked, shown, score in rows if was_asked]
    return AnswerScore(
        model_score=statistics.mean(score if shown else 0.0 for shown, score in asked)
        if asked
        else 0.0,
        pipeline_score=statistics.mean(score for *_, score in rows) if rows else 0.0,
        drafts_shown=statistics.mean(shown for shown, _ in asked) if asked else 0.0,
        asked=len(asked),
    )


async def _load(
    gguf: Path, lora: Path | None, *, context_tokens: int, threads: int
) -> LlamaCppBackend:
    return await LlamaCppBackend.load(
        gguf,
        context_tokens=context_tokens,
        threads=threads,
        timeout_s=300,
        system_prompt=SYSTEM_PROMPT,
        lora_path=lora,
    )


async def _score(
    gguf: Path,
    questions: list[EvalQuestion],
    *,
    max_tokens: int,
    context_tokens: int,
    threads: int,
    advance: Callable[[], None],
    lora: Path | None = None,
) -> AnswerScore:
    model = _AskedModel(await _load(gguf, lora, context_tokens=context_tokens, threads=threads))
    rows = []
    async with coach_answers(model, max_tokens=max_tokens) as answer_of:
        for question in questions:
            before = model.asked
            answer = await answer_of(question)
            rows.append(
                (model.asked > before, answer.from_model, fact_score(answer.text, question.facts))
            )
            advance()
    await model.close()
    return summarise(rows)


def score_gguf(
    gguf: Path,
    questions: list[EvalQuestion],
    *,
    max_tokens: int,
    context_tokens: int,
    threads: int,
    advance: Callable[[], None] = lambda: None,
    lora: Path | None = None,
) -> AnswerScore:
    return asyncio.run(
        _score(
            gguf,
            questions,
            max_tokens=max_tokens,
            context_tokens=context_tokens,
            threads=threads,
            advance=advance,
            lora=lora,
        )
    )


async def _conversations(
    gguf: Path,
    cases: list[Case],
    *,
    lora: Path | None,
    max_tokens: int,
    context_tokens: int,
    threads: int,
    advance: Callable[[], None],
) -> ConversationScore:
    cache = Settings().cache_dir
    assert cache is not None  # the settings default it under data_dir
    index = await asyncio.to_thread(open_index, cache)
    model = await _load(gguf, lora, context_tokens=context_tokens, threads=threads)
    results = []
    try:
        async with conversation_runner(model, index, max_tokens=max_tokens) as run:
            for case in cases:
                results.append(await run(case))
                advance()
    finally:
        await model.close()
        index.close()
    return ConversationScore(
        statistics.mean(r.score for r in results) if results else 0.0,
        sum(r.wrong for r in results) / len(results) if results else 0.0,
        len(results),
    )


def score_conversations(
    gguf: Path,
    cases: list[Case],
    *,
    max_tokens: int,
    context_tokens: int,
    threads: int,
    lora: Path | None = None,
    advance: Callable[[], None] = lambda: None,
) -> ConversationScore:
    """Conversational ``cases`` (those of ``MODEL_KINDS`` judge a model) through the whole
    coach, with ``gguf`` (and ``lora``) drafting."""
    return asyncio.run(
        _conversations(
            gguf,
            cases,
            lora=lora,
            max_tokens=max_tokens,
            context_tokens=context_tokens,
            threads=threads,
            advance=advance,
        )
    )
