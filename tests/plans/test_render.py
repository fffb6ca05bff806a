"""What a runner sees of a plan: chat messages that fit, a calendar that imports, a readable chart.

Hand-built plans (``make_plan``) pin exact text, dates and chart structure independently of the
generator; real generated plans (every distance, up to 52 weeks at 7 runs) check that what the
generator actually produces still fits a message, imports as a calendar and reads the same in
miles as in km.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import cache
from typing import cast

import jsonschema
import matplotlib.image
import numpy as np
import pytest
from icalendar import Calendar

from bot.plans import render
from bot.plans.generator import generate_plan
from bot.plans.model import (
    RACE_DISTANCE_KM,
    Day,
    DayKind,
    Phase,
    Plan,
    PlanRequest,
    RaceName,
    RecentRace,
    Units,
    Week,
    plan_schema,
)
from bot.plans.science import KM_PER_MILE, training_paces

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Which weekdays (0 = Monday) carry a run, for each number of runs a week; the long run is Sunday.
RUN_DAYS = {2: (2, 6), 3: (1, 3, 6), 4: (1, 3, 4, 6), 5: (0, 1, 3, 4, 6), 6: (0, 1, 2, 3, 4, 6)}


def _day(when: date, kind: DayKind, km: float, paces: dict[str, list[float]]) -> Day:
    zone = {"interval": "interval", "tempo": "threshold", "marathon_pace": "marathon"}
    day: Day = {"date": when.isoformat(), "kind": kind, "distance_km": round(km, 1), "summary": ""}
    if kind != "rest":
        day["pace_s_per_km"] = paces[zone.get(kind, "easy")]
    if kind in zone:
        day["quality_km"] = round(km * 0.5, 1)
    return day


def _phase(number: int, weeks: int) -> Phase:
    if number == weeks:
        return "race"
    if number >= weeks - 2:
        return "taper"
    return "base" if number <= weeks // 3 else "build"


def _week(number: int, weeks: int, runs: int, km: float, start: date, race: RaceName) -> Week:
    paces = {zone: list(pace) for zone, pace in training_paces(48.0).items()}
    run_days = range(7) if runs == 7 else RUN_DAYS[runs]
    quality: Iterator[DayKind] = iter(("interval", "tempo", "marathon_pace"))
    days = []
    for offset in range(7):
        when = start + timedelta(days=offset)
        if offset not in run_days:
            days.append(_day(when, "rest", 0.0, paces))
        elif offset == 6:
            last = number == weeks
            days.append(_day(when, "race" if last else "long", RACE_DISTANCE_KM[race] if last
                             else km * 0.3, paces))  # fmt: skip
        elif offset in (1, 3):
            days.append(_day(when, next(quality), km * 0.2, paces))
        else:
            days.append(_day(when, "easy", km * 0.5 / max(1, runs - 3), paces))
    cutback = number % 4 == 0 and number < weeks - 2
    total = round(sum(day["distance_km"] for day in days), 1)
    return {"number": number, "phase": _phase(number, weeks), "total_km": total,
            "cutback": cutback, "days": days}  # fmt: skip


def make_plan(
    weeks: int = 8, runs: int = 4, race: RaceName = "10k", weekly_km: float = 40.0
) -> Plan:
    """A schema-valid plan with cutbacks every 4th week, a 2-week taper and the race last."""
    start = date(2026, 3, 2)
    built = []
    for number in range(1, weeks + 1):
        km = weekly_km * min(1 + 0.02 * number, 1.3) * (0.75 if number % 4 == 0 else 1)
        monday = start + timedelta(weeks=number - 1)
        built.append(_week(number, weeks, runs, km, monday, race))
    return {
        "schema": "runcoach.plan/1",
        "race": {
            "name": race,
            "distance_km": RACE_DISTANCE_KM[race],
            "date": built[-1]["days"][-1]["date"],
            "predicted_time_s": 2460.0,
        },
        "athlete": {
            "days_per_week": runs,
            "weekly_km_start": weekly_km,
            "long_run_day": "sun",
            "vdot": 48.0,
            "vdot_source": "recent_race",
        },
        "paces_s_per_km": {zone: list(pace) for zone, pace in training_paces(48.0).items()},
        "weeks": built,
    }


LONGEST = make_plan(weeks=52, runs=7, race="marathon", weekly_km=70.0)
TYPICAL = make_plan(weeks=18, runs=5, race="marathon", weekly_km=50.0)
SHORT = make_plan(weeks=8, runs=3, race="10k", weekly_km=30.0)
START = date(2026, 3, 2)
# Real plans from the generator: every distance, the common 18-week marathon, and the longest
# plans there are (52 weeks at 7 runs), at modest and at high volume.
REQUESTS = {
    "5k-8w-3d": PlanRequest("5k", 8, 3, 20.0, START),
    "10k-10w-5d": PlanRequest("10k", 10, 5, 35.0, START, "sat", RecentRace(10.0, 2700.0)),
    "half-12w-4d": PlanRequest("half", 12, 4, 35.0, START),
    "marathon-18w-5d": PlanRequest(
        "marathon", 18, 5, 50.0, START, recent_race=RecentRace(21.0975, 5700.0)
    ),
    "marathon-52w-7d": PlanRequest("marathon", 52, 7, 60.0, START),
    "marathon-52w-7d-high": PlanRequest(
        "marathon", 52, 7, 150.0, START, recent_race=RecentRace(42.195, 9000.0)
    ),
}
HAND_BUILT = {"hand-52w-7d": LONGEST, "hand-18w-5d": TYPICAL, "hand-8w-3d": SHORT}
PLAN_NAMES = sorted(HAND_BUILT) + sorted(REQUESTS)


@cache
def plan_named(name: str) -> Plan:
    """Generated lazily, so a generator failure fails its own tests, not this module's import."""
    return HAND_BUILT[name] if name in HAND_BUILT else generate_plan(REQUESTS[name])


