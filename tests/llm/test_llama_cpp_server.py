"""The OpenAI-compatible backend against a real server: llama-cpp-python's own
(``python -m llama_cpp.server``, the ``server`` extra) running the bundled SmolLM2 GGUF, the
shared LLM server of a deployment with several workers (docker-compose.yml).

The fake in test_openai_backend.py pins down each failure; this checks that what a real server
streams (its SSE framing, its chunks, its end) is what the backend and the coach understand.
Answers are kept to a few tokens and the server to one thread, so it stays quick on 2 shared
cores; the deadlines are generous because only whether an answer arrives is under test.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.core.ports import ChatMessage
from bot.llm.llama_cpp_backend import bundled_model_path
from bot.llm.openai_backend import OpenAIBackend
from tests.support import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_NAME = "runcoach"  # the alias the server answers to, as RUNCOACH_LLM_MODEL says
SERVER_MODULES = ("fastapi", "uvicorn", "sse_starlette", "starlette_context")
START_TIMEOUT_S = 90
ANSWER_TIMEOUT_S = 120
CHAT_COMPLETION = '"POST /v1/chat/completions HTTP/1.1" 200'


class LlamaServer:
    """A running ``llama_cpp.server`` process and the log it writes (uvicorn's access log
    included, one line per request)."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def completions_served(self) -> int:
        return self.log.read_text(errors="replace").count(CHAT_COMPLETION)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail(f"llama_cpp.server not ready in {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    missing = [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(
            f"llama-cpp-python's server extra is not installed ({', '.join(missing)} missing): "
            "pip install -e '.[dev]'"
        )
    port = free_port()
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    # --interrupt_requests False, as in docker-compose.yml: by default the server ends the
    # answer it is streaming when another request arrives (an empty answer, then [DONE]), so
    # one worker's question would cut off another's.
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(bundled_model_path()), "--model_alias", MODEL_NAME,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1",
        "--interrupt_requests", "False",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(process, f"http://127.0.0.1:{port}/v1", log)
    try:
        server.wait_until_ready()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_the_backend_streams_an_answer_from_the_real_server(
    llama_server: LlamaServer,
) -> None:
    backend = OpenAIBackend(llama_server.url, model=MODEL_NAME, timeout_s=ANSWER_TIMEOUT_S)
    messages = [
        ChatMessage("system", "You are a running coach. Answer in one short sentence."),
        ChatMessage("user", "What is an easy run?"),
    ]
    try:
        pieces = [p async for p in backend.stream(messages, user="user:1", max_tokens=8)]
    finally:
        await backend.close()
    # Several pieces, as they came (a stream, not one block), that make up some words; the
    # stream ended with [DONE] or the backend would have raised that it ended early.
    assert len(pieces) >= 2
    assert "".join(pieces).strip()


async def test_two_runners_at_once_both_get_their_answer(llama_server: LlamaServer) -> None:
    """Several workers share the one server: a second request waits its turn there rather than
    cutting the first one's answer short."""
    backend = OpenAIBackend(llama_server.url, model=MODEL_NAME, timeout_s=ANSWER_TIMEOUT_S)

    async def ask(user: str, question: str) -> str:
        messages = [ChatMessage("user", question)]
        return "".join([p async for p in backend.stream(messages, user=user, max_tokens=4)])

    try:
        answers = await asyncio.gather(
            ask("user:1", "How far is a marathon?"), ask("user:2", "What is a tempo run?")
        )
    finally:
        await backend.close()
    assert all(answer.strip() for answer in answers), answers


def test_the_coach_drafts_through_the_server_named_by_runcoach_llm_url(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    """`runcoach ask` with RUNCOACH_LLM_URL: the question reaches the server, its streamed
    answer is read without a complaint, and the runner gets an answer (the draft when it
    passes the grounding checks, the vetted note otherwise)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOACH_")}
    env |= {
        "PYTHONPATH": str(REPO_ROOT),
        "RUNCOACH_DATA_DIR": str(tmp_path / "data"),
        "RUNCOACH_CACHE_DIR": os.environ.get("RUNCOACH_CACHE_DIR", str(tmp_path / "cache")),
        "RUNCOACH_LLM_URL": llama_server.url,
        "RUNCOACH_LLM_MODEL": MODEL_NAME,
        "RUNCOACH_LLM_DRAFTS": "on",
        "RUNCOACH_LLM_MAX_TOKENS": "16",
        "RUNCOACH_LLM_TIMEOUT_S": str(ANSWER_TIMEOUT_S),
    }
    before = llama_server.completions_served()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "How should I pace my first half marathon?"],
        env=env, capture_output=True, text=True, timeout=ANSWER_TIMEOUT_S + 60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert llama_server.completions_served() == before + 1
    # The backend turns anything it cannot read into "model unavailable": nothing of the kind.
    assert "model unavailable" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
