"""A plan, shown to a runner: chat text, JSON, an iCalendar file and a chart.

Every renderer is a pure function of the plan dict (no clock, no randomness, no files), so the
same plan always gives the same bytes: the CLI promises byte-for-byte output, and stored plans
re-render identically months later. Distances and paces appear in the runner's units; only the
JSON stays metric, because it is the stored contract (``plan.schema.json``). Day lines come from
``describe_day`` rather than the stored ``summary`` because the stored one is always in km.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from icalendar import Calendar, Event
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.plans.model import RACE_LABEL, RUN_KINDS, Day, Plan, Units, Week
from bot.plans.science import (
    ZONES,
    format_clock,
    format_distance,
    format_pace_range,
    km_to_unit,
)
from bot.plans.workouts import describe_day

# Discord refuses longer messages; Telegram's 4096 is looser, so one limit serves every chat.
MESSAGE_LIMIT = 2000
# A day's line longer than this is no longer "one line"; clipping it keeps a week in one message
# (7 days x 200 chars plus dates, heading and total stays under MESSAGE_LIMIT).
DAY_LINE_LIMIT = 200
PRODID = "-//runcoach//training plan//EN"

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
# Short names for the overview, where every character counts over 52 weeks.
_SESSION_LABEL = {
    "tempo": "tempo",
    "interval": "intervals",
    "repetition": "reps",
    "marathon_pace": "MP",
    "race": "race",
}
_CUTBACK_MARK = "↓"  # not '*' or '_': Discord would read those as markdown


# ---- shared helpers -------------------------------------------------------------------------


def _date_label(iso: str, *, year: bool = False) -> str:
    """'Tue 20 Jan' by hand, because strftime names follow the process locale."""
    day = date.fromisoformat(iso)
    label = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return f"{label} {day.year}" if year else label


def _number(km: float, units: Units) -> str:
    """A distance without its unit, for lists that name the unit once."""
    return format_distance(km, units).removesuffix(f" {units}")


def _long_run_km(week: Week) -> float:
    return max((day["distance_km"] for day in week["days"] if day["kind"] == "long"), default=0.0)


def _quality_km(week: Week) -> float:
    return sum(day.get("quality_km") or 0.0 for day in week["days"])


def _runs(week: Week) -> int:
    return sum(1 for day in week["days"] if day["kind"] in RUN_KINDS and day["distance_km"] > 0)


def _week(plan: Plan, number: int) -> Week:
    weeks = plan["weeks"]
    if not 1 <= number <= len(weeks):
        raise ValueError(f"week {number} does not exist: this plan has {len(weeks)} weeks")
    return weeks[number - 1]


def _race_title(plan: Plan) -> str:
    """'10K', 'Half marathon': str.capitalize would turn '10K' into '10k'."""
    label = RACE_LABEL[plan["race"]["name"]]
    return label[0].upper() + label[1:]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# ---- text -----------------------------------------------------------------------------------


def _fitness_line(plan: Plan) -> str:
    """Says how far to trust the paces: only a recent race makes them precise."""
    vdot = plan["athlete"].get("vdot")
    if vdot is None:
        return "No recent race yet: run by effort (easy = conversational)."
    predicted = plan["race"].get("predicted_time_s")
    finish = f", predicted finish {format_clock(predicted)}" if predicted else ""
    if plan["athlete"].get("vdot_source") == "recent_race":
        return f"VDOT {vdot:.1f} from your recent race{finish}."
    return (
        f"VDOT {vdot:.1f} estimated from your weekly volume{finish}: "
        "paces are estimates, go by feel."
    )


def _pace_line(plan: Plan, units: Units) -> str | None:
    paces = plan["paces_s_per_km"]
    zones = [f"{zone} {format_pace_range(paces[zone], units)}" for zone in ZONES if zone in paces]
    return "Paces: " + ", ".join(zones) if zones else None


def _headline(plan: Plan, units: Units) -> list[str]:
    race = plan["race"]
    title = (
        f"{_race_title(plan)} plan: {len(plan['weeks'])} weeks, "
        f"race {_date_label(race['date'], year=True)}"
    )
    pace = _pace_line(plan, units)
    return [title, _fitness_line(plan), *([pace] if pace else [])]


def _key_sessions(week: Week, units: Units) -> str:
    sessions = [
        f"{_SESSION_LABEL[day['kind']]} "
        f"{format_distance(day.get('quality_km') or day['distance_km'], units)}"
        for day in week["days"]
        if day["kind"] in _SESSION_LABEL
    ]
    return ", ".join(sessions)


def _week_line(week: Week, units: Units, *, sessions: bool) -> str:
    cutback = " (cutback)" if week.get("cutback") else ""
    line = f"W{week['number']} {week['phase']} {format_distance(week['total_km'], units)}{cutback}"
    long_km = _long_run_km(week)
    if long_km:
        line += f", long {format_distance(long_km, units)}"
    key = _key_sessions(week, units) if sessions else ""
    return f"{line}; {key}" if key else line


def _grouped_lines(weeks: Iterable[Week], units: Units) -> list[str]:
    """One line per phase block, each week as volume/long run: the 52-week plan's fallback."""
    lines = [f"Per week: volume/long run in {units}; {_CUTBACK_MARK} cutback"]
    for phase, block in groupby(weeks, key=lambda week: week["phase"]):
        block_weeks = list(block)
        first, last = block_weeks[0]["number"], block_weeks[-1]["number"]
        span = f"W{first}" if first == last else f"W{first}-{last}"
        cells = [
            f"{_number(week['total_km'], units)}/{_number(_long_run_km(week), units)}"
            f"{_CUTBACK_MARK if week.get('cutback') else ''}"
            for week in block_weeks
        ]
        lines.append(f"{span} {phase}: {' '.join(cells)}")
    return lines


