"""Many Telegram users at once against real `python -m bot serve` processes, replies timed.

The bot runs as the operator runs it: a separate process started with ``python -m bot serve``,
configured only through ``RUNCOACH_*`` variables, in Telegram webhook mode. Its Bot API is the
offline fake (``tests/adapters/telegram/fake_bot_api.py``), which speaks Telegram's real HTTP
shapes and here also notes when each reply reached it. Users' updates are POSTed to the bots'
webhook ports, round-robin when there are several workers (what a load balancer in front of
them does), so one harness serves the 300-user test (issue 15) and ``bench/scale_bench.py``.

A user's latency runs from the moment its update is posted to the moment the last reply it is
waiting for (the text, the calendar, the chart) reaches the fake. A user is "lost" when that
never happens within the deadline; a reply that is the coach's apology for a failure counts as
wrong, not as an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import insert, select

from bot.adapters.telegram_webhook import SECRET_HEADER
from bot.app import start_up_objects_frozen
from bot.core.features.shared import request_dict
from bot.plans.generator import generate_plan
from bot.plans.request import parse_plan_text
from bot.storage.db import create_engine
from bot.storage.tables import Plan, User
from tests.adapters.telegram.fake_bot_api import FakeBotApi, Sent
from tests.support import free_port

TOKEN = "123456789:AAF-fake-telegram-token-for-load"
WEBHOOK_URL = "https://coach.example.org/telegram"
WEBHOOK_SECRET = "load_test_webhook_secret_0123456789"
REPO = Path(__file__).resolve().parents[2]
# "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked", not the
# "(Background on this error at: ...)" or "[SQL: ...]" lines after it.
_EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Timeout|Exit)\b")
# What the coach says when a handler raised: an answer nobody asked for.
APOLOGY = "something went wrong on my side"
REPLY_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
# What each kind of message is answered with, by Bot API method: /plan's overview, calendar
# and chart; one message for the others.
PLAN_REPLY: Mapping[str, int] = {"sendMessage": 1, "sendDocument": 1, "sendPhoto": 1}
ONE_MESSAGE: Mapping[str, int] = {"sendMessage": 1}


@dataclass
class TimedBotApi(FakeBotApi):
    """The fake Bot API, noting when each message the bot sent reached it, and how many
    replies the bot gave up on before sending them whole (its HTTP client timed out). A
    "typing..." cut short is not counted: the bot cancels it when the answer is ready."""

    arrivals: dict[int, list[tuple[float, Sent]]] = field(default_factory=dict)
    cut_off: int = 0

    async def _dispatch(self, request: web.Request) -> web.Response:
        try:
            return await super()._dispatch(request)
        except ConnectionResetError:
            if request.match_info["method"] in REPLY_METHODS:
                self.cut_off += 1
            return web.Response(status=400)  # nobody is left to read it

    async def _record(self, sent: Sent) -> None:
        if sent.method in REPLY_METHODS:
            self.arrivals.setdefault(sent.chat_id, []).append((time.perf_counter(), sent))
        await super()._record(sent)


@contextlib.asynccontextmanager
async def fake_telegram() -> AsyncIterator[TimedBotApi]:
    fake = TimedBotApi(TOKEN)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    fake.base_url = f"http://{host}:{port}/bot"
    try:
        yield fake
    finally:
        await fake.close()
        await runner.cleanup()


# ---- the bot processes -------------------------------------------------------------------------


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    port: int
    log_path: Path

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def problems(self, kinds: int = 8) -> str:
        """Its WARNING and worse log lines, each kind once with a count (the time stripped) and,
        for one that logged a traceback, the exception it ended in: what to read first when
        replies were late, wrong or lost."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no log)"
        found: Counter[str] = Counter()
        entry = ""
        for line in [*lines, "0000-00-00 end"]:
            if not line[:4].isdigit():  # a traceback: keep the last line naming the exception
                if entry and _EXCEPTION_LINE.match(line):
                    found[entry] -= 1
                    entry = entry.split(" <- ")[0] + " <- " + line.strip()[:160]
                    found[entry] += 1
                continue
            entry = ""
            if any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL")):
                entry = line.split(" ", 2)[-1][:200]
                found[entry] += 1
        return "\n".join(f"{n} x {line}" for line, n in found.most_common(kinds) if n > 0)


