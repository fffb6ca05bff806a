"""Numeric questions get exact answers a runner can check against a calculator or Daniels' book."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.calculators import answer_numeric

MILE_KM = 1.609344
EVAL = Path(__file__).parents[1] / "eval" / "questions.jsonl"
# Eval questions the calculators own: every distance/pace one plus predictions and VDOT.
NUMERIC_IDS = {
    "half-miles",
    "marathon-km",
    "5k-miles",
    "10k-miles",
    "mile-km",
    "pace-5-00-km-to-mile",
    "pace-6-00-km-to-mile",
    "pace-9-00-mile-to-km",
    "pace-3-30-marathon",
    "pace-sub-4-marathon",
    "pace-sub-2-half",
    "predict-10k-from-5k",
    "predict-marathon-from-half",
    "speed-to-pace",
    "vdot-50-times",
    "plan-threshold-pace-vdot50",
}


def seconds(clock: str) -> int:
    parts = [int(p) for p in clock.split(":")]
    return sum(v * 60**i for i, v in enumerate(reversed(parts)))


def clocks(text: str) -> list[int]:
    return [seconds(c) for c in re.findall(r"\d+:\d{2}(?::\d{2})?", text)]


def answer(text: str) -> str:
    reply = answer_numeric(text)
    assert reply is not None, text
    return reply


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # 300 s/km x 1.609344 = 482.8 s/mi; 360 -> 579.4; 540 / 1.609344 = 335.5 s/km
        ("what is 5:00/km in min per mile", "8:03 per mile"),
        ("i run 6 min per km, what is that per mile?", "9:39 per mile"),
        ("9 minute miles in km pace", "5:36 per km"),
        ("convert 8:00 per mile to per km", "4:58 per km"),
        ("4:30 min/km in mph?", "8.3 mph"),  # 3600/270 = 13.33 km/h = 8.28 mph
        # 3600 / 12 = 300 s/km; 7 mph = 11.27 km/h -> 319.6 s/km, 3600 / 7 = 514.3 s/mi
        ("treadmill on 12 km/h, what pace?", "5:00 per km"),
        ("7 mph", "5:20 per km, or 8:34 per mile"),
    ],
)
def test_pace_and_speed_conversions(question: str, expected: str) -> None:
    assert expected in answer(question)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many miles is a half marathon", "13.1 miles"),
        ("10k in miles", "6.21 miles"),
        ("5k is how many miles again?", "3.11 miles"),
        ("how long is a marathon?", "42.195 km"),
        ("km in a mile", "1.609 km"),
        ("how far is 15 miles in km", "24.1 km"),  # 15 x 1.609344 = 24.14
        ("convert 20 km to miles", "12.4 miles"),  # 20 / 1.609344 = 12.43
    ],
)
def test_distance_conversions(question: str, expected: str) -> None:
    assert expected in answer(question)


@pytest.mark.parametrize(
    ("question", "per_km", "per_mile"),
    [
        ("what pace for a 3:30 marathon", "4:59", "8:01"),  # 12600 / 42.195 = 298.6 s
        ("sub 2 hour half", "5:41", "9:09"),  # 7200 / 21.0975 = 341.3 s
        ("25 minute 5k", "5:00", "8:03"),
        ("what pace is a 1:45 half marathon?", "4:59", "8:01"),  # 6300 / 21.0975 = 298.6 s
    ],
)
def test_goal_pace_per_km_and_mile(question: str, per_km: str, per_mile: str) -> None:
    reply = answer(question)
    assert f"{per_km} per km" in reply
    assert f"{per_mile} per mile" in reply


def test_finish_time_from_a_pace() -> None:
    # 330 s/km x 21.0975 km = 6962 s = 1:56:02
    assert "1:56:02" in answer("at 5:30/km how long is a half marathon?")


# Daniels' Running Formula, Table 5.1, rows VDOT 50 and the 38/39 rows interpolated.
def test_race_times_for_a_vdot_match_daniels_table() -> None:
    reply = answer("what times go with vdot 50")
    for expected in ("19:57", "41:21", "1:31:35", "3:10:49"):
        assert any(abs(found - seconds(expected)) <= 5 for found in clocks(reply)), expected


def test_prediction_gives_daniels_and_riegel() -> None:
    reply = answer("I ran a 5k in 25:00, what 10k can I run?")
    found = clocks(reply)
    # Table 5.1: VDOT 38 = 25:12 / 52:17, VDOT 39 = 24:39 / 51:09; 25:00 sits at 38.36 -> 51:53.
    assert any(abs(t - seconds("51:53")) <= 5 for t in found)
    assert any(abs(t - 1500 * 2**1.06) <= 1 for t in found)  # Riegel


def test_prediction_from_a_half_in_plain_hours() -> None:
    reply = answer("half in 1:45, marathon time?")
    assert any(abs(t - 6300 * 2**1.06) <= 1 for t in clocks(reply))  # Riegel: 3:38:55
    # Table 5.1: VDOT 42 = 1:47:27 / 3:43:07, VDOT 43 = 1:45:16 / 3:38:35 -> 42.6: about 3:39:50
    assert any(abs(t - seconds("3:39:50")) <= 120 for t in clocks(reply))


def test_vdot_from_a_result() -> None:
    # Table 5.1: 10k 45:16 at VDOT 45 and 44:32 at 46, so 45:00 is VDOT 45.3-45.4.
    reply = answer("what's my vdot, 10k in 45:00")
    assert re.search(r"VDOT of 45\.[34]", reply)


def test_training_paces_from_a_result() -> None:
    reply = answer("what paces should I train at if I ran a 5k in 22:30")
    for zone in ("easy", "marathon", "threshold", "interval", "repetition"):
        assert zone in reply
    assert "VDOT 43." in reply  # Table 5.1: 22:41 at 43, 22:15 at 44


def test_tempo_pace_for_vdot_50_brackets_the_table() -> None:
    reply = answer("with a vdot of 50 what's my tempo pace")
    found = re.search(r"tempo\) pace is (\d:\d{2})-(\d:\d{2})/km", reply)
    assert found is not None, reply
    low, high = found.groups()
    assert seconds(low) <= seconds("4:15") <= seconds(high)  # Table 5.2: T pace 4:15/km


def test_paces_in_miles_when_the_runner_talks_miles() -> None:
    assert "/mi" in answer("what's my easy pace in miles for vdot 50")


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("I ran a 5k in 5:00, what could I run for a 10k?", "world record"),
        ("what pace for a 1:30:00 marathon", "world record"),
        ("what is 1:00/km per mile", "faster than anyone"),
        ("convert 45:00 per km to per mile", "slower than walking"),
        ("what times go with vdot 150", "outside"),
        ("treadmill on 60 km/h, what pace", "faster than anyone"),
    ],
)
def test_absurd_inputs_are_refused_not_answered(question: str, reason: str) -> None:
    reply = answer(question)
    assert reason in reply
    assert "per mile" not in reply


def test_unitless_pace_says_what_it_assumed() -> None:
    reply = answer("what is 5:00 pace in min per mile")
    assert "8:03" in reply and "didn't say" in reply


def test_unitless_pace_is_per_km_when_the_sentence_says_km() -> None:
    assert answer("5:00 pace per kilometre, what is that per mile").startswith("5:00/km is 8:03")


@given(st.integers(min_value=150, max_value=900))
def test_every_km_pace_converts_to_the_rounded_mile_pace(s_per_km: int) -> None:
    minutes, secs = divmod(s_per_km, 60)
    reply = answer(f"what is {minutes}:{secs:02d}/km in min per mile")
    per_mile = round(s_per_km * MILE_KM)
    assert f"{per_mile // 60}:{per_mile % 60:02d} per mile" in reply


def load_eval() -> list[dict]:
    return [json.loads(line) for line in EVAL.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("item", [q for q in load_eval() if q["id"] in NUMERIC_IDS], ids=str)
def test_numeric_eval_questions_get_their_facts(item: dict) -> None:
    reply = answer(item["question"]).lower()
    for group in item["facts"]:
        assert any(fact.lower() in reply for fact in group), (group, reply)


def test_every_numeric_id_is_in_the_eval() -> None:
    assert {q["id"] for q in load_eval()} >= NUMERIC_IDS


@pytest.mark.parametrize(
    "question", [q["question"] for q in load_eval() if q["id"] not in NUMERIC_IDS]
)
def test_other_eval_questions_go_on_to_retrieval(question: str) -> None:
    assert answer_numeric(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "how long should my long run be for a marathon?",
        "is 30 km a week enough for a half?",
        "how many miles a week for a half marathon",
        "how many km before i should buy new running shoes",
        "I ran a 5k in 25:00 today",
        "I run 4 times a week",
        "what should I eat before a 10k",
        "how many gels do I need for a 3:45 marathon?",
        "how much water should i drink in a sub 2 hour half",
        "how long should i taper for a 3:30 marathon",
    ],
)
def test_questions_that_only_mention_numbers_are_left_alone(question: str) -> None:
    assert answer_numeric(question) is None