def overview_text(plan: Plan, units: Units = "km") -> str:
    """The whole plan in one chat message, dropping detail until it fits MESSAGE_LIMIT.

    Tried in order: a line per week with its key sessions, a line per week without them, then
    one line per phase listing each week's volume and long run (fits even 52 weeks).
    """
    head = _headline(plan, units)
    weeks = plan["weeks"]
    bodies = (
        [_week_line(week, units, sessions=True) for week in weeks],
        [_week_line(week, units, sessions=False) for week in weeks],
        _grouped_lines(weeks, units),
    )
    texts = ["\n".join([*head, "", *body]) for body in bodies]
    return next((text for text in texts if len(text) <= MESSAGE_LIMIT), texts[-1])


def day_text(day: Day, units: Units = "km") -> str:
    """A day as the week view lists it: its date, then the workout in the runner's units."""
    return f"{_date_label(day['date'])}: {_clip(describe_day(day, units), DAY_LINE_LIMIT)}"


def _week_total(week: Week, units: Units) -> str:
    runs = _runs(week)
    parts = [f"Total {format_distance(week['total_km'], units)} in {runs} run{'s' * (runs != 1)}"]
    if long_km := _long_run_km(week):
        parts.append(f"long run {format_distance(long_km, units)}")
    if quality_km := _quality_km(week):
        parts.append(f"{format_distance(quality_km, units)} at quality pace")
    return ", ".join(parts)


def week_text(plan: Plan, number: int, units: Units = "km") -> str:
    """One week, day by day, in one chat message; ValueError names the plan's real length."""
    week = _week(plan, number)
    cutback = ", cutback week" if week.get("cutback") else ""
    heading = f"Week {number} of {len(plan['weeks'])} ({week['phase']}{cutback})"
    days = [day_text(day, units) for day in week["days"]]
    return "\n".join([heading, *days, _week_total(week, units)])


def full_text(plan: Plan, units: Units = "km") -> str:
    """Every week in full for the CLI, where no message limit applies."""
    weeks = [week_text(plan, week["number"], units) for week in plan["weeks"]]
    return "\n\n".join(["\n".join(_headline(plan, units)), *weeks]) + "\n"


# ---- JSON -----------------------------------------------------------------------------------


def to_json(plan: Plan) -> str:
    """Canonical JSON: sorted keys so equal plans print equal bytes; NaN refused, not printed."""
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


# ---- iCalendar ------------------------------------------------------------------------------


def _description(day: Day, week: Week, units: Units) -> str:
    lines = [f"Week {week['number']} ({week['phase']})"]
    if pace := day.get("pace_s_per_km"):
        lines.append(f"Pace: {format_pace_range(pace, units)}")
    if quality_km := day.get("quality_km"):
        lines.append(f"At target pace: {format_distance(quality_km, units)}")
    if duration := day.get("duration_min"):
        lines.append(f"About {round(duration)} min")
    if details := day.get("details"):
        lines.append(details)
    return "\n".join(lines)


def _event(day: Day, week: Week, units: Units, digest: str, stamp: datetime) -> Event:
    start = date.fromisoformat(day["date"])
    event = Event()
    # Same plan, same UIDs: re-importing updates the events instead of duplicating them.
    event.add("uid", f"{day['date']}-{digest[:16]}@runcoach")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(days=1))
    event.add("summary", describe_day(day, units))
    event.add("description", _description(day, week, units))
    event.add("transp", "TRANSPARENT")  # a workout should not mark the whole day busy
    return event


def to_ics(plan: Plan, units: Units = "km") -> bytes:
    """An all-day event per workout (race included), importable into Google or Apple Calendar.

    UIDs hash the plan's canonical JSON, and DTSTAMP is the plan's first day at midnight UTC,
    so the file is byte-for-byte reproducible (RFC 5545 only needs DTSTAMP to be a UTC time).
    """
    digest = hashlib.sha256(to_json(plan).encode()).hexdigest()
    first = date.fromisoformat(plan["weeks"][0]["days"][0]["date"])
    stamp = datetime(first.year, first.month, first.day, tzinfo=UTC)
    race = plan["race"]
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add(
        "x-wr-calname",
        f"runcoach: {RACE_LABEL[race['name']]} {_date_label(race['date'], year=True)}",
    )
    for week in plan["weeks"]:
        for day in week["days"]:
            if day["kind"] != "rest":
                calendar.add_component(_event(day, week, units, digest, stamp))
    return calendar.to_ical()