def workout_days(plan: Plan) -> list[Day]:
    return [day for week in plan["weeks"] for day in week["days"] if day["kind"] != "rest"]


def all_days(plan: Plan) -> list[Day]:
    return [day for week in plan["weeks"] for day in week["days"]]


# ---- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_json_round_trips_and_follows_the_schema(name: str) -> None:
    plan = plan_named(name)
    text = render.to_json(plan)
    assert json.loads(text) == plan
    jsonschema.validate(json.loads(text), plan_schema())
    assert text.endswith("}\n")


def test_json_is_canonical_whatever_the_key_order() -> None:
    reordered: Plan = json.loads(json.dumps(SHORT, sort_keys=True))
    reordered = cast(Plan, dict(reversed(list(reordered.items()))))
    assert render.to_json(reordered) == render.to_json(SHORT)


def test_json_stays_metric() -> None:
    assert (
        json.loads(render.to_json(SHORT))["weeks"][0]["total_km"] == SHORT["weeks"][0]["total_km"]
    )


# ---- determinism ----------------------------------------------------------------------------

RENDERERS: dict[str, Callable[[Plan, Units], str | bytes]] = {
    "json": lambda plan, units: render.to_json(plan),
    "overview": render.overview_text,
    "week": lambda plan, units: render.week_text(plan, 2, units),
    "full": render.full_text,
    "ics": render.to_ics,
    "png": render.to_png,
}


@pytest.mark.parametrize("units", ["km", "mi"])
@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_every_renderer_gives_the_same_bytes_twice(renderer: str, units: Units) -> None:
    produce = RENDERERS[renderer]
    first = produce(json.loads(json.dumps(TYPICAL)), units)
    assert first
    assert produce(json.loads(json.dumps(TYPICAL)), units) == first


# ---- chat text ------------------------------------------------------------------------------


