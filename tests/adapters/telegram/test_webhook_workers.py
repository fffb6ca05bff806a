"""Two real `runcoach serve` workers in Telegram webhook mode, on one PostgreSQL database, behind
a round-robin proxy: a runner's conversation works whichever worker gets each update.

This is the deployment of docker-compose.yml in small: both workers register the same public
webhook URL and secret (the ingress's), the proxy alternates between their webhook ports, and
the test plays Telegram, posting each update to the proxy and reading the replies from a fake
Bot API both workers call. Every step of the conversation lands on the other worker than the
step before it, so anything a worker kept in its own memory (a plan, a pending /forget, what the
last answer came from) would show up as a wrong reply.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.adapters.telegram_webhook import SECRET_HEADER
from bot.knowledge.index import open_index
from bot.storage.db import create_engine
from tests.adapters.telegram.conftest import TOKEN
from tests.adapters.telegram.fake_bot_api import FakeBotApi
from tests.postgres import PostgresServer
from tests.proxy import RoundRobinProxy
from tests.support import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
PUBLIC_URL = "https://coach.example.org/telegram"  # what the ingress serves; Telegram posts here
SECRET = "shared_by_every_worker"
RUNNER = 4242
START_TIMEOUT_S = 120  # two cold starts at once on 2 shared cores
REPLY_TIMEOUT_S = 60


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait_until_serving(self) -> None:
        async with asyncio.timeout(START_TIMEOUT_S):
            while "serving telegram" not in self.output():
                if self.process.returncode is not None:
                    pytest.fail(f"a worker exited at start-up:\n{self.output()}")
                await asyncio.sleep(0.2)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database: the workers migrate it themselves, both at once, as the
    replicas of a deployment do when they start together."""
    url = postgres_server.create_database(prefix="runcoach_webhook")
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture
async def workers(
    fake_api: FakeBotApi, database_url: str, embedding_cache: Path, tmp_path: Path
) -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOACH_")}
    env |= {
        "PYTHONPATH": str(REPO_ROOT),
        "RUNCOACH_DATABASE_URL": database_url,
        # The knowledge index's converted model and vectors, built once per machine.
        "RUNCOACH_CACHE_DIR": str(embedding_cache),
        "RUNCOACH_TELEGRAM_TOKEN": TOKEN,
        "RUNCOACH_TELEGRAM_BASE_URL": fake_api.base_url,
        "RUNCOACH_TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
        "RUNCOACH_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "RUNCOACH_TELEGRAM_WEBHOOK_SECRET": SECRET,
        # Answers come from the vetted notes: no model to load, nothing to wait for.
        "RUNCOACH_LLM_DRAFTS": "off",
        "RUNCOACH_LLM_URL": "http://127.0.0.1:9/v1",
        "RUNCOACH_LOG_LEVEL": "INFO",
    }
    # Built here once, so the workers start on a warm cache instead of both converting the
    # embedding model and embedding the notes at once (minutes on a fresh machine's 2 cores).
    (await asyncio.to_thread(open_index, embedding_cache)).close()
    try:
        for n in range(2):
            port, log = free_port(), tmp_path / f"worker{n}.log"
            with log.open("wb") as out:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "serve",
                    stdout=out, stderr=asyncio.subprocess.STDOUT,
                    env=env | {
                        "RUNCOACH_DATA_DIR": str(tmp_path / f"worker{n}"),
                        "RUNCOACH_TELEGRAM_WEBHOOK_PORT": str(port),
                    },
                )  # fmt: skip
            started.append(Worker(process, port, log))
        await asyncio.gather(*(worker.wait_until_serving() for worker in started))
        yield started
    finally:
        for worker in started:
            if worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()


@pytest.fixture
async def ingress(workers: list[Worker]) -> AsyncIterator[RoundRobinProxy]:
    proxy = RoundRobinProxy([f"http://127.0.0.1:{worker.port}" for worker in workers])
    await proxy.start()
    yield proxy
    await proxy.stop()


