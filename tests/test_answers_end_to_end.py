"""A question asked the way a runner asks it, answered by a real model through the whole bot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import app
from bot.core.messages import IncomingMessage
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.settings import Settings
from tests.llm.openai_server import openai_server

TAPER = "how long should I taper before a marathon?"


@pytest.fixture(autouse=True)
def no_runcoach_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("RUNCOACH_") and name != "RUNCOACH_CACHE_DIR":
            monkeypatch.delenv(name)


async def ask(settings: Settings, text: str) -> str:
    async with app.open_runtime(settings) as runtime:
        replies = await runtime.coach.handle(IncomingMessage("console", "kim", text, "Kim"))
    return "\n".join(reply.text for reply in replies)


async def test_the_bundled_model_answers_a_real_question(tmp_path: Path) -> None:
    answer = await ask(Settings(data_dir=tmp_path, llm_threads=2), TAPER)
    assert any(fact in answer for fact in ("2 to 3 week", "2-3 week", "three week"))
    assert "Traceback" not in answer


async def test_answers_flow_through_an_openai_compatible_server(tmp_path: Path) -> None:
    entry = KnowledgeIndex(load_entries()).search(TAPER, 1)[0].entry
    grounded = entry.body.split(". ")[0] + "."
    async with openai_server() as server:
        server.answer = grounded
        answer = await ask(
            Settings(data_dir=tmp_path, llm_url=server.url, llm_model="coach"), TAPER
        )
    assert answer == grounded
    [request] = server.requests
    assert request.body["model"] == "coach" and request.body["stream"] is True
    assert request.body["messages"][-1]["content"].startswith(TAPER)


async def test_a_server_that_is_down_still_leaves_the_runner_answered(tmp_path: Path) -> None:
    async with openai_server() as server:
        server.fail_with(503)
        answer = await ask(Settings(data_dir=tmp_path, llm_url=server.url), TAPER)
    assert any(fact in answer for fact in ("2 to 3 week", "2-3 week", "three week"))