@pytest.mark.parametrize("units", ["km", "mi"])
@pytest.mark.parametrize("name", PLAN_NAMES)
def test_overview_and_every_week_fit_one_discord_message(name: str, units: Units) -> None:
    plan = plan_named(name)
    assert len(render.overview_text(plan, units)) <= render.MESSAGE_LIMIT
    for week in plan["weeks"]:
        assert len(render.week_text(plan, week["number"], units)) <= render.MESSAGE_LIMIT


def test_overview_headline_names_race_date_prediction_vdot_and_paces() -> None:
    text = render.overview_text(SHORT)
    head = text.split("\n\n")[0]
    assert "10K plan: 8 weeks, race Sun 26 Apr 2026" in head
    assert "predicted finish 41:00" in head
    assert "VDOT 48.0 from your recent race" in head
    for zone in ("easy", "marathon", "threshold", "interval", "repetition"):
        assert re.search(rf"{zone} \d+:\d\d-\d+:\d\d/km", head), zone


def test_overview_says_when_paces_are_estimates() -> None:
    plan = json.loads(json.dumps(SHORT))
    plan["athlete"]["vdot_source"] = "estimate"
    plan["race"]["predicted_time_s"] = None
    text = render.overview_text(plan)
    assert "paces are estimates" in text
    assert "predicted" not in text


def test_overview_without_vdot_guides_by_effort() -> None:
    plan = json.loads(json.dumps(SHORT))
    plan["athlete"]["vdot"] = None
    plan["paces_s_per_km"] = {}
    text = render.overview_text(plan)
    assert "run by effort" in text
    assert "Paces:" not in text


def test_overview_has_a_line_per_week_with_volume_long_run_and_sessions() -> None:
    lines = render.overview_text(TYPICAL).split("\n\n")[1].splitlines()
    assert [line.split()[0] for line in lines] == [f"W{n}" for n in range(1, 19)]
    assert lines[3].startswith("W4 base ") and "(cutback)" in lines[3]
    assert "long " in lines[0] and "intervals " in lines[0] and "tempo " in lines[0]
    assert "race 42.2 km" in lines[-1]


def test_longest_plan_overview_compresses_but_keeps_every_week() -> None:
    text = render.overview_text(LONGEST)
    assert len(text) <= render.MESSAGE_LIMIT
    weeks: set[int] = set()
    for span in re.findall(r"^W(\d+)(?:-(\d+))?", text, flags=re.M):
        first = int(span[0])
        weeks.update(range(first, int(span[1] or first) + 1))
    assert weeks == set(range(1, 53))


@pytest.fixture
def tight_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """A limit the per-week lines of LONGEST cannot meet, to exercise the grouped fallback."""
    monkeypatch.setattr(render, "MESSAGE_LIMIT", 1000)
    return 1000


def test_grouped_overview_keeps_each_week_and_its_cutback_mark(tight_limit: int) -> None:
    text = render.overview_text(LONGEST)
    assert len(text) <= tight_limit
    assert "Per week: volume/long run in km; ↓ cutback" in text
    assert [line.split(":")[0] for line in text.splitlines()[5:]] == [
        "W1-17 base",
        "W18-49 build",
        "W50-51 taper",
        "W52 race",
    ]
    cells = re.findall(r"\d+(?:\.\d+)?/\d+(?:\.\d+)?↓?", text)
    assert len(cells) == 52
    assert [cell.endswith("↓") for cell in cells] == [
        bool(week.get("cutback")) for week in LONGEST["weeks"]
    ]


def test_week_text_lists_every_day_with_date_and_the_total() -> None:
    text = render.week_text(SHORT, 2, "km")
    heading, *days, total = text.splitlines()
    assert heading == "Week 2 of 8 (base)"
    assert [day.split(":")[0] for day in days] == [
        "Mon 9 Mar", "Tue 10 Mar", "Wed 11 Mar", "Thu 12 Mar", "Fri 13 Mar", "Sat 14 Mar",
        "Sun 15 Mar",
    ]  # fmt: skip
    assert [day.endswith(": Rest day") for day in days] == [1, 0, 1, 0, 1, 1, 0]
    assert "intervals" in days[1] and "tempo" in days[3] and "Long run" in days[6]
    week_km = SHORT["weeks"][1]["total_km"]
    assert total.startswith(f"Total {tenths(week_km)} km in 3 runs, long run ")


