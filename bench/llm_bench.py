"""Model latency and throughput on this machine, with the context the pipeline really sends.

Targets (issue 4), on 2 cores with the bundled SmolLM2-135M:
- time to first token p50 under 1 s, the system prompt's KV state reused (compared with the
  same prompts evaluated from scratch);
- tokens per second within 5% of plain llama-cpp-python on the same prompt;
- 20 users asking at once: answer latency p50/p95, while `/today` and `/plan` stay under 100 ms.
Run with `.venv/bin/python bench/llm_bench.py`; record the figures in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

from llama_cpp import Llama
from llama_cpp.llama_types import CreateChatCompletionStreamResponse

from bot.core.answers import SYSTEM_PROMPT, AnswerPipeline
from bot.core.coach import Coach, utc_now
from bot.core.messages import IncomingMessage
from bot.core.ports import ChatMessage
from bot.evaluation import load_questions
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.llm.llama_cpp_backend import LlamaCppBackend, bundled_model_path
from bot.storage import migrate
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "eval" / "questions.jsonl"


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def first_token_and_rate(
    backend: LlamaCppBackend, messages: list[ChatMessage], max_tokens: int
) -> tuple[float, float]:
    started = time.perf_counter()
    first = 0.0
    count = 0
    async for _ in backend.stream(messages, user="bench", max_tokens=max_tokens):
        count += 1
        if count == 1:
            first = time.perf_counter() - started
    rate = (count - 1) / (time.perf_counter() - started - first) if count > 1 else 0.0
    return first, rate


def plain_rate(llama: Llama, messages: list[ChatMessage], max_tokens: int) -> float:
    """Plain llama-cpp-python: the same prompt, the same sampling, no queue, no thread."""
    streamed = llama.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
        max_tokens=max_tokens,
        temperature=0.2,
        repeat_penalty=1.15,
        stream=True,
    )
    # llama-cpp-python types the result as streamed or not, whatever ``stream`` says.
    chunks = cast(Iterator[CreateChatCompletionStreamResponse], streamed)
    started = time.perf_counter()
    first = 0.0
    count = 0
    for chunk in chunks:
        if chunk["choices"][0]["delta"].get("content"):
            count += 1
            if count == 1:
                first = time.perf_counter() - started
    return (count - 1) / (time.perf_counter() - started - first) if count > 1 else 0.0


async def main_async(args: argparse.Namespace) -> None:
    threads = args.threads or os.cpu_count() or 1
    questions = [q.question for q in load_questions(QUESTIONS)][: args.questions]
    knowledge = KnowledgeIndex(load_entries())
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/bench.db"
    migrate.upgrade(url)
    storage = ExecutorStorage.on(create_engine(url))
    backend = await LlamaCppBackend.load(
        args.model, threads=threads, timeout_s=600, system_prompt=SYSTEM_PROMPT
    )
    pipeline = AnswerPipeline(storage, knowledge, backend, clock=utc_now)
    prompts = [
        await pipeline.messages_for(None, q, [knowledge.search(q)[0].entry]) for q in questions
    ]
    print(
        f"{threads} threads, {len(prompts)} real pipeline prompts, model {args.model or 'bundled'}"
    )

    # 1. Time to first token, system prompt reused vs evaluated every time.
    warm = [(await first_token_and_rate(backend, m, 1))[0] for m in prompts]
    cold = []
    for messages in prompts:
        backend._llama.reset()  # forget every cached token: what a cache-less server would pay
        cold.append((await first_token_and_rate(backend, messages, 1))[0])
    tokens = [len(backend._llama.tokenize(m[-1].content.encode())) for m in prompts]
    print(
        f"prompt tokens (question + notes) median {statistics.median(tokens):.0f}; time to first "
        f"token p50 {statistics.median(warm):.2f} s (p95 {pct(warm, 0.95):.2f}) with the system "
        f"prompt reused, {statistics.median(cold):.2f} s (p95 {pct(cold, 0.95):.2f}) without"
    )

    # 2. Generation speed against plain llama-cpp-python on the same prompt.
    plain = Llama(
        model_path=str(args.model or bundled_model_path()),
        n_ctx=2048,
        n_threads=threads,
        verbose=False,
    )
    ours_rates, plain_rates = [], []
    for messages in prompts[: args.rate_prompts]:
        ours_rates.append((await first_token_and_rate(backend, messages, args.max_tokens))[1])
        plain_rates.append(plain_rate(plain, messages, args.max_tokens))
    plain.close()
    ours, theirs = statistics.median(ours_rates), statistics.median(plain_rates)
    print(
        f"tokens/s median: runcoach backend {ours:.1f}, plain llama-cpp-python {theirs:.1f} "
        f"({ours / theirs - 1:+.1%})"
    )

    # 3. Twenty users at once, while others use commands.
    coach = Coach(storage, answer=pipeline)
    await coach.handle(IncomingMessage("bench", "planner", "/plan 10k 8weeks"))
    command_ms: dict[str, list[float]] = {"/today": [], "/plan": []}
    answering = True

    async def commands() -> None:
        while answering:
            for command, times in command_ms.items():
                started = time.perf_counter()
                await coach.handle(IncomingMessage("bench", "planner", command))
                times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)

    async def one(n: int) -> float:
        started = time.perf_counter()
        await coach.handle(IncomingMessage("bench", f"user{n}", questions[n % len(questions)]))
        return time.perf_counter() - started

    background = asyncio.create_task(commands())
    latencies = await asyncio.gather(*(one(n) for n in range(args.users)))
    answering = False
    await background
    print(
        f"{args.users} users at once: answer latency p50 {statistics.median(latencies):.1f} s, "
        f"p95 {pct(latencies, 0.95):.1f} s"
    )
    for command, times in command_ms.items():
        print(
            f"  meanwhile {command}: p50 {statistics.median(times):.1f} ms, p95 "
            f"{pct(times, 0.95):.1f} ms, max {max(times):.1f} ms over {len(times)} calls"
        )
    await backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a GGUF (default: bundled)")
    parser.add_argument("--threads", type=int, default=0, help="0: every core")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--rate-prompts", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--users", type=int, default=20)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
