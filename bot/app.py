"""The composition root: the one place that builds the database, the coach and the front ends.

Start-up order matters and lives here alone: settings are validated first (a bad value stops us
before anything is touched), then the database is migrated, then the coach is built, and only
then do front ends start. Shutdown runs in reverse, so no front end can hand the coach a message
after its database is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bot.adapters.console_adapter import ConsoleAdapter
from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.coach import Coach
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    storage: SqlStorage
    coach: Coach

    def files_dir(self, user: str) -> Path:
        """Where the console writes a user's attachments (calendar, chart, JSON)."""
        return self.settings.data_dir / "files" / user


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic narrates every start-up at INFO; it would interrupt the console chat.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))


@contextmanager
def open_runtime(settings: Settings) -> Iterator[Runtime]:
    """Migrate, connect, build the coach; dispose of the engine however the caller ends."""
    migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        storage = SqlStorage(engine, turns_kept=settings.conversation_turns_kept)
        coach = Coach(storage, default_timezone=settings.default_timezone)
        yield Runtime(settings=settings, engine=engine, storage=storage, coach=coach)
    finally:
        engine.dispose()


def console(runtime: Runtime, user: str) -> ConsoleAdapter:
    return ConsoleAdapter(runtime.coach, user=user, files_dir=runtime.files_dir(user))


async def serve(settings: Settings, *, console_user: str) -> None:
    """The bot: every platform whose token is set; with none, the console chat."""
    with open_runtime(settings) as runtime:
        if settings.discord_token is not None:
            discord_bot = DiscordAdapter(runtime.coach)
            try:
                await discord_bot.start(settings.discord_token.get_secret_value())
                await discord_bot.wait()
            finally:
                await discord_bot.close()
            return
        log.info("no platform token set: starting the console chat")
        await console(runtime, console_user).run()
