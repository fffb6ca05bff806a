"""Charts and calendars drawn in worker processes: the same files, and the loop never waits."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from bot.plans import render
from bot.plans.render_pool import RenderPool
from tests.plans.test_render import LONGEST, TYPICAL


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    pool = RenderPool(2)
    await pool.warm()
    yield pool
    await pool.close()


async def test_the_workers_draw_the_very_files_drawn_in_process(pool: RenderPool) -> None:
    assert await pool.chart(TYPICAL, "mi") == render.to_png(TYPICAL, "mi")
    assert await pool.calendar(TYPICAL, "km") == render.to_ics(TYPICAL, "km")


async def test_other_runners_are_served_while_charts_are_drawn(pool: RenderPool) -> None:
    """A heartbeat on the loop stands for every other runner's /today."""
    started = time.perf_counter()
    render.to_png(LONGEST)
    one_chart_s = time.perf_counter() - started  # what the loop would stall for, per chart
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    charts = await asyncio.gather(*(pool.chart(LONGEST, "km") for _ in range(4)))
    beating.cancel()
    assert all(chart.startswith(b"\x89PNG") for chart in charts)
    assert gaps and max(gaps) < one_chart_s / 2


async def test_a_closed_pool_lets_the_drawings_in_hand_finish() -> None:
    pool = RenderPool(1)
    drawing = asyncio.ensure_future(pool.calendar(TYPICAL, "km"))
    await asyncio.sleep(0)
    await pool.close()
    assert (await drawing).startswith(b"BEGIN:VCALENDAR")


async def test_drawings_run_at_a_lower_priority_than_the_bot(pool: RenderPool) -> None:
    """A burst of /plan must not take the CPU from the loop answering everyone else."""
    loop = asyncio.get_running_loop()
    worker_niceness = await loop.run_in_executor(pool._executor, os.nice, 0)
    assert worker_niceness > os.nice(0)
