"""The terminal front end: `runcoach chat`, and `runcoach serve` when no platform token is set.

Like every adapter it only translates: a typed line becomes an IncomingMessage for the console
user, replies are printed, and files (calendar, chart) are written to the data directory with
their paths printed, since a terminal cannot show an attachment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot.core.coach import Coach
from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.storage.user_files import safe_name

PLATFORM = "console"
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


class ConsoleAdapter:
    """Also the console's ``Sender``: a reminder for the person at the terminal is printed."""

    platform = PLATFORM

    def __init__(
        self,
        coach: Coach,
        *,
        user: str,
        files_dir: Path,
        console: Console | None = None,
        read_line: Callable[[], str] | None = None,
    ) -> None:
        self._coach = coach
        self._user = user
        self._files_dir = files_dir
        self._console = console or Console()
        self._read_line = read_line or (lambda: self._console.input("[bold green]you>[/] "))

    async def ask(self, text: str) -> list[OutgoingMessage]:
        """One message through the core, as the console user."""
        return await self._coach.handle(
            IncomingMessage(
                platform=PLATFORM, user_ref=self._user, text=text, display_name=self._user
            )
        )

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        self.show(messages)

    def show(self, replies: Iterable[OutgoingMessage]) -> None:
        for message in replies:
            if message.file is not None:
                path = self._save(message.file.filename, message.file.data)
                caption = f"{message.text}: " if message.text else ""
                self._console.print(f"[cyan]coach>[/] {escape(caption)}{escape(str(path))}")
            elif message.text:
                self._console.print(f"[cyan]coach>[/] {escape(message.text)}")
            if message.actions:  # no buttons in a terminal: the commands they would send
                answers = ", ".join(action.command for action in message.actions)
                self._console.print(f"[cyan]coach>[/] reply {escape(answers)}")

    async def run(self) -> None:
        """The REPL: until EOF, Ctrl-C or /quit."""
        self._console.print(
            "[bold]runcoach[/] - your running coach. Type /help, or /quit to leave."
        )
        while True:
            try:
                line = await asyncio.to_thread(self._read_line)
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip().lower() in QUIT_WORDS:
                break
            if not line.strip():
                continue
            self.show(await self.ask(line))
        self._console.print("Bye - run happy!")

    def _save(self, filename: str, data: bytes) -> Path:
        self._files_dir.mkdir(parents=True, exist_ok=True)
        path = self._files_dir / safe_name(filename)
        path.write_bytes(data)
        return path
