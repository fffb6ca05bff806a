"""Plan generation throughput and latency on one core.

Target (issue 2): an 18-week marathon plan in under 20 ms (median). Run with
`make bench` or `.venv/bin/python bench/plan_bench.py [--repeat N]`; record results in
bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date

from bot.plans.generator import generate_plan
from bot.plans.model import PlanRequest, RecentRace

START = date(2027, 1, 4)  # a Monday
CASES: dict[str, PlanRequest] = {
    "marathon 18w 5d 50km + race": PlanRequest(
        race="marathon",
        weeks=18,
        days_per_week=5,
        weekly_km=50,
        start=START,
        recent_race=RecentRace(21.0975, 5400),
    ),
    "marathon 18w 7d 110km": PlanRequest(
        race="marathon", weeks=18, days_per_week=7, weekly_km=110, start=START
    ),
    "10k 8w 4d 30km": PlanRequest(race="10k", weeks=8, days_per_week=4, weekly_km=30, start=START),
    "half 52w 6d 40km": PlanRequest(
        race="half", weeks=52, days_per_week=6, weekly_km=40, start=START
    ),
}


def measure(request: PlanRequest, repeat: int) -> list[float]:
    generate_plan(request)  # warm caches and imports
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        generate_plan(request)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    print(
        f"python {platform.python_version()} on {platform.machine()}, 1 core, "
        f"{args.repeat} runs each"
    )
    print(f"{'case':32} {'median ms':>10} {'p95 ms':>8} {'plans/s':>8}")
    for name, request in CASES.items():
        timings = sorted(measure(request, args.repeat))
        median = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{name:32} {median:10.2f} {p95:8.2f} {1000 / median:8.0f}")


if __name__ == "__main__":
    main()