# ---- chart ----------------------------------------------------------------------------------

_BAR_STYLE = {  # category: (colour, legend label)
    "training": ("#4c72b0", "training week"),
    "cutback": ("#a6bddb", "cutback week"),
    "taper": ("#f2a541", "taper"),
}
_RACE_COLOUR = "#d1495b"
# Room around the axes, as fractions of the 1000 x 500 px figure: the y label and three-digit
# ticks on the left, the title on top, the week labels and the legend below.
_MARGINS = {"left": 0.07, "right": 0.985, "top": 0.93, "bottom": 0.17}


def _bar_category(week: Week) -> str:
    if week["phase"] in ("taper", "race"):
        return "taper"
    return "cutback" if week.get("cutback") else "training"


def _race_km(week: Week) -> float:
    return sum(day["distance_km"] for day in week["days"] if day["kind"] == "race")


def _draw_volume(axes: Axes, plan: Plan, units: Units) -> list[Patch]:
    """Weekly bars, then the race stacked on race week in its own colour; returns legend keys.

    Drawn as training volume, a marathon would make race week look like the biggest week of the
    plan instead of the end of a taper.
    """
    weeks = plan["weeks"]
    numbers = [week["number"] for week in weeks]
    volume = [km_to_unit(week["total_km"] - _race_km(week), units) for week in weeks]
    categories = [_bar_category(week) for week in weeks]
    bars = axes.bar(numbers, volume, color=[_BAR_STYLE[c][0] for c in categories], zorder=2)
    for bar, category in zip(bars, categories, strict=True):
        if category == "cutback":
            bar.set_hatch("//")
    race_km = km_to_unit(_race_km(weeks[-1]), units)  # the race is the plan's last day
    axes.bar(numbers[-1], race_km, bottom=volume[-1], color=_RACE_COLOUR, zorder=2)
    race = plan["race"]
    axes.annotate(
        f"race: {RACE_LABEL[race['name']]}\n{_date_label(race['date'])}",
        xy=(numbers[-1], volume[-1] + race_km),
        xytext=(0.99, 0.97),  # the top corner: the 1.25 headroom below keeps it off the bars
        textcoords="axes fraction",
        ha="right",
        va="top",
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": _RACE_COLOUR},
    )
    axes.set_ylim(0, max(*volume, volume[-1] + race_km) * 1.25)
    legend = [
        Patch(facecolor=colour, hatch="//" if category == "cutback" else None, label=label)
        for category, (colour, label) in _BAR_STYLE.items()
        if category in categories
    ]
    return [*legend, Patch(facecolor=_RACE_COLOUR, label="race")]


def _draw_lines(axes: Axes, plan: Plan, units: Units) -> None:
    weeks = plan["weeks"]
    numbers = [week["number"] for week in weeks]
    # NaN leaves a gap in the line for a week without a long run, instead of a dip to zero.
    long_runs = [km_to_unit(_long_run_km(week), units) or math.nan for week in weeks]
    quality = [km_to_unit(_quality_km(week), units) for week in weeks]
    axes.plot(numbers, long_runs, marker="o", color="#2d2d2d", label="long run", zorder=3)
    axes.plot(numbers, quality, "s--", color="#55a868", label="at quality pace", zorder=3)


def _label_axes(axes: Axes, plan: Plan, units: Units) -> None:
    numbers = [week["number"] for week in plan["weeks"]]
    step = math.ceil(len(numbers) / 26)  # at most 26 week labels stay readable
    axes.set_xticks(numbers[::step])
    axes.set_xlim(0.4, numbers[-1] + 0.6)
    axes.set_xlabel("week")
    axes.set_ylabel(f"distance ({units})")
    axes.set_title(f"{_race_title(plan)} plan: weekly volume, long run and quality")
    axes.grid(axis="y", alpha=0.3, zorder=0)


def volume_figure(plan: Plan, units: Units = "km") -> Figure:
    """The chart as a Figure, apart from rendering, so tests can inspect bars and labels.

    Built on a bare Figure with its own Agg canvas, never pyplot, so charts rendered in the
    bot's threads share no global state and need no closing. Its margins are fixed rather than
    solved by a layout engine: every chart has the same furniture (one axes, a one-row legend,
    at most three-digit distances), and the solver took a third of each chart's time.
    """
    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(**_MARGINS)
    axes = figure.add_subplot()
    bar_keys = _draw_volume(axes, plan, units)
    _draw_lines(axes, plan, units)
    # Below the axes, so no plan's bars can hide under it.
    keys = [*bar_keys, *axes.get_lines()]
    figure.legend(
        handles=keys,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=len(keys),
        fontsize="small",
    )
    _label_axes(axes, plan, units)
    return figure


def to_png(plan: Plan, units: Units = "km") -> bytes:
    """The chart as PNG bytes, with no Software/date metadata so equal plans give equal files."""
    buffer = io.BytesIO()
    volume_figure(plan, units).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
