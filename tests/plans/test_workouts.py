"""The line a runner reads: rebuilt from the day's JSON alone, the same sessions in km and miles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.plans.model import Day
from bot.plans.workouts import describe_day, rep_structure, session_km, warm_up_cool_down

QUALITY = ("tempo", "interval", "repetition", "marathon_pace")


def day(kind: str, km: float, quality: float | None = None, pace: list[float] | None = None) -> Day:
    built = {"date": "2027-01-05", "kind": kind, "distance_km": km, "pace_s_per_km": pace}
    if quality is not None:
        built["quality_km"] = quality
    return built  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("the_day", "km_text", "mi_text"),
    [
        (day("rest", 0.0), "Rest day", "Rest day"),
        (
            day("tempo", 8.0, 4.0, [255, 260]),
            "8 km tempo: 2 km easy, 4 km at 4:15-4:20/km (comfortably hard), 2 km easy",
            "5 mi tempo: 1.2 mi easy, 2.5 mi at 6:50-6:58/mi (comfortably hard), 1.2 mi easy",
        ),
        (
            day("interval", 10.0, 5.0, [233, 237]),
            "10 km intervals: 2.5 km easy, 5 x 1000 m at 3:53-3:57/km (hard) with 2 min jog, "
            "2.5 km easy",
            "6.2 mi intervals: 1.6 mi easy, 5 x 1000 m at 6:15-6:21/mi (hard) with 2 min jog, "
            "1.6 mi easy",
        ),
        (
            day("tempo", 12.0, 8.0, [255, 260]),
            "12 km tempo: 2 km easy, 5 x 1600 m at 4:15-4:20/km (comfortably hard) with 1 min jog, "
            "2 km easy",
            "7.5 mi tempo: 1.2 mi easy, 5 x 1600 m at 6:50-6:58/mi (comfortably hard) with 1 min "
            "jog, 1.2 mi easy",
        ),
        (
            day("repetition", 5.2, 1.2, [216, 220]),
            "5.2 km repetitions: 2 km easy, 6 x 200 m at 3:36-3:40/km (fast, relaxed) with 200 m "
            "jog, 2 km easy",
            "3.2 mi repetitions: 1.2 mi easy, 6 x 200 m at 5:48-5:54/mi (fast, relaxed) with 200 m "
            "jog, 1.2 mi easy",
        ),
        (
            day("marathon_pace", 16.0, 10.0, [266, 272]),
            "16 km marathon pace: 3 km easy, 10 km at 4:26-4:32/km (steady), 3 km easy",
            "9.9 mi marathon pace: 1.9 mi easy, 6.2 mi at 7:08-7:18/mi (steady), 1.9 mi easy",
        ),
        (
            day("long", 16.0, pace=[320, 352]),
            "Long run 16 km at 5:20-5:52/km, conversational",
            "Long run 9.9 mi at 8:35-9:26/mi, conversational",
        ),
        (
            day("recovery", 5.0, pace=[336, 352]),
            "Recovery 5 km at 5:36-5:52/km, very easy",
            "Recovery 3.1 mi at 9:01-9:26/mi, very easy",
        ),
        (
            day("race", 10.0, pace=[248, 248]),
            "Race day: 10K at 4:08/km goal pace",
            "Race day: 10K at 6:39/mi goal pace",
        ),
    ],
)
def test_a_day_reads_the_same_in_km_and_miles(the_day: Day, km_text: str, mi_text: str) -> None:
    assert describe_day(the_day, "km") == km_text
    assert describe_day(the_day, "mi") == mi_text


def test_estimated_paces_are_marked_and_effort_leads() -> None:
    easy = day("easy", 8.0, pace=[380, 455])
    easy["pace_estimated"] = True
    assert describe_day(easy, "km") == "Easy 8 km at ~6:20-7:35/km, conversational"
    race = day("race", 21.1, pace=[330, 330])
    race["pace_estimated"] = True
    assert (
        describe_day(race, "km")
        == "Race day: half marathon, start at ~5:30/km (est.) and run by feel"
    )


def test_a_day_without_a_pace_still_reads_well() -> None:
    assert describe_day(day("tempo", 7.0, 3.0), "km") == (
        "7 km tempo: 2 km easy, 3 km (comfortably hard), 2 km easy"
    )
    assert describe_day(day("easy", 6.0), "mi") == "Easy 3.7 mi, conversational"


@given(
    kind=st.sampled_from(QUALITY),
    budget=st.floats(0, 40).map(lambda km: round(km, 1)),
    easy=st.integers(20, 60),
)
def test_every_session_the_generator_can_pick_has_a_real_structure(
    kind: str, budget: float, easy: int
) -> None:
    quality = session_km(kind, budget)
    if quality is None:
        return
    assert 0 < quality <= budget
    reps = rep_structure(kind, quality)
    if kind in ("interval", "repetition"):
        assert reps is not None and reps.count * reps.metres == round(quality * 1000)
    elif kind == "tempo":
        assert (reps is None) == (quality <= 6), quality
    else:
        assert reps is None
    distance = round(quality + easy / 10, 1)
    warm_up, cool_down = warm_up_cool_down(distance, quality)
    assert abs(warm_up + quality + cool_down - distance) < 1e-9 and warm_up <= cool_down
    assert "\n" not in describe_day(day(kind, distance, quality, [250, 255]), "mi")


@pytest.mark.parametrize(
    ("kind", "budget", "quality"),
    [
        ("tempo", 1.9, None),
        ("tempo", 6.3, 6.0),
        ("tempo", 9.0, 8.0),
        ("interval", 1.5, None),
        ("interval", 2.9, 2.8),
        ("interval", 14.0, 10.0),
        ("repetition", 0.7, None),
        ("repetition", 1.5, 1.4),
        ("marathon_pace", 2.9, None),
        ("marathon_pace", 40.0, 29.0),
    ],
)
def test_session_sizes_snap_down_to_clean_sessions_within_daniels_ceilings(
    kind: str, budget: float, quality: float | None
) -> None:
    assert session_km(kind, budget) == quality
