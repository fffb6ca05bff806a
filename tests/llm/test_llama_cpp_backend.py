"""The in-process backend on a tiny random GGUF (fast), and once on the bundled model (real)."""

from __future__ import annotations

import asyncio
import glob
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import gguf
import numpy as np
import pytest

from bot.core.errors import ModelBusy, ModelTimeout, ModelUnavailable
from bot.core.ports import ChatMessage
from bot.llm.llama_cpp_backend import MODEL_NICENESS, LlamaCppBackend, bundled_model_path
from bot.plans.render_pool import RENDER_NICENESS

SYSTEM = "You are a running coach. " * 20


def chat(question: str) -> list[ChatMessage]:
    return [ChatMessage("system", SYSTEM), ChatMessage("user", question)]


async def collect(backend: LlamaCppBackend, question: str, user: str, max_tokens: int = 8) -> str:
    return "".join(
        [p async for p in backend.stream(chat(question), user=user, max_tokens=max_tokens)]
    )


@pytest.fixture
async def tiny(tiny_gguf: Path) -> AsyncIterator[LlamaCppBackend]:
    backend = await LlamaCppBackend.load(
        tiny_gguf, context_tokens=512, threads=1, timeout_s=20, system_prompt=SYSTEM
    )
    yield backend
    await backend.close()


async def test_answers_stream_as_pieces(tiny: LlamaCppBackend) -> None:
    pieces = [p async for p in tiny.stream(chat("hi"), user="a", max_tokens=8)]
    assert len(pieces) >= 2 and all(isinstance(p, str) for p in pieces)


async def test_the_event_loop_keeps_running_while_the_model_works(tiny: LlamaCppBackend) -> None:
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    await collect(tiny, "tell me about tempo runs " * 20, "a", max_tokens=64)
    beating.cancel()
    assert gaps and max(gaps) < 0.25


@pytest.mark.skipif(sys.platform != "linux", reason="threads have priorities of their own on Linux")
async def test_drafting_runs_below_the_event_loops_priority(tiny: LlamaCppBackend) -> None:
    """Every thread the model works on (llama.cpp's own included) yields the CPU to the loop,
    and to the plan drawings: a chart is a tenth of a second's work, a draft seconds."""

    def priorities_while_generating() -> list[int]:
        tiny._llama("tell me about tempo runs", max_tokens=4)
        return [
            int(Path(stat).read_text().rsplit(")", 1)[1].split()[16])  # the nice field
            for stat in glob.glob(f"/proc/{os.getpid()}/task/*/stat")
        ]

    loop = asyncio.get_running_loop()
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    niceness = await loop.run_in_executor(tiny._executor, priorities_while_generating)
    assert sorted(niceness).count(ours + MODEL_NICENESS) >= 2  # the model's thread and llama.cpp's
    assert MODEL_NICENESS > RENDER_NICENESS


async def test_users_take_turns(tiny: LlamaCppBackend) -> None:
    """Three questions from a, then one from b: b is answered second, not fourth."""
    finished: list[str] = []

    async def one(user: str, n: int) -> None:
        await collect(tiny, f"question {n}", user, max_tokens=24)
        finished.append(f"{user}{n}")

    tasks = [asyncio.create_task(one("a", n)) for n in range(3)]
    await asyncio.sleep(0)  # a's three are queued first
    tasks.append(asyncio.create_task(one("b", 0)))
    await asyncio.gather(*tasks)
    assert finished.index("b0") <= 1


async def test_a_slow_answer_times_out(tiny_gguf: Path) -> None:
    backend = await LlamaCppBackend.load(tiny_gguf, context_tokens=512, threads=1, timeout_s=0.05)
    # Greedy: sampled at 0.2, the random tiny model now and then ends its answer in time. Its
    # greedy answer takes 0.23-0.27 s on 2 cores, so the limit is well below that.
    backend._temperature = 0.0
    try:
        started = time.perf_counter()
        with pytest.raises(ModelTimeout):
            await collect(backend, "go on forever " * 50, "a", max_tokens=100_000)
        assert time.perf_counter() - started < 2
        # The abandoned generation stops at its next token, freeing the model's thread, rather
        # than running on towards 100,000 tokens.
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.run_in_executor(backend._executor, lambda: None), 5)
    finally:
        await backend.close()


@contextmanager
def model_held(backend: LlamaCppBackend) -> Iterator[None]:
    """The model's one thread kept busy, as by a long answer, until the block ends."""
    release = threading.Event()
    backend._executor.submit(release.wait)
    try:
        yield
    finally:
        release.set()


@pytest.fixture
async def impatient(tiny_gguf: Path) -> AsyncIterator[LlamaCppBackend]:
    backend = await LlamaCppBackend.load(
        tiny_gguf, context_tokens=512, threads=1, timeout_s=20, busy_wait_s=0.3, queue_max=1
    )
    yield backend
    await backend.close()


