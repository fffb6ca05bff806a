"""300 Telegram users at once against one `runcoach serve` (issue 15): each kind's p95 against
its target (`/today` under 1 s, `/plan` under 15 s, questions under 20 s).

The same load as ``tests/load/test_300_users.py`` (which checks that nobody's reply is lost):
100 `/today`, 100 `/plan 10k 8weeks`, 100 knowledge questions with the bundled model drafting.
Exit status 1 when a target is missed. Run on an otherwise idle machine: the bot, its render
workers and the fake Bot API share the cores.

    .venv/bin/python bench/load_bench.py
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.load.test_300_users import measure

TARGETS_P95_S = {"today": 1.0, "plan": 15.0, "question": 20.0}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report, problems = asyncio.run(measure(Path(tmp)))
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, SQLite, {date.today()}")
    print(report.summary())
    missed = 0
    for kind, target in TARGETS_P95_S.items():
        p95 = report.quantile(kind, 0.95)
        verdict = "met" if p95 < target else "MISSED"
        missed += p95 >= target
        print(f"{kind}: p95 {p95:.2f} s, target under {target:.0f} s: {verdict}")
    if report.lost or report.wrong:
        print(f"replies lost or wrong; the bot's warnings and errors:\n{problems}")
        return 1
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