def worker_env(
    *, data_dir: Path, database_url: str, base_url: str, port: int, drafts: bool
) -> dict[str, str]:
    """Only the settings named here: a developer's own RUNCOACH_* (a Discord token, a config
    file, an LLM server) must not leak into the measured bot. The embedding cache is kept, so
    workers do not each convert the embedding model again."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOACH_")}
    if "RUNCOACH_CACHE_DIR" in os.environ:
        env["RUNCOACH_CACHE_DIR"] = os.environ["RUNCOACH_CACHE_DIR"]
    env.update(
        RUNCOACH_DATA_DIR=str(data_dir),
        RUNCOACH_DATABASE_URL=database_url,
        RUNCOACH_TELEGRAM_TOKEN=TOKEN,
        RUNCOACH_TELEGRAM_BASE_URL=base_url,
        RUNCOACH_TELEGRAM_WEBHOOK_URL=WEBHOOK_URL,
        RUNCOACH_TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        RUNCOACH_TELEGRAM_WEBHOOK_PORT=str(port),
        RUNCOACH_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        RUNCOACH_LLM_DRAFTS="on" if drafts else "off",
        # What the bot itself can do: at Telegram's default 30 messages a second, the 500
        # replies of the 300-user load alone would take 17 s whatever the bot's speed.
        RUNCOACH_TELEGRAM_SENDS_PER_S="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def bot_cpus(count: int) -> set[int] | None:
    """The first ``count`` CPUs this process may use, when it may use more: a bot measured "on
    2 cores" gets two, however big the machine. None where there is nothing to narrow."""
    allowed = sorted(os.sched_getaffinity(0))
    return set(allowed[:count]) if len(allowed) > count else None


@contextlib.asynccontextmanager
async def serve_workers(
    fake: TimedBotApi,
    *,
    count: int,
    database_url: str,
    data_dir: Path,
    drafts: bool,
    cpus: int | None = 2,
    start_timeout_s: float = 180,
) -> AsyncIterator[list[Worker]]:
    """``count`` bots on one database, each on its own webhook port, ready when the block runs
    (each has registered its webhook with the fake); stopped with SIGTERM after it. ``cpus``:
    how many CPUs the bots may share (None: all of the machine's)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pinned = None if cpus is None else bot_cpus(cpus)
    workers: list[Worker] = []
    webhooks_before = fake.calls.count("setWebhook")
    try:
        for n in range(count):
            port = free_port()
            log_path = data_dir / f"worker{n}.log"
            with log_path.open("wb") as log_file:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    cwd=REPO,
                    env=worker_env(
                        data_dir=data_dir,
                        database_url=database_url,
                        base_url=fake.base_url,
                        port=port,
                        drafts=drafts,
                    ),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=asyncio.subprocess.STDOUT,
                    # A group of its own: a bot that must be killed takes its render
                    # processes with it instead of leaving them behind.
                    start_new_session=True,
                )
            if pinned is not None:
                os.sched_setaffinity(process.pid, pinned)
            workers.append(Worker(process, port, log_path))
        await _until_ready(fake, workers, webhooks_before, start_timeout_s)
        yield workers
    finally:
        await asyncio.gather(*(_stop(worker) for worker in workers))


async def _until_ready(
    fake: TimedBotApi, workers: Sequence[Worker], before: int, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while fake.calls.count("setWebhook") - before < len(workers):
        for worker in workers:
            if worker.process.returncode is not None:
                raise LoadError(
                    f"a bot exited with code {worker.process.returncode} while starting:\n"
                    + worker.log_tail()
                )
        if time.monotonic() > deadline:
            raise LoadError(
                f"the bots were not serving after {timeout_s:.0f} s:\n" + workers[-1].log_tail()
            )
        await asyncio.sleep(0.1)


async def _stop(worker: Worker) -> None:
    """SIGTERM, as `docker stop` does; a bot still running 20 s later is killed, its whole
    process group with it."""
    process = worker.process
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


class LoadError(Exception):
    """The load could not be run as asked (a bot did not start): one message, with its log."""


# ---- what the users have before the clock starts ----------------------------------------------


def seed_plans(database_url: str, telegram_ids: Iterable[int], today: date) -> None:
    """Telegram users with an active 10k plan that started this Monday, written straight into
    a migrated database, so ``/today`` users find a workout without a timed ``/plan`` first."""
    monday = today - timedelta(days=today.weekday())
    parsed = parse_plan_text(f"10k 8weeks start={monday.isoformat()}", today)
    plan = dict(generate_plan(parsed.request))
    request = request_dict(parsed.request, parsed.units, "10k 8weeks")
    now = datetime.now(UTC)
    users = [
        {
            "platform": "telegram",
            "platform_user_id": str(uid),
            "display_name": "Runner",
            "reminders_on": False,
            "created": now,
        }
        for uid in telegram_ids
    ]
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(User), users)
            ids = conn.execute(
                select(User.id).where(
                    User.platform == "telegram",
                    User.platform_user_id.in_([u["platform_user_id"] for u in users]),
                )
            ).scalars()
            rows = [
                {"user_id": uid, "request": request, "plan": plan, "active": True, "created": now}
                for uid in ids
            ]
            conn.execute(insert(Plan), rows)
    finally:
        engine.dispose()


# ---- the timed part --------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One user's one message, and what answers it (reply counts by Bot API method)."""

    user_id: int
    kind: str
    text: str
    expects: Mapping[str, int] = field(default_factory=lambda: ONE_MESSAGE)


