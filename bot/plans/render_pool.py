"""Plan files drawn in worker processes, so a /plan never stalls the bot's event loop.

matplotlib holds the GIL for the fifth of a second a chart takes, so a thread would still stall
every other runner's reply; a worker process draws on another core meanwhile. Workers come from
a forkserver that imported ``bot.plans.render`` (matplotlib, icalendar) once, so each starts in
milliseconds, and none is forked from the bot itself, whose model and database threads make a
plain fork unsafe. The composition root owns the pool: it starts it with the bot and closes it
after the front ends, so no reply waits on a pool that is gone.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from bot.plans import render
from bot.plans.model import Plan, Units

_PRELOADED = ["__main__", "bot.plans.render"]
RENDER_NICENESS = 5


def _yield_to_the_bot() -> None:
    """Runs once in each worker: drawings are the bulk work of a burst of /plan, so they run at
    a lower CPU priority than the bot, whose loop must keep answering /today meanwhile."""
    os.nice(RENDER_NICENESS)


def _ready() -> None:
    """Runs in a worker: being able to run at all is the point (the process is up)."""


class RenderPool:
    """A ``PlanRenderer`` on ``workers`` processes."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOADED)
        self._workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_yield_to_the_bot
        )

    async def calendar(self, plan: Plan, units: Units) -> bytes:
        return await self._run(render.to_ics, plan, units)

    async def chart(self, plan: Plan, units: Units) -> bytes:
        return await self._run(render.to_png, plan, units)

    async def warm(self) -> None:
        """Start every worker now (``serve`` does), so the first /plan after a start does not
        wait for the forkserver to import matplotlib."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, _ready) for _ in range(self._workers))
        )

    async def close(self) -> None:
        """Finish the drawings in hand, then stop the workers, off the event loop."""
        await asyncio.to_thread(self._executor.shutdown, wait=True)

    async def _run(self, draw: Callable[[Plan, Units], bytes], plan: Plan, units: Units) -> bytes:
        """Submitted from a thread: ``ProcessPoolExecutor.submit`` writes to the pool's wake-up
        pipe, and with a hundred plans submitted at once that write blocked the event loop for
        seconds (py-spy, bench/README.md Scale; CPython gh-105829)."""
        future = await asyncio.to_thread(self._executor.submit, draw, plan, units)
        return await asyncio.wrap_future(future)