def test_week_text_marks_cutback_weeks_and_names_the_race() -> None:
    assert render.week_text(SHORT, 4).splitlines()[0] == "Week 4 of 8 (build, cutback week)"
    assert "Race day: 10K" in render.week_text(SHORT, 8)


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_every_week_view_lists_its_seven_days_by_date(name: str) -> None:
    plan = plan_named(name)
    for week in plan["weeks"]:
        lines = render.week_text(plan, week["number"], "mi").splitlines()
        labels = [line.split(":")[0] for line in lines[1:8]]
        dates = [date.fromisoformat(day["date"]) for day in week["days"]]
        assert labels == [f"{when:%a} {when.day} {when:%b}" for when in dates]
        assert lines[8].startswith("Total ")


@pytest.mark.parametrize("number", [0, 9, 20])
def test_week_out_of_range_is_refused_in_one_line(number: int) -> None:
    with pytest.raises(ValueError) as err:
        render.week_text(SHORT, number)
    assert str(err.value) == f"week {number} does not exist: this plan has 8 weeks"


def test_an_overlong_day_line_is_clipped_so_the_week_still_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(render, "describe_day", lambda day, units: "very long " * 100)
    text = render.week_text(LONGEST, 3)
    assert len(text) <= render.MESSAGE_LIMIT
    assert all(line.endswith("…") for line in text.splitlines()[1:8])


def test_full_text_has_every_week() -> None:
    text = render.full_text(TYPICAL, "mi")
    assert text.endswith("\n")
    assert [int(n) for n in re.findall(r"^Week (\d+) of 18", text, flags=re.M)] == list(
        range(1, 19)
    )


# ---- km and miles agree ---------------------------------------------------------------------

DISTANCE = re.compile(r"(?<![\d.:/])(\d+(?:\.\d+)?) (km|mi)\b")
PACE = re.compile(r"(\d+):(\d\d)(?:-(\d+):(\d\d))?/(km|mi)\b")
CELL = re.compile(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)")
# Each side is rounded to 0.1 in its own unit before printing.
DISTANCE_TOLERANCE_KM = 0.05 + 0.05 * KM_PER_MILE + 1e-9
# Each pace end is rounded to the second in its own unit.
PACE_TOLERANCE_S = 0.5 + 0.5 / KM_PER_MILE + 1e-9


def distances(text: str, unit: str) -> list[float]:
    found = DISTANCE.findall(text)
    assert {u for _, u in found} <= {unit}, f"{unit} text mixes units"
    return [float(value) for value, _ in found]


def paces(text: str, unit: str) -> list[float]:
    values: list[float] = []
    for m1, s1, m2, s2, found_unit in PACE.findall(text):
        assert found_unit == unit
        values.append(int(m1) * 60 + int(s1))
        if m2:
            values.append(int(m2) * 60 + int(s2))
    return values