@dataclass
class Outcome:
    message: Message
    posted_at: float
    replied_at: float | None = None
    wrong: str = ""  # a reply that is not an answer (the coach's apology), quoted

    @property
    def latency(self) -> float:
        return math.inf if self.replied_at is None else self.replied_at - self.posted_at


@dataclass
class LoadReport:
    outcomes: list[Outcome]
    wall_s: float
    cut_off: int = 0  # replies the bot abandoned half-sent

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.message.kind == kind]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(o.message.kind for o in self.outcomes))

    @property
    def lost(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.replied_at is None]

    @property
    def wrong(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.wrong]

    def quantile(self, kind: str, q: float) -> float:
        """Nearest rank, counting a lost reply as infinitely late."""
        latencies = sorted(o.latency for o in self.of(kind))
        return latencies[max(0, math.ceil(q * len(latencies)) - 1)]

    def summary(self) -> str:
        lines = []
        for kind in self.kinds:
            outcomes = self.of(kind)
            answered = sum(o.replied_at is not None for o in outcomes)
            lines.append(
                f"{kind}: {answered}/{len(outcomes)} answered, "
                f"p50 {self.quantile(kind, 0.5):.2f} s, p95 {self.quantile(kind, 0.95):.2f} s, "
                f"max {self.quantile(kind, 1.0):.2f} s"
            )
        lines.append(f"all replies in {self.wall_s:.1f} s")
        if self.cut_off:
            lines.append(f"{self.cut_off} repl(ies) abandoned half-sent by the bot")
        for outcome in self.lost[:10]:
            lines.append(f"lost: {outcome.message.kind} from user {outcome.message.user_id}")
        for outcome in self.wrong[:10]:
            lines.append(f"wrong: user {outcome.message.user_id} got {outcome.wrong!r}")
        return "\n".join(lines)

    def as_json(self) -> str:
        per_kind = {
            kind: {
                "n": len(self.of(kind)),
                "lost": sum(o.replied_at is None for o in self.of(kind)),
                "p50_s": self.quantile(kind, 0.5),
                "p95_s": self.quantile(kind, 0.95),
                "max_s": self.quantile(kind, 1.0),
            }
            for kind in self.kinds
        }
        return json.dumps({"wall_s": self.wall_s, "kinds": per_kind})


