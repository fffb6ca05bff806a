"""The composition root: the one place that builds the database, the coach and the front ends.

Start-up order matters and lives here alone: settings are validated first (a bad value stops us
before anything is touched), then the database is migrated, then the coach is built, and only
then do front ends start. Shutdown runs in reverse, so no front end can hand the coach a message
after its database is gone.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import secrets
import signal
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from bot import log_redaction
from bot.adapters.console_adapter import ConsoleAdapter
from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.telegram_adapter import TelegramAdapter, Webhook
from bot.core.answers import SYSTEM_PROMPT, AnswerPipeline
from bot.core.coach import Coach, utc_now
from bot.core.ports import ChatModel, Sender
from bot.core.reminder_dispatch import ReminderDispatcher
from bot.knowledge.embedding import EmbeddingError
from bot.knowledge.index import KnowledgeIndex, open_index
from bot.llm.lazy import LazyModel
from bot.llm.llama_cpp_backend import LlamaCppBackend
from bot.llm.openai_backend import OpenAIBackend
from bot.plans.render_pool import RenderPool
from bot.scheduling.scheduler import ReminderScheduler
from bot.settings import Settings, SettingsError
from bot.storage import migrate
from bot.storage.async_storage import ExecutorStorage, pool_threads
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.user_files import UserFiles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    storage: SqlStorage
    coach: Coach
    model: LazyModel
    files: UserFiles
    renderer: RenderPool

    def files_dir(self, user: str) -> Path:
        """Where the console writes a user's attachments (calendar, chart, JSON): inside
        data_dir/files whatever the user name, since ``--user`` is typed by whoever runs it."""
        return self.files.dir_for(user)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> None:
    log_redaction.install(settings.secrets())
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    # Alembic narrates every start-up, bm25s its indexing and APScheduler every minute's tick;
    # they would interrupt the console chat.
    for noisy in ("alembic", "apscheduler", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token: the
    # redaction above masks it, and this keeps the per-request noise out of the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def log_to_file(settings: Settings) -> Path:
    """The console chat shares the terminal with the runner, so log lines go to a file in the
    data directory rather than into the middle of the conversation."""
    path = settings.data_dir / "runcoach.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return path


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Migrate, connect, build the coach; close the model, the storage threads and the engine
    however we end.

    The model loads on first use (or when ``serve`` preloads it), so commands never wait for it.
    """
    migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    log.info("%s", model_in_use(settings))
    model = LazyModel(lambda: load_model(settings))
    # Calendars and charts are drawn in worker processes, started on the first /plan (or by
    # ``serve``), so the loop never waits on matplotlib.
    renderer = RenderPool(settings.render_workers)
    knowledge = None
    storage = SqlStorage(engine, turns_kept=settings.conversation_turns_kept)
    # The coach's database calls run here, off the loop; the reminder dispatcher keeps its own.
    coach_storage = ExecutorStorage(storage, threads=pool_threads(engine))
    try:
        knowledge = await asyncio.to_thread(knowledge_index, settings)
        files = UserFiles(settings.data_dir)
        answers = AnswerPipeline(
            coach_storage,
            knowledge,
            model,
            clock=utc_now,
            default_timezone=settings.default_timezone,
            max_tokens=settings.llm_max_tokens,
            drafts=settings.drafts(),
        )
        coach = Coach(
            coach_storage,
            answer=answers,
            default_timezone=settings.default_timezone,
            files=files,
            renderer=renderer,
        )
        yield Runtime(
            settings=settings,
            engine=engine,
            storage=storage,
            coach=coach,
            model=model,
            files=files,
            renderer=renderer,
        )
    finally:
        await model.close()
        await renderer.close()
        if knowledge is not None:
            knowledge.close()
        coach_storage.close()
        engine.dispose()


def knowledge_index(settings: Settings) -> KnowledgeIndex:
    """Hybrid (BM25 + embeddings) when an embedding model is available, else BM25 alone."""
    assert settings.cache_dir is not None  # the settings default it under data_dir
    try:
        return open_index(settings.cache_dir, settings.embedding_model_path)
    except EmbeddingError as err:
        raise SettingsError(
            f"RUNCOACH_EMBEDDING_MODEL_PATH (embedding_model_path): {err}"
        ) from None


def model_in_use(settings: Settings) -> str:
    """One line for the start-up log: which model and adapter answer, and how they scored in
    the adapter's report (``report.json`` beside it), so an operator sees what runners get."""
    drafts = "drafting" if settings.drafts() else "not drafting (answers from the notes)"
    if settings.llm_url:
        return f"model: {settings.llm_model} at {settings.llm_url}, {drafts}"
    model = str(settings.model_path) if settings.model_path else "bundled SmolLM2-135M Q4_1"
    adapter = settings.adapter_file()
    if adapter is None:
        return f"model: {model}, no adapter, {drafts}"
    return f"model: {model} + adapter {adapter} ({adapter_scores(adapter)}), {drafts}"