def tenths(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def assert_same_numbers(km_text: str, mi_text: str) -> None:
    km_distances, mi_distances = distances(km_text, "km"), distances(mi_text, "mi")
    assert len(km_distances) == len(mi_distances) > 0
    for km, mi in zip(km_distances, mi_distances, strict=True):
        assert abs(mi * KM_PER_MILE - km) <= DISTANCE_TOLERANCE_KM, (km, mi)
    km_paces, mi_paces = paces(km_text, "km"), paces(mi_text, "mi")
    assert len(km_paces) == len(mi_paces)
    for per_km, per_mi in zip(km_paces, mi_paces, strict=True):
        assert abs(per_mi / KM_PER_MILE - per_km) <= PACE_TOLERANCE_S, (per_km, per_mi)


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_miles_overview_converts_back_to_the_km_overview(name: str) -> None:
    plan = plan_named(name)
    km_text, mi_text = render.overview_text(plan, "km"), render.overview_text(plan, "mi")
    assert "/mi" in mi_text and " mi" in mi_text and "km" not in mi_text
    assert len(km_text.splitlines()) == len(mi_text.splitlines()), "same layout in both units"
    assert_same_numbers(km_text, mi_text)
    first = plan["weeks"][0]
    km_total = first["total_km"]
    assert f"W1 {first['phase']} {tenths(km_total)} km" in km_text
    assert f"W1 {first['phase']} {tenths(km_total / KM_PER_MILE)} mi" in mi_text


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_miles_week_views_convert_back_to_the_km_views(name: str) -> None:
    plan = plan_named(name)
    for week in plan["weeks"]:
        km_text = render.week_text(plan, week["number"], "km")
        mi_text = render.week_text(plan, week["number"], "mi")
        assert "km" not in mi_text
        assert_same_numbers(km_text, mi_text)


def test_grouped_overview_in_miles_converts_back_to_km(tight_limit: int) -> None:
    km_text, mi_text = render.overview_text(LONGEST, "km"), render.overview_text(LONGEST, "mi")
    assert "volume/long run in mi" in mi_text
    km_cells, mi_cells = CELL.findall(km_text), CELL.findall(mi_text)
    assert len(km_cells) == len(mi_cells) == 52
    for km_cell, mi_cell in zip(km_cells, mi_cells, strict=True):
        for km, mi in zip(km_cell, mi_cell, strict=True):
            assert abs(float(mi) * KM_PER_MILE - float(km)) <= DISTANCE_TOLERANCE_KM
    assert paces(km_text, "km") and len(paces(km_text, "km")) == len(paces(mi_text, "mi"))


# ---- iCalendar ------------------------------------------------------------------------------


def events(ics: bytes) -> list:
    return Calendar.from_ical(ics).walk("VEVENT")


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_calendar_has_one_all_day_event_per_workout_and_none_on_rest_days(name: str) -> None:
    plan = plan_named(name)
    found = events(render.to_ics(plan))
    starts = [event.decoded("dtstart") for event in found]
    assert all(type(start) is date for start in starts)
    assert sorted(starts) == [date.fromisoformat(day["date"]) for day in workout_days(plan)]
    rest = {date.fromisoformat(d["date"]) for d in all_days(plan) if d["kind"] == "rest"}
    assert not rest & set(starts)
    assert bool(rest) == (plan["athlete"]["days_per_week"] < 7)
    for event in found:
        assert event.decoded("dtend") == event.decoded("dtstart") + timedelta(days=1)


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_race_event_is_on_race_day(name: str) -> None:
    plan = plan_named(name)
    found = events(render.to_ics(plan, "mi"))
    race = [event for event in found if str(event["summary"]).startswith("Race day")]
    assert len(race) == 1
    assert race[0].decoded("dtstart") == date.fromisoformat(plan["race"]["date"])


def test_calendar_is_well_formed_for_calendar_apps() -> None:
    ics = render.to_ics(plan_named("marathon-18w-5d"), "mi")
    lines = ics.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2:] == [b"END:VCALENDAR", b""]
    assert all(len(line) <= 75 for line in lines)  # RFC 5545 folds content lines at 75 octets
    for event in events(ics):
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(event)


