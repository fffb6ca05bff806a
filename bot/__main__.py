"""The `runcoach` command line (also `python -m bot`).

Bad input never shows a traceback or a usage box: every refusal is one line on stderr with exit
code 2 and nothing on stdout, so scripts and chat front ends can rely on the contract. A platform
that cannot start (unreachable, failing) is one line too, with exit code 1. No line printed here
holds a secret: each goes through the log redaction, as every log record does.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot import app as runtime_app
from bot import log_redaction
from bot.adapters.startup_errors import StartupError
from bot.plans import render
from bot.plans.generator import generate_plan
from bot.plans.model import PlanRequestError
from bot.plans.request import RawPlanOptions, build_request
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import migrate

app = typer.Typer(
    name="runcoach",
    help="An open-source running coach: science-based plans, grounded answers, daily reminders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

log = logging.getLogger("runcoach")

FORMATS = ("text", "json", "ics", "png")
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Who is talking: console users are kept apart by this name."),
]


class UsageError(Exception):
    """A refusal to report as one line with exit code 2."""


@app.command()
def plan(
    distance: Annotated[str, typer.Argument(help="5k, 10k, half (hm, 21k) or marathon (42k).")],
    weeks: Annotated[str, typer.Argument(help="Weeks until race day: 8weeks, 8w or 8.")],
    days: Annotated[str | None, typer.Option(help="Runs per week, 2-7 (default 4).")] = None,
    weekly_km: Annotated[
        str | None, typer.Option("--weekly-km", help="What you run now, km per week.")
    ] = None,
    recent_race: Annotated[
        str | None,
        typer.Option("--recent-race", help="A recent result for exact paces, e.g. 10k=45:00."),
    ] = None,
    long_run_day: Annotated[
        str | None, typer.Option("--long-run-day", help="Day of the long run (default sun).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First day, a Monday, YYYY-MM-DD (default next Monday).")
    ] = None,
    longest_run: Annotated[
        str | None,
        typer.Option("--longest-run", help="Your longest run in the last 30 days, km."),
    ] = None,
    units: Annotated[str, typer.Option(help="km or mi for text, calendar and chart.")] = "km",
    fmt: Annotated[str, typer.Option("--format", help="text, json, ics or png.")] = "text",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Build a training plan from current fitness to race day."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use text, json, ics or png")
    parsed = build_request(
        RawPlanOptions(
            distance=distance,
            weeks=weeks,
            days=days,
            weekly_km=weekly_km,
            recent_race=recent_race,
            long_run_day=long_run_day,
            start=start,
            longest_run=longest_run,
            units=units,
        ),
        today=date.today(),
    )
    result = generate_plan(parsed.request)
    payload: bytes
    if fmt == "json":
        payload = render.to_json(result).encode()
    elif fmt == "ics":
        payload = render.to_ics(result, parsed.units)
    elif fmt == "png":
        if out is None and sys.stdout.isatty():
            raise UsageError("a PNG chart is binary: add --out plan.png")
        payload = render.to_png(result, parsed.units)
    else:
        payload = render.full_text(result, parsed.units).encode()
    if out is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(payload)
    except OSError as err:
        raise UsageError(f"cannot write {out}: {err.strerror}") from None
    typer.echo(f"wrote {out}", err=True)


def _settings() -> Settings:
    settings = load_settings()
    runtime_app.configure_logging(settings)
    return settings


def _console_user(name: str | None) -> str:
    """The local account name by default, so each person on a shared machine has their own data."""
    chosen = (name if name is not None else getpass.getuser()).strip()
    if not chosen or len(chosen) > 64 or not chosen.isprintable():
        raise UsageError("--user takes a printable name of 1 to 64 characters")
    return chosen


@app.command()
def chat(user: UserOption = None) -> None:
    """Talk to the coach in this terminal (the same commands as Discord and Telegram)."""
    name = _console_user(user)
    settings = _settings()
    runtime_app.log_to_file(settings)

    async def talk() -> None:
        async with runtime_app.open_runtime(settings) as runtime:
            await runtime_app.console(runtime, name).run()

    asyncio.run(talk())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question or a command, e.g. '/today'.")],
    user: UserOption = None,
) -> None:
    """Send one message to the coach and print the answer."""
    name = _console_user(user)
    settings = _settings()

    async def answer() -> None:
        async with runtime_app.open_runtime(settings) as runtime:
            adapter = runtime_app.console(runtime, name)
            adapter.show(await adapter.ask(question))

    asyncio.run(answer())


@app.command()
def serve(user: UserOption = None) -> None:
    """Run the bot: every platform whose token is set, or the console chat if none is."""
    asyncio.run(runtime_app.serve(_settings(), console_user=_console_user(user)))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (the bot also does this at start-up)."""
    settings = _settings()
    migrate.upgrade(settings.database_url)
    typer.echo("database is up to date", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI, turning every refusal into one stderr line and exit code 2."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="runcoach")
    except (PlanRequestError, UsageError, SettingsError) as err:
        typer.echo(log_redaction.redact(f"runcoach: {err}"), err=True)
        return 2
    except (StartupError, migrate.MigrationError) as err:
        typer.echo(log_redaction.redact(f"runcoach: {err}"), err=True)
        return 1
    except typer.TyperException as err:  # typer's own usage errors: missing or unknown options
        if not err.format_message():  # bare `runcoach`: the help was just printed
            return 2
        typer.echo(f"runcoach: {err.format_message()} (see runcoach --help)", err=True)
        return 2
    except typer.Abort:
        typer.echo("runcoach: interrupted", err=True)
        return 130
    except Exception:
        # A bug: the traceback is worth having, but through logging, which masks the secrets
        # that an SDK's message or a URL in it may hold (Python's own printout would not).
        log.critical("runcoach stopped on an unexpected error", exc_info=True)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