class Poster:
    """Delivers updates as Telegram does in webhook mode, to the workers in turn."""

    def __init__(self, fake: TimedBotApi, workers: Sequence[Worker]) -> None:
        self._fake = fake
        self._urls = itertools.cycle(
            [f"http://127.0.0.1:{worker.port}/telegram" for worker in workers]
        )
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def post(self, user_id: int, text: str) -> None:
        update = json.dumps(self._fake.message_update(user_id, text)).encode()
        headers = {"Content-Type": "application/json", SECRET_HEADER: WEBHOOK_SECRET}
        async with self._session.post(next(self._urls), data=update, headers=headers) as r:
            if r.status != 200:
                raise LoadError(f"a bot answered a webhook POST with HTTP {r.status}")

    async def close(self) -> None:
        await self._session.close()


def _completed_at(fake: TimedBotApi, message: Message) -> tuple[float | None, str]:
    """When the last awaited reply to ``message`` arrived (None: not all have), and the first
    reply that is an apology rather than an answer."""
    wanted = Counter(message.expects)
    got: Counter[str] = Counter()
    wrong = ""
    for at, sent in fake.arrivals.get(message.user_id, []):
        if not wrong and APOLOGY in sent.text:
            wrong = sent.text[:120]
        got[sent.method] += 1
        if all(got[method] >= n for method, n in wanted.items()):
            return at, wrong
    return None, wrong


async def run_load(
    fake: TimedBotApi, poster: Poster, messages: Sequence[Message], *, deadline_s: float
) -> LoadReport:
    """Post every message at once (each user its own), then wait until each user has its
    replies or ``deadline_s`` has passed since the first post."""
    users = [m.user_id for m in messages]
    if len(set(users)) != len(users) or any(u in fake.arrivals for u in users):
        raise ValueError("each timed message needs a user of its own, with no earlier replies")
    # The harness is the clock: a full collection of everything it imported (the bot's modules,
    # aiohttp, the fake) held its loop 0.16-0.25 s in every 300-user run, just as the replies
    # arrived, and timed each reply arriving then late by as much.
    with start_up_objects_frozen():
        started, cut_off = time.perf_counter(), fake.cut_off
        outcomes: list[Outcome] = []

        async def post(message: Message) -> None:
            outcome = Outcome(message, time.perf_counter())
            outcomes.append(outcome)
            await poster.post(message.user_id, message.text)

        await asyncio.gather(*(post(message) for message in messages))
        while time.perf_counter() - started < deadline_s:
            if all(_completed_at(fake, o.message)[0] is not None for o in outcomes):
                break
            await asyncio.sleep(0.1)
        for outcome in outcomes:
            outcome.replied_at, outcome.wrong = _completed_at(fake, outcome.message)
        replied = [o.replied_at for o in outcomes if o.replied_at is not None]
        return LoadReport(outcomes, max(replied, default=started) - started, fake.cut_off - cut_off)


async def ask_and_wait(
    fake: TimedBotApi, poster: Poster, message: Message, *, timeout_s: float
) -> None:
    """One untimed exchange (a warm-up): the model loaded, matplotlib imported, caches filled."""
    await poster.post(message.user_id, message.text)
    deadline = time.monotonic() + timeout_s
    while _completed_at(fake, message)[0] is None:
        if time.monotonic() > deadline:
            raise LoadError(f"no reply to the warm-up {message.text!r} in {timeout_s:.0f} s")
        await asyncio.sleep(0.1)


def knowledge_questions(count: int) -> list[str]:
    """Questions a new runner asks that the knowledge base answers (the textbook eval set),
    without numbers, so none is a calculator's: these reach retrieval and the model."""
    path = REPO / "tests" / "eval" / "questions.jsonl"
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    questions = [
        case["question"]
        for case in cases
        if case.get("topic") != "red-flags" and not any(ch.isdigit() for ch in case["question"])
    ]
    return [questions[n % len(questions)] for n in range(count)]