class Runner:
    """One Telegram user whose messages Telegram posts to the ingress, one at a time."""

    def __init__(self, fake_api: FakeBotApi, ingress: RoundRobinProxy) -> None:
        self._api, self._ingress = fake_api, ingress

    async def says(self, words: str, expect: Callable[[str], bool]) -> str:
        """Posts ``words`` as Telegram would and returns the first new reply ``expect`` accepts
        (a /plan is followed by its calendar and chart, which are not text replies)."""
        seen = len(self._api.to(RUNNER, "sendMessage"))
        update = json.dumps(self._api.message_update(RUNNER, words)).encode()
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self._ingress.url}/telegram", data=update, headers=headers) as posted,
        ):
            assert posted.status == 200, f"{words!r}: the ingress answered {posted.status}"

        def replies() -> list[str]:
            return [sent.text for sent in self._api.to(RUNNER, "sendMessage")[seen:]]

        try:
            await self._api.wait_for(lambda: any(map(expect, replies())), REPLY_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"{words!r}: no expected reply; got {replies()}")
        return next(reply for reply in replies() if expect(reply))


def rows_about(database_url: str, platform_user_id: str) -> dict[str, int]:
    """How many rows the runner has in the users and plans tables."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            users = conn.execute(
                text("SELECT id FROM users WHERE platform = 'telegram' AND platform_user_id = :p"),
                {"p": platform_user_id},
            ).all()
            ids = [row.id for row in users] or [-1]
            plans = conn.execute(
                text("SELECT count(*) FROM plans WHERE user_id = ANY(:ids)"), {"ids": ids}
            ).scalar_one()
        return {"users": len(users), "plans": int(plans)}
    finally:
        engine.dispose()


async def test_a_conversation_across_two_webhook_workers(
    fake_api: FakeBotApi,
    workers: list[Worker],
    ingress: RoundRobinProxy,
    database_url: str,
) -> None:
    # Both registered the ingress's URL and the one secret: Telegram keeps a single webhook.
    assert fake_api.calls.count("setWebhook") == 2
    assert fake_api.webhook["url"] == PUBLIC_URL
    assert fake_api.webhook["secret_token"] == SECRET
    runner = Runner(fake_api, ingress)
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())  # plans start on a Monday: this week's

    await runner.says(f"/plan 10k 8weeks start={monday.isoformat()}", lambda r: "10k" in r.lower())
    assert rows_about(database_url, str(RUNNER)) == {"users": 1, "plans": 1}

    # The plan the first worker stored is the one the second reads.
    assert (await runner.says("/today", bool)).startswith(f"Today, {today:%A %d %b}")
    long_run = await runner.says("how long is my long run this week?", bool)
    assert long_run.startswith("Your long run in week 1:"), long_run

    pacing = await runner.says("how should I pace an easy run?", bool)
    assert "conversational" in pacing
    # What that answer came from is asked of the other worker.
    sources = await runner.says("sources?", bool)
    assert sources.startswith("My last answer came from: "), sources
    assert "easy run" in sources.lower()

    # /forget on one worker, confirmed on the other.
    assert "/forget confirm" in await runner.says("/forget", bool)
    done = await runner.says("/forget confirm", bool)
    assert done.startswith("Done: everything I stored about you is deleted"), done
    assert rows_about(database_url, str(RUNNER)) == {"users": 0, "plans": 0}

    # Strict turns: each update reached the other worker than the one before it.
    assert ingress.served == [0, 1, 0, 1, 0, 1, 0]
    for worker in workers:
        assert await worker.stop() == 0, worker.output()
        assert "Traceback" not in worker.output()
        assert TOKEN not in worker.output()
    # A worker that stops (scaled down, restarted) leaves the webhook the others serve in place.
    assert "deleteWebhook" not in fake_api.calls