async def test_a_question_the_busy_model_cannot_start_soon_is_told_so_not_kept_waiting(
    impatient: LlamaCppBackend,
) -> None:
    with model_held(impatient):
        first = asyncio.create_task(collect(impatient, "first question", "a"))
        await asyncio.sleep(0.05)  # taken by the worker, waiting for the model's thread
        started = time.perf_counter()
        with pytest.raises(ModelBusy, match="RUNCOACH_LLM_BUSY_WAIT_S"):
            await asyncio.wait_for(collect(impatient, "second question", "b"), 5)
        waited = time.perf_counter() - started
    assert 0.2 < waited < 2  # the busy bound, not the 20 s timeout
    assert await asyncio.wait_for(first, 10)  # the question already started still gets its answer
    assert await asyncio.wait_for(collect(impatient, "a later question", "b"), 10)


async def test_a_question_behind_a_full_queue_is_told_busy_at_once(
    impatient: LlamaCppBackend,
) -> None:
    with model_held(impatient):
        first = asyncio.create_task(collect(impatient, "being answered", "a"))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(collect(impatient, "waiting", "b"))  # fills the queue
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        with pytest.raises(ModelBusy, match="RUNCOACH_LLM_QUEUE_MAX"):
            await asyncio.wait_for(collect(impatient, "one too many", "c"), 5)
        assert time.perf_counter() - started < 0.1
        with pytest.raises(ModelBusy):
            await asyncio.wait_for(waiting, 5)
    assert await asyncio.wait_for(first, 10)


async def test_a_prompt_longer_than_the_context_is_trimmed_not_fatal(
    tiny: LlamaCppBackend,
) -> None:
    long_history = [ChatMessage("user", "older turn " * 200), ChatMessage("assistant", "ok " * 200)]
    question = "notes " * 900 + "so what is my question?"
    messages = [ChatMessage("system", SYSTEM), *long_history, ChatMessage("user", question)]
    answer = "".join([p async for p in tiny.stream(messages, user="a", max_tokens=16)])
    assert answer


async def test_the_system_prompt_is_evaluated_once_not_per_question(
    tiny: LlamaCppBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    llama = tiny._llama
    evaluated: list[int] = []
    real_eval = llama.eval

    def counting_eval(tokens: list[int]) -> None:
        evaluated.append(len(tokens))
        real_eval(tokens)

    monkeypatch.setattr(llama, "eval", counting_eval)
    await collect(tiny, "how far is a 10k?", "a", max_tokens=1)
    system_tokens = len(llama.tokenize(SYSTEM.encode(), add_bos=False))
    assert system_tokens > 100
    assert evaluated[0] < 40  # only the question and the template around it


async def test_a_missing_model_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="RUNCOACH_MODEL_PATH"):
        await LlamaCppBackend.load(tmp_path / "nope.gguf")


def write_tiny_adapter(path: Path, *, n_embd: int = 64, rank: int = 4, seed: int = 1) -> Path:
    """A GGUF LoRA adapter on the tiny model's attn_output (llama.cpp's adapter format), random and
    large enough to change what the model says."""
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(rank))
    rng = np.random.default_rng(seed)
    for block in range(2):
        name = f"blk.{block}.attn_output.weight"
        writer.add_tensor(f"{name}.lora_a", rng.normal(0, 1, (rank, n_embd)).astype(np.float32))
        writer.add_tensor(f"{name}.lora_b", rng.normal(0, 1, (n_embd, rank)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def greedy(backend: LlamaCppBackend, text: str) -> str:
    """The model's most likely continuation: no sampling, so only the weights decide it."""
    out = backend._llama.create_completion(text, max_tokens=12, temperature=0)
    return out["choices"][0]["text"]  # type: ignore[index]


async def test_an_adapter_changes_what_the_model_computes(tiny_gguf: Path, tmp_path: Path) -> None:
    adapter = write_tiny_adapter(tmp_path / "adapter.gguf")
    plain = await LlamaCppBackend.load(tiny_gguf, context_tokens=512, threads=1)
    adapted = await LlamaCppBackend.load(
        tiny_gguf, context_tokens=512, threads=1, lora_path=adapter
    )
    try:
        question = "how far is a 10k?"
        assert greedy(plain, question) != greedy(adapted, question)
        assert await collect(adapted, question, "a")  # and it still answers
    finally:
        await plain.close()
        await adapted.close()


async def test_a_missing_or_mismatched_adapter_is_one_clear_error(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    with pytest.raises(ModelUnavailable, match="RUNCOACH_MODEL_ADAPTER_PATH"):
        await LlamaCppBackend.load(tiny_gguf, lora_path=tmp_path / "nope.gguf")
    wrong = write_tiny_adapter(tmp_path / "wide.gguf", n_embd=96)  # another model's shapes
    # llama.cpp itself would log the mismatch, then crash the process on the first answer.
    with pytest.raises(ModelUnavailable, match="does not fit the model's shape"):
        await LlamaCppBackend.load(tiny_gguf, context_tokens=512, threads=1, lora_path=wrong)
    with pytest.raises(ModelUnavailable, match="not a GGUF LoRA adapter"):
        await LlamaCppBackend.load(tiny_gguf, context_tokens=512, threads=1, lora_path=tiny_gguf)


async def test_the_bundled_model_answers_for_real() -> None:
    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    backend = await LlamaCppBackend.load(path, context_tokens=1024, timeout_s=60)
    try:
        answer = await collect(backend, "In one sentence: what is a marathon?", "a", max_tokens=40)
    finally:
        await backend.close()
    assert len(answer.split()) >= 5
    assert any(word in answer.lower() for word in ("race", "run", "42", "26", "mile", "km"))
