"""Adherence: what the plan asked for each week against what the runner says they did.

Only reported runs count as done here (unlike adaptation, which assumes an unreported run went
as planned): a progress chart should show what the runner told us, and show gaps as gaps.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.plans import science
from bot.plans.adapt import RAN, CheckIn
from bot.plans.model import RUN_KINDS, Plan, Units


@dataclass(frozen=True)
class WeekAdherence:
    number: int
    planned_km: float
    done_km: float
    planned_runs: int
    done_runs: int
    missed_runs: int  # skipped or ill


def adherence(plan: Plan, checkins: Sequence[CheckIn], today: date) -> list[WeekAdherence]:
    """One row per week that has started, counting its days up to today."""
    said = {c.day.isoformat(): c for c in checkins}
    rows = []
    for week in plan["weeks"]:
        days = [d for d in week["days"] if date.fromisoformat(d["date"]) <= today]
        if not days:
            break
        runs = [d for d in days if d["kind"] in RUN_KINDS]
        done_km = 0.0
        done = missed = 0
        for day in days:
            check = said.get(day["date"])
            if check is None:
                continue
            if check.status in RAN:
                done += 1
                done_km += (
                    check.distance_km if check.distance_km is not None else day["distance_km"]
                )
            else:
                missed += day["kind"] in RUN_KINDS
        rows.append(
            WeekAdherence(
                week["number"],
                round(sum(d["distance_km"] for d in runs), 1),
                round(done_km, 1),
                len(runs),
                done,
                missed,
            )
        )
    return rows


def progress_text(rows: Sequence[WeekAdherence], units: Units) -> str:
    if not rows:
        return "Your plan hasn't started yet: check in after your first run with /done."
    lines = ["Planned vs done so far (runs you checked in):"]
    for row in rows:
        planned = science.format_distance(row.planned_km, units)
        done = science.format_distance(row.done_km, units)
        lines.append(
            f"Week {row.number}: {done} of {planned}, {row.done_runs}/{row.planned_runs} runs"
            + (f", {row.missed_runs} missed" if row.missed_runs else "")
        )
    planned_km = sum(r.planned_km for r in rows)
    share = sum(r.done_km for r in rows) / planned_km if planned_km else 0.0
    lines.append(f"Overall: {share:.0%} of the planned distance.")
    return "\n".join(lines)


def progress_png(rows: Sequence[WeekAdherence], units: Units) -> bytes:
    """Planned and done distance per week, side by side."""
    numbers = [r.number for r in rows]
    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    planned = [science.km_to_unit(r.planned_km, units) for r in rows]
    done = [science.km_to_unit(r.done_km, units) for r in rows]
    ax.bar([n - 0.2 for n in numbers], planned, 0.4, label="planned", color="#a6bddb")
    ax.bar([n + 0.2 for n in numbers], done, 0.4, label="done", color="#4c72b0")
    ax.set_xlabel("week")
    ax.set_ylabel(units)
    ax.set_xticks(numbers)
    ax.set_title("Planned vs done")
    ax.legend()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
