"""A runner who asks while the model is busy with others gets the vetted answer at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from bot.core.answers import AnswerPipeline
from bot.core.ports import Storage
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.llm.llama_cpp_backend import LlamaCppBackend
from tests.llm.test_llama_cpp_backend import collect, model_held

QUESTION = "how long should i taper before my marathon?"
BUSY_WAIT_S = 0.5


@pytest.fixture
async def backend(tiny_gguf: Path) -> AsyncIterator[LlamaCppBackend]:
    backend = await LlamaCppBackend.load(
        tiny_gguf, context_tokens=512, threads=1, timeout_s=30, busy_wait_s=BUSY_WAIT_S
    )
    yield backend
    await backend.close()


async def test_a_question_asked_while_the_model_is_busy_gets_the_notes_within_the_bound(
    backend: LlamaCppBackend,
) -> None:
    knowledge = KnowledgeIndex(load_entries())
    # An anonymous asker: the pipeline reads no storage for them.
    pipeline = AnswerPipeline(
        cast(Storage, None), knowledge, backend, clock=lambda: datetime.now(UTC)
    )
    with model_held(backend):
        other = asyncio.create_task(collect(backend, "someone else's question", "user:1"))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        answer = await asyncio.wait_for(pipeline.answer(None, QUESTION), 10)
        waited = time.perf_counter() - started
    assert not answer.from_model
    assert answer.text == knowledge.search(QUESTION, 1)[0].entry.body
    assert waited < BUSY_WAIT_S + 2  # not the 30 s model timeout
    await asyncio.wait_for(other, 10)
