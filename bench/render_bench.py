"""How long the event loop stalls while plans' calendars and charts are drawn (issue 15).

Every other runner's reply waits for the loop, so its longest pause while N plans are drawn at
once is the delay a /today asked meanwhile can suffer. Three ways of drawing, each on the same
18-week marathon plan: on the loop (how /plan drew before), in a thread, and in the
``RenderPool`` worker processes the bot now uses.

    .venv/bin/python bench/render_bench.py [--plans 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date

from bot.core.features.shared import ThreadRenderer, plan_files
from bot.core.ports import PlanRenderer
from bot.plans import render
from bot.plans.generator import generate_plan
from bot.plans.model import Plan, PlanRequest, Units
from bot.plans.render_pool import RenderPool

HEARTBEAT_S = 0.001


class OnTheLoop:
    """How /plan drew before: matplotlib and icalendar called from the handler itself."""

    async def calendar(self, plan: Plan, units: Units) -> bytes:
        return render.to_ics(plan, units)

    async def chart(self, plan: Plan, units: Units) -> bytes:
        return render.to_png(plan, units)


def marathon_plan() -> Plan:
    request = PlanRequest(
        race="marathon",
        weeks=18,
        days_per_week=5,
        weekly_km=50.0,
        start=date(2027, 1, 4),
        long_run_day="sun",
    )
    return generate_plan(request)


async def measure(renderer: PlanRenderer, plans: int) -> tuple[float, float, float]:
    """(wall s for ``plans`` concurrent /plan files, longest loop pause s, p99 pause s)."""
    plan = marathon_plan()
    pauses: list[float] = []
    beating = True

    async def heartbeat() -> None:
        last = time.perf_counter()
        while beating:
            await asyncio.sleep(HEARTBEAT_S)
            now = time.perf_counter()
            pauses.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await asyncio.gather(*(plan_files(renderer, plan, "km", with_chart=True) for _ in range(plans)))
    wall = time.perf_counter() - started
    beating = False
    await beat
    return wall, max(pauses), statistics.quantiles(pauses, n=100, method="inclusive")[98]


async def main(plans: int, workers: int) -> None:
    plan = marathon_plan()
    for name, draw in (("png", render.to_png), ("ics", render.to_ics)):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            draw(plan, "km")
            times.append(time.perf_counter() - started)
        print(f"{name} alone: median {statistics.median(times) * 1000:.0f} ms")
    pool = RenderPool(workers)
    await pool.warm()
    try:
        print("| drawn | plans | wall s | longest loop pause ms | p99 pause ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        cases: list[tuple[str, PlanRenderer]] = [
            ("on the loop (before)", OnTheLoop()),
            ("in a thread", ThreadRenderer()),
            (f"RenderPool, {workers} workers", pool),
        ]
        for name, renderer in cases:
            for count in (1, plans):
                wall, longest, p99 = await measure(renderer, count)
                print(
                    f"| {name} | {count} | {wall:.2f} | {longest * 1000:.0f} | {p99 * 1000:.1f} |"
                )
    finally:
        await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.plans, arguments.workers))