def test_calendar_headers_and_stable_unique_uids() -> None:
    calendar = Calendar.from_ical(render.to_ics(SHORT))
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]) == render.PRODID
    assert str(calendar["x-wr-calname"]) == "runcoach: 10K Sun 26 Apr 2026"
    uids = [str(event["uid"]) for event in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert uids == [str(event["uid"]) for event in events(render.to_ics(SHORT, "mi"))]
    changed = json.loads(json.dumps(SHORT))
    changed["weeks"][0]["days"][1]["distance_km"] += 1
    assert not set(uids) & {str(event["uid"]) for event in events(render.to_ics(changed))}


def test_calendar_speaks_the_runners_units() -> None:
    found = events(render.to_ics(SHORT, "mi"))
    for event in found:
        summary, description = str(event["summary"]), str(event["description"])
        assert "km" not in summary and "km" not in description
    quality = next(event for event in found if "intervals" in str(event["summary"]))
    assert re.search(r"Pace: \d+:\d\d-\d+:\d\d/mi", str(quality["description"]))
    assert "At target pace: " in str(quality["description"])


def test_calendar_stamp_comes_from_the_plan_not_the_clock() -> None:
    stamps = {event.decoded("dtstamp") for event in events(render.to_ics(SHORT))}
    assert len(stamps) == 1
    (stamp,) = stamps
    assert stamp.date().isoformat() == SHORT["weeks"][0]["days"][0]["date"]
    assert stamp.utcoffset() == timedelta(0)


# ---- chart ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_chart_has_a_bar_per_week_and_unit_labels(name: str) -> None:
    plan = plan_named(name)
    figure = render.volume_figure(plan, "mi")
    (axes,) = figure.axes
    weekly, _ = axes.containers
    assert [round(bar.get_x() + bar.get_width() / 2) for bar in weekly] == [
        week["number"] for week in plan["weeks"]
    ]
    first_km = plan["weeks"][0]["total_km"]
    assert weekly[0].get_height() == pytest.approx(first_km / KM_PER_MILE)
    assert axes.get_ylabel() == "distance (mi)"
    assert axes.get_xlabel() == "week"
    labels = {line.get_label() for line in axes.get_lines()}
    assert labels == {"long run", "at quality pace"}


def test_chart_stacks_the_race_on_race_week_so_the_taper_shows() -> None:
    (axes,) = render.volume_figure(TYPICAL).axes
    weekly, race = axes.containers
    (race_bar,) = race
    race_week = TYPICAL["weeks"][-1]
    assert race_bar.get_height() == pytest.approx(42.2, abs=0.01)
    assert race_bar.get_y() == pytest.approx(weekly[-1].get_height())
    assert weekly[-1].get_height() == pytest.approx(race_week["total_km"] - 42.2, abs=0.01)
    assert weekly[-1].get_height() < weekly[-4].get_height()


def test_chart_sets_cutback_taper_and_race_apart() -> None:
    (axes,) = render.volume_figure(TYPICAL).axes
    weekly, (race_bar,) = axes.containers
    assert TYPICAL["weeks"][3]["cutback"] and weekly[3].get_hatch() == "//"
    assert weekly[0].get_hatch() is None
    colours = {weekly[0].get_facecolor(), weekly[3].get_facecolor(), weekly[16].get_facecolor()}
    assert len(colours | {race_bar.get_facecolor()}) == 4  # build, cutback, taper, race
    assert weekly[17].get_facecolor() == weekly[16].get_facecolor()  # race week tapers too


def test_chart_marks_the_race() -> None:
    (axes,) = render.volume_figure(SHORT).axes
    assert [text.get_text() for text in axes.texts] == ["race: 10K\nSun 26 Apr"]


def test_chart_quality_line_sums_quality_km() -> None:
    (axes,) = render.volume_figure(SHORT).axes
    quality = next(line for line in axes.get_lines() if line.get_label() == "at quality pace")
    expected = [sum(d.get("quality_km") or 0 for d in week["days"]) for week in SHORT["weeks"]]
    assert np.asarray(quality.get_ydata()).tolist() == pytest.approx(expected)


@pytest.mark.parametrize("units", ["km", "mi"])
def test_png_is_a_readable_image(units: Units) -> None:
    data = render.to_png(plan_named("marathon-52w-7d"), units)
    assert data.startswith(PNG_SIGNATURE)
    image = matplotlib.image.imread(io.BytesIO(data), format="png")
    height, width = image.shape[:2]
    assert (width, height) == (1000, 500)
    assert image.std() > 0.05  # not a blank canvas
