"""One reminder worker of the simulated day (test_reminder_day.py), as its own process: the real
``SqlStorage`` and ``ReminderDispatcher`` on the shared PostgreSQL database, a clock the test
sets, and a sender that appends each reminder it is handed to this worker's file.

    python tests/scale/reminder_worker.py DATABASE_URL SENDS_FILE

Reads commands on stdin, one a line, answering on stdout:

* ``tick ISO-TIME``: the clock now reads that; one dispatch pass, then ``done {counts}``;
* ``stall``: from now on every send blocks for ever (after the claim committed, before the
  platform got anything), and the first one prints ``stalled``: the test kills the worker then.

Each send is written to the file as ``user<TAB>local date<TAB>worker clock`` with a flush per
line, so what a worker sent before ``kill -9`` is on disk.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.core.messages import OutgoingMessage
from bot.core.reminder_dispatch import ReminderDispatcher
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage

PLATFORM = "telegram"
GRACE = timedelta(minutes=30)
CLAIM_LEASE = timedelta(minutes=5)
# Small, so a busy minute takes several claim batches and the workers' claims interleave.
BATCH = 50
# "Today, Sunday 08 Mar: ..." (bot.core.reminders): the local date each reminder is for.
HEADING = re.compile(r"Today, \w+ (\d{2} \w{3}):")


class FileSender:
    """Telegram as far as the dispatcher knows; in fact one line per reminder in a file."""

    platform = PLATFORM

    def __init__(self, out: TextIO, clock: SimClock) -> None:
        self._out = out
        self._clock = clock
        self.stall = False
        self._told = False

    async def send(self, platform_user_id: str, messages: list[OutgoingMessage]) -> None:
        if self.stall:
            if not self._told:
                self._told = True
                print("stalled", flush=True)
            await asyncio.Event().wait()  # never set: this worker is about to be killed
        match = HEADING.match(messages[0].text)
        assert match is not None, messages[0].text
        now = self._clock()
        day = datetime.strptime(f"{match[1]} {now.year}", "%d %b %Y").date()
        self._out.write(f"{platform_user_id}\t{day.isoformat()}\t{now.isoformat()}\n")


class SimClock:
    """The simulated time, as the test last set it."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        assert self.now is not None, "no tick yet"
        return self.now


async def serve(url: str, sends: Path) -> None:
    engine = create_engine(url)
    clock = SimClock()
    loop = asyncio.get_running_loop()
    with sends.open("a", buffering=1, encoding="utf-8") as out:
        sender = FileSender(out, clock)
        dispatcher = ReminderDispatcher(
            SqlStorage(engine, clock=clock),
            [sender],
            grace=GRACE,
            clock=clock,
            claim_lease=CLAIM_LEASE,
            batch=BATCH,
            retry_delays_s=(),
        )
        print("ready", flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command, _, argument = line.strip().partition(" ")
            if command == "stall":
                sender.stall = True
            elif command == "tick":
                clock.now = datetime.fromisoformat(argument)
                report = await dispatcher.dispatch()
                print("done", json.dumps(report.counts), flush=True)
            else:
                raise SystemExit(f"unknown command {line!r}")
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], Path(sys.argv[2])))
