"""The real PTB Application against a local fake Bot API, on a real migrated SQLite file.

Every test here also checks, on the way out, that nothing logged at any level (pytest's capture
and a plain root handler alike) contains the bot token.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from bot import log_redaction
from bot.adapters.telegram_adapter import TelegramAdapter
from bot.app import configure_logging
from bot.core.coach import Coach
from bot.core.ports import Asker
from bot.settings import Settings
from bot.storage.async_storage import ExecutorStorage
from tests.adapters.telegram.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAF-fake-telegram-token-for-tests"


class Answers:
    """The answer pipeline, faked: echoes the question; '#slow' waits, '#long' is 6000 chars."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def __call__(self, asker: Asker | None, text: str) -> str:
        """``asker`` None: a test asking what the pipeline would answer, on no one's behalf."""
        if "#slow" in text:
            await self.release.wait()
        if "#long" in text:
            return "\n".join(f"Line {n:03d}: " + "x" * 50 for n in range(100))
        return f"Answer to: {text}"


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """A plain handler on the root logger, like the one ``runcoach serve`` logs through."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog: pytest.LogCaptureFixture, root_log: io.StringIO) -> Iterator[None]:
    configure_logging(Settings(telegram_token=TOKEN))
    caplog.set_level(logging.DEBUG)
    # Even the loggers that print request URLs, at their most verbose.
    for name in ("httpx", "httpcore", "telegram", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    log_redaction.install([])
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    formatter = logging.Formatter("%(message)s")
    assert all(TOKEN not in formatter.format(record) for record in records)
    assert TOKEN not in root_log.getvalue()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
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
def answers() -> Answers:
    return Answers()


@pytest.fixture
def coach(coach_storage: ExecutorStorage, answers: Answers) -> Coach:
    return Coach(coach_storage, answer=answers)


@pytest.fixture
async def adapter(coach: Coach, fake_api: FakeBotApi) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(
        coach, token=TOKEN, base_url=fake_api.base_url, max_retries=2, typing_refresh_s=0.05
    )
    await adapter.start()
    yield adapter
    await adapter.stop()
