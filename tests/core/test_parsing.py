"""The one reader of typed numbers, times, dates and zones: what it accepts, what it refuses,
and that no text whatever gets anything but a value in range or one short line."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, time
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import parsing
from bot.core.parsing import InputError

# Every Unicode category (surrogates excepted: a str from a chat platform never holds them),
# with digits, signs and separators mixed in so some draws come close to valid input.
CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from("0123456789:.,-+eE/kmi ²³０٣"),
)
# Drawn sizes cluster near zero, so pasted pages (up to 5,000 characters) get their own share.
ANY_TEXT = st.one_of(
    st.text(CHARACTERS, max_size=40), st.text(CHARACTERS, min_size=1000, max_size=5000)
)
LONGEST_REFUSAL = 160  # the fixed wording plus at most 30 quoted characters


def refusal(parse: Callable[[], Any]) -> str:
    with pytest.raises(InputError) as refused:
        parse()
    message = str(refused.value)
    assert "\n" not in message and len(message) <= LONGEST_REFUSAL
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06:30", time(6, 30)),
        ("6:30", time(6, 30)),
        (" 23:59 ", time(23, 59)),
        ("００:００", time(0, 0)),  # fullwidth digits, as a Japanese keyboard types them
        ("٠٦:٣٠", time(6, 30)),  # Arabic-Indic digits
    ],
)
def test_clock_times(text: str, expected: time) -> None:
    assert parsing.parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text", ["²³:00", "06:³⁰", "24:00", "12:60", "6:3", "630", "6:30pm", "", "-1:00", "1e3:00"]
)
def test_clock_times_refused(text: str) -> None:
    message = refusal(lambda: parsing.parse_clock_time(text))
    assert "HH:MM" in message or "00:00 to 23:59" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
    ],
)
def test_time_zones(text: str, expected: str) -> None:
    assert parsing.parse_timezone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "localtime",
        "posixrules",
        "Factory",
        "EST",
        "US/Eastern",
        "Etc/GMT+5",
        "/etc/passwd",
        "../../etc/localtime",
        "Europe/../Europe/Paris",
        "Europe/Atlantis",
        "right/Europe/Paris",
        "Europe/Paris\x00",
        "",
    ],
)
def test_time_zones_refused(text: str) -> None:
    assert "Europe/Paris" in refusal(lambda: parsing.parse_timezone(text))


@pytest.mark.parametrize(
    ("text", "units", "km"),
    [
        ("8.5km", "km", 8.5),
        ("8,5", "km", 8.5),
        ("10k", "mi", 10.0),
        ("5mi", "km", 5 * 1.609344),
        ("3", "mi", 3 * 1.609344),
        ("٥km", "km", 5.0),
        ("400", "km", 400.0),
    ],
)
def test_distances(text: str, units: parsing.Units, km: float) -> None:
    assert parsing.parse_distance_km(text, units) == pytest.approx(km)


@pytest.mark.parametrize(
    "text", ["-5km", "0", "0.01km", "401km", "1e308km", "1e400", "inf", "nan", "Infinity km", "²km"]
)
def test_distances_refused(text: str) -> None:
    refusal(lambda: parsing.parse_distance_km(text))


@pytest.mark.parametrize("text", ["-1", "0", "11", "1e400", "6.5", "six", "", "9" * 5000])
def test_efforts_refused(text: str) -> None:
    refusal(lambda: parsing.parse_effort(text))


def test_dates_in_range_and_out() -> None:
    earliest, latest = date(2026, 1, 1), date(2026, 12, 31)
    assert parsing.parse_iso_date("2026-06-01", earliest=earliest, latest=latest) == date(
        2026, 6, 1
    )
    assert "too far ahead" in refusal(
        lambda: parsing.parse_iso_date("9999-12-27", earliest=earliest, latest=latest)
    )
    assert "too long ago" in refusal(
        lambda: parsing.parse_iso_date("0001-01-01", earliest=earliest, latest=latest)
    )
    for text in ("2026-02-30", "2026-6-1", "20260601", "2026-W23-1", "tomorrow"):
        assert "YYYY-MM-DD" in refusal(partial(parsing.parse_iso_date, text))


def test_a_refusal_quotes_thirty_characters_at_most() -> None:
    message = refusal(lambda: parsing.parse_clock_time("x" * 4000))
    assert "x" * 30 not in message and "x" * 29 in message


# ---- any text at all: a value in range, or one short line -------------------------------------


def in_range_or_refused(parse: Callable[[str], Any], valid: Callable[[Any], bool]) -> Any:
    @settings(max_examples=300, deadline=None)
    @given(ANY_TEXT)
    def check(text: str) -> None:
        try:
            value = parse(text)
        except InputError as err:
            assert "\n" not in str(err) and len(str(err)) <= LONGEST_REFUSAL
        else:
            assert valid(value)

    return check


test_any_text_as_a_clock_time = in_range_or_refused(
    parsing.parse_clock_time, lambda value: isinstance(value, time)
)
test_any_text_as_a_distance = in_range_or_refused(
    parsing.parse_distance_km,
    lambda km: math.isfinite(km) and parsing.MIN_RUN_KM <= km <= parsing.MAX_RUN_KM,
)
test_any_text_as_an_effort = in_range_or_refused(parsing.parse_effort, lambda e: 1 <= e <= 10)
test_any_text_as_a_time_zone = in_range_or_refused(
    parsing.parse_timezone, lambda zone: zone == "UTC" or zone.split("/")[0] in parsing.ZONE_AREAS
)
test_any_text_as_a_date = in_range_or_refused(
    lambda text: parsing.parse_iso_date(text, earliest=date(2000, 1, 1), latest=date(2100, 1, 1)),
    lambda day: date(2000, 1, 1) <= day <= date(2100, 1, 1),
)
test_any_text_as_a_number = in_range_or_refused(
    lambda text: parsing.parse_decimal(text, what="a number", example="8.5"), math.isfinite
)
