"""Daniels' VDOT must reproduce his published tables: runners compare our numbers with the book."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.plans import science

# Daniels' Running Formula (3rd ed.), Table 5.1 rows: 5k, 10k, half, marathon.
TABLE = {
    40: ("24:08", "50:03", "1:50:59", "3:49:45"),
    50: ("19:57", "41:21", "1:31:35", "3:10:49"),
    60: ("17:03", "35:22", "1:18:09", "2:43:25"),
}
DISTANCES_KM = (5.0, 10.0, 21.0975, 42.195)
# Table 5.2: threshold and interval pace per km.
PACES = {40: ("5:06", "4:42"), 50: ("4:15", "3:55"), 60: ("3:40", "3:23")}


@pytest.mark.parametrize("vdot", sorted(TABLE))
def test_predicted_race_times_match_daniels_table(vdot: int) -> None:
    for distance, expected in zip(DISTANCES_KM, TABLE[vdot], strict=True):
        predicted = science.predict_race_time(vdot, distance)
        assert abs(predicted - science.parse_clock(expected)) <= 5, (vdot, distance)


@pytest.mark.parametrize("vdot", sorted(TABLE))
def test_vdot_of_a_table_time_is_its_row(vdot: int) -> None:
    for distance, time in zip(DISTANCES_KM, TABLE[vdot], strict=True):
        assert science.vdot_from_race(distance, science.parse_clock(time)) == pytest.approx(
            vdot, abs=0.1
        )


@pytest.mark.parametrize("vdot", sorted(PACES))
def test_threshold_and_interval_paces_match_daniels_table(vdot: int) -> None:
    paces = science.training_paces(vdot)
    threshold, interval = (science.parse_clock(p) for p in PACES[vdot])
    assert abs(sum(paces["threshold"]) / 2 - threshold) <= 2
    assert abs(sum(paces["interval"]) / 2 - interval) <= 2


def test_zones_are_ordered_fast_to_slow() -> None:
    paces = science.training_paces(50)
    assert paces["repetition"][1] < paces["interval"][0] < paces["interval"][1]
    assert paces["interval"][1] < paces["threshold"][0] <= paces["threshold"][1]
    assert paces["threshold"][1] < paces["marathon"][0] <= paces["marathon"][1]
    assert paces["marathon"][1] < paces["easy"][0] < paces["easy"][1]


@given(st.floats(min_value=25, max_value=85), st.sampled_from(DISTANCES_KM))
def test_race_time_inverts_vdot(vdot: float, distance: float) -> None:
    time = science.race_time_for_vdot(vdot, distance)
    assert science.vdot_from_race(distance, time) == pytest.approx(vdot, abs=0.01)


def test_riegel_agrees_roughly_with_vdot_for_neighbouring_distances() -> None:
    five_k = science.parse_clock("20:00")
    vdot = science.vdot_from_race(5, five_k)
    by_vdot = science.race_time_for_vdot(vdot, 10)
    assert science.riegel(five_k, 5, 10) == pytest.approx(by_vdot, rel=0.02)


def test_world_records_bound_what_is_possible() -> None:
    assert not science.is_humanly_possible(5, science.parse_clock("12:00"))
    assert science.is_humanly_possible(5, science.parse_clock("13:00"))
    assert not science.is_humanly_possible(42.195, science.parse_clock("1:59:00"))


@pytest.mark.parametrize(
    ("seconds", "text"), [(59, "0:59"), (255, "4:15"), (3600, "1:00:00"), (11449, "3:10:49")]
)
def test_clock_formatting_round_trips(seconds: int, text: str) -> None:
    assert science.format_clock(seconds) == text
    assert science.parse_clock(text) == seconds


@pytest.mark.parametrize("bad", ["", "45", "4:75", "1:60:00", "abc", "-3:00"])
def test_malformed_times_are_refused_with_the_expected_shape(bad: str) -> None:
    with pytest.raises(ValueError, match="H:MM:SS"):
        science.parse_clock(bad)


def test_pace_and_distance_units_agree() -> None:
    assert science.format_pace(255, "km") == "4:15/km"
    assert science.format_pace(255, "mi") == "6:50/mi"
    assert science.format_distance(10, "mi") == "6.2 mi"
    assert science.format_distance(42.195, "km") == "42.2 km"
    assert science.unit_to_km(science.km_to_unit(13.1, "mi"), "mi") == pytest.approx(13.1)