def adapter_scores(adapter: Path) -> str:
    """The report's answer-eval and drafts-shown figures, base -> with the adapter."""
    try:
        report = json.loads((adapter.parent / "report.json").read_text("utf-8"))
        base, tuned = report["base"], report.get("adapter") or report["tuned"]
        return (
            f"answer eval {base['eval_score']:.2f} -> {tuned['eval_score']:.2f}, drafts shown "
            f"{base['drafts_shown']:.0%} -> {tuned['drafts_shown']:.0%}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "no readable report.json beside it"


async def load_model(settings: Settings) -> ChatModel:
    """An OpenAI-compatible server when one is configured, else the GGUF file in-process."""
    if settings.llm_url:
        key = settings.llm_api_key
        return OpenAIBackend(
            settings.llm_url,
            model=settings.llm_model,
            api_key=key.get_secret_value() if key else None,
            timeout_s=settings.llm_timeout_s,
            busy_wait_s=settings.llm_busy_wait_s,
            queue_max=settings.llm_queue_max,
        )
    return await LlamaCppBackend.load(
        settings.model_path,
        context_tokens=settings.llm_context_tokens,
        threads=settings.llm_threads,
        timeout_s=settings.llm_timeout_s,
        busy_wait_s=settings.llm_busy_wait_s,
        queue_max=settings.llm_queue_max,
        system_prompt=SYSTEM_PROMPT,
        lora_path=settings.adapter_file(),
    )


def console(runtime: Runtime, user: str) -> ConsoleAdapter:
    return ConsoleAdapter(runtime.coach, user=user, files_dir=runtime.files_dir(user))


@asynccontextmanager
async def reminders(runtime: Runtime, senders: Sequence[Sender]) -> AsyncIterator[None]:
    """Daily reminders to the users of ``senders``' platforms while the block runs; start it
    after the front ends are up and leave it before they stop, so no send finds one closed."""
    dispatcher = ReminderDispatcher(
        runtime.storage,
        senders,
        grace=timedelta(hours=runtime.settings.reminder_grace_hours),
        clock=utc_now,
    )
    scheduler = ReminderScheduler(dispatcher)
    scheduler.start()
    try:
        yield
    finally:
        await scheduler.stop()


def telegram(runtime: Runtime) -> TelegramAdapter:
    settings = runtime.settings
    assert settings.telegram_token is not None
    webhook = (
        Webhook(
            url=settings.telegram_webhook_url,
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            secret=webhook_secret(settings),
        )
        if settings.telegram_webhook_url
        else None
    )
    return TelegramAdapter(
        runtime.coach,
        token=settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        webhook=webhook,
        sends_per_s=settings.telegram_sends_per_s,
    )


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or a new random one: anyone who can reach the webhook port could
    otherwise post updates as any user. ``setWebhook`` hands it to Telegram at each start."""
    configured = settings.telegram_webhook_secret
    if configured is not None:
        return configured.get_secret_value()
    secret = secrets.token_urlsafe(32)  # A-Z, a-z, 0-9, _ and -: what Telegram accepts
    log_redaction.protect(secret)
    return secret


@contextmanager
def _sigterm_sets(event: asyncio.Event) -> Iterator[None]:
    """`docker stop` sends SIGTERM: stop as cleanly as on Ctrl-C (which cancels the task)."""
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, event.set)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def serve(settings: Settings, *, console_user: str) -> None:
    """The bot: every platform whose token is set; with none, the console chat.

    Runs until SIGTERM or cancellation, then stops each front end before the database closes.
    """
    async with open_runtime(settings) as runtime:
        if settings.drafts():
            runtime.model.preload()
        await runtime.renderer.warm()
        with start_up_objects_frozen():
            if settings.telegram_token is None and settings.discord_token is None:
                log.info("no platform token set: starting the console chat")
                log_to_file(settings)
                adapter = console(runtime, console_user)
                async with reminders(runtime, [adapter]):
                    await adapter.run()
                return
            await _serve_platforms(runtime)


@contextmanager
def start_up_objects_frozen() -> Iterator[None]:
    """Keeps what start-up built (modules, the knowledge index, the libraries' tables) out of
    every garbage collection while the bot serves.

    A full collection scans every tracked object, and a burst of messages allocates enough to
    start one. In the 300-runner load (issue 15) one came 1 s in and held the event loop for
    0.27 s, while every /today reply waited. With the start-up objects frozen the same
    collection took 0.04 s. Objects made while serving are still collected as before. The load
    harness, which times the bot's replies, does the same while it times."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _serve_platforms(runtime: Runtime) -> None:
    """Every configured platform on this one loop, with reminders to all of them.

    The exit stack unwinds in reverse: reminders stop before any front end, and front ends stop
    before ``open_runtime`` closes the database. It returns on SIGTERM or Ctrl-C, and raises if
    a platform's connection dies for good, so a supervisor (Docker) restarts the bot.
    """
    settings = runtime.settings
    stopping = asyncio.Event()
    watched: list[asyncio.Task[object]] = [asyncio.create_task(stopping.wait())]
    async with AsyncExitStack() as stack:
        stack.enter_context(_sigterm_sets(stopping))
        senders: list[Sender] = []
        if settings.telegram_token is not None:
            telegram_bot = telegram(runtime)
            stack.push_async_callback(telegram_bot.stop)
            await telegram_bot.start()
            senders.append(telegram_bot)
        if settings.discord_token is not None:
            discord_bot = DiscordAdapter(
                runtime.coach,
                shard_ids=settings.discord_shard_ids,
                shard_count=settings.discord_shard_count,
            )
            stack.push_async_callback(discord_bot.close)
            await discord_bot.start(settings.discord_token.get_secret_value())
            senders.append(discord_bot)
            watched.append(asyncio.create_task(discord_bot.wait()))
        await stack.enter_async_context(reminders(runtime, senders))
        log.info("serving %s", ", ".join(sender.platform for sender in senders))
        try:
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in watched:
                task.cancel()
        for task in done:
            task.result()
