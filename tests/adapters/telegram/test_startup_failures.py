"""`runcoach serve` when Telegram cannot start: the real process against a fake Bot API that
refuses the token, fails, never answers or is not there. Each ends in one line that says what
to fix, with a non-zero exit code, and the token appears nowhere, even at DEBUG."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from tests.adapters.telegram.conftest import TOKEN
from tests.adapters.telegram.fake_bot_api import Failure, FakeBotApi

REPO_ROOT = Path(__file__).resolve().parents[3]
ServeFn = Callable[..., Awaitable[tuple[int, list[str]]]]


@pytest.fixture(scope="module")
def cache_dir(embedding_cache: Path) -> Path:
    """Shared, so only the first process builds what the knowledge index caches."""
    return embedding_cache


@pytest.fixture
def serve(tmp_path: Path, cache_dir: Path) -> ServeFn:
    async def run(base_url: str, level: str = "INFO", **settings: str) -> tuple[int, list[str]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOACH_")}
        env |= {
            "PYTHONPATH": str(REPO_ROOT),
            "RUNCOACH_DATA_DIR": str(tmp_path / "data"),
            "RUNCOACH_CACHE_DIR": str(cache_dir),
            "RUNCOACH_TELEGRAM_TOKEN": TOKEN,
            "RUNCOACH_TELEGRAM_BASE_URL": base_url,
            "RUNCOACH_LOG_LEVEL": level,
            # Nothing to load: the bundled model would only slow the process down.
            "RUNCOACH_LLM_URL": "http://127.0.0.1:9/v1",
            **{f"RUNCOACH_{name.upper()}": value for name, value in settings.items()},
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return process.returncode, output.decode(errors="replace").splitlines()

    return run


@pytest.fixture
async def failing_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi(TOKEN)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    fake.base_url = f"http://{host}:{port}/bot"
    yield fake
    await fake.close()
    await runner.cleanup()


@pytest.fixture
async def silent_api() -> AsyncIterator[str]:
    """Accepts connections and reads requests, but never answers one."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/bot"
    for writer in held:
        writer.close()
    server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_line_ending(code: int, lines: list[str], *fragments: str) -> None:
    """Log lines may come before it (at DEBUG, many); the verdict is the last line alone."""
    assert code != 0
    assert all(TOKEN not in line for line in lines)
    assert "Traceback" not in "\n".join(lines)
    assert [line for line in lines if line.startswith("runcoach: ")] == lines[-1:]
    assert all(fragment in lines[-1] for fragment in fragments), lines[-1]


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_refused_token(serve: ServeFn, failing_api: FakeBotApi, level: str) -> None:
    failing_api.fail_next("getMe", 0, Failure(401, "Unauthorized"))
    code, lines = await serve(failing_api.base_url, level)
    one_line_ending(code, lines, "RUNCOACH_TELEGRAM_TOKEN", "@BotFather")
    assert code == 2  # a configuration problem, like every bad setting


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_failing_bot_api(serve: ServeFn, failing_api: FakeBotApi, level: str) -> None:
    failing_api.fail_next("getMe", 0, Failure(500, "Internal Server Error"))
    code, lines = await serve(failing_api.base_url, level)
    one_line_ending(code, lines, "Internal Server Error", "try again later")


async def test_a_bot_api_that_never_answers(serve: ServeFn, silent_api: str) -> None:
    code, lines = await serve(silent_api, "DEBUG")
    one_line_ending(code, lines, "did not answer in time", "RUNCOACH_TELEGRAM_BASE_URL")


async def test_no_bot_api_at_all(serve: ServeFn) -> None:
    code, lines = await serve(f"http://127.0.0.1:{closed_port()}/bot")
    one_line_ending(code, lines, "cannot reach", "connection refused", "check the network")


async def test_a_bot_api_url_with_an_impossible_port(serve: ServeFn) -> None:
    code, lines = await serve("http://127.0.0.1:99999/bot")
    one_line_ending(code, lines, "RUNCOACH_TELEGRAM_BASE_URL")
