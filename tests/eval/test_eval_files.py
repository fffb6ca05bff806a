"""The eval files are data the harness trusts blindly: a typo in an id, a kind or a setup line
would silently turn a case into a different one (a /plan that fails makes a plan question a
no-plan question), so their format and their references are checked here."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.base import load_entries
from bot.plans.request import parse_plan_text

EVAL = Path(__file__).parent
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = {
    "plan", "no-plan", "statement", "smalltalk", "followup", "knowledge", "calculator",
    "out-of-scope", "red-flag",
}  # fmt: skip
CASE_KEYS = {"id", "kind", "setup", "today", "turns", "question", "facts", "wrong"}
RETRIEVAL_KEYS = {"id", "entry", "question", "split"}
# The development set is tuned on; the held-out ones only measure, so they must stay independent
# of it and of each other (a second held-out set stays a fair measure after tuning on the first).
DEV, HELDOUT = "conversations.jsonl", "conversations_heldout.jsonl"
HELDOUT_2, HELDOUT_3 = "conversations_heldout2.jsonl", "conversations_heldout3.jsonl"
HELDOUT_4, HELDOUT_5 = "conversations_heldout4.jsonl", "conversations_heldout5.jsonl"
CONVERSATION_FILES = (DEV, HELDOUT, HELDOUT_2, HELDOUT_3, HELDOUT_4, HELDOUT_5)


def read_jsonl(name: str) -> list[dict[str, Any]]:
    lines = (EVAL / name).read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def entry_ids() -> set[str]:
    return {entry.id for entry in load_entries()}


@pytest.fixture(scope="module", params=CONVERSATION_FILES)
def cases(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return read_jsonl(request.param)


@pytest.fixture(scope="module")
def questions() -> list[dict[str, Any]]:
    return read_jsonl("retrieval.jsonl")


def duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


# ---- retrieval.jsonl --------------------------------------------------------------------------


def test_retrieval_questions_have_exactly_the_documented_keys(questions: list[dict]) -> None:
    bad = [q.get("id") for q in questions if set(q) != RETRIEVAL_KEYS]
    assert not bad
    assert all(isinstance(q["question"], str) and q["question"].strip() for q in questions)


def test_retrieval_ids_are_unique_and_name_their_entry_and_split(questions: list[dict]) -> None:
    assert not duplicates([q["id"] for q in questions])
    number = {"dev": 1, "heldout": 2}
    assert all(q["split"] in number for q in questions)
    assert [q["id"] for q in questions if q["id"] != f"{q['entry']}-{number[q['split']]}"] == []


def test_every_entry_has_one_dev_and_one_heldout_question(
    questions: list[dict], entry_ids: set[str]
) -> None:
    asked = Counter((q["entry"], q["split"]) for q in questions)
    assert {q["entry"] for q in questions} - entry_ids == set(), "questions for unknown entries"
    missing = [
        (entry, split)
        for entry in sorted(entry_ids)
        for split in ("dev", "heldout")
        if asked[(entry, split)] != 1
    ]
    assert missing == []


def test_no_retrieval_question_is_asked_twice(questions: list[dict]) -> None:
    assert not duplicates([q["question"].strip().lower() for q in questions])


# ---- conversations.jsonl ----------------------------------------------------------------------


def test_cases_have_the_required_keys_and_types(cases: list[dict]) -> None:
    for case in cases:
        assert CASE_KEYS <= set(case) <= CASE_KEYS | {"entries"}, case.get("id")
        assert isinstance(case["question"], str) and case["question"].strip(), case["id"]
        for key in ("setup", "turns", "wrong"):
            assert isinstance(case[key], list), (case["id"], key)
            assert all(isinstance(text, str) and text.strip() for text in case[key]), case["id"]


def test_case_ids_are_unique_kebab_case(cases: list[dict]) -> None:
    assert not duplicates([case["id"] for case in cases])
    assert [case["id"] for case in cases if not KEBAB.match(case["id"])] == []


def test_every_case_has_a_known_kind(cases: list[dict]) -> None:
    assert {case["kind"] for case in cases} <= KINDS


def test_facts_are_one_to_three_groups_of_alternatives(cases: list[dict]) -> None:
    for case in cases:
        facts = case["facts"]
        assert isinstance(facts, list) and 1 <= len(facts) <= 3, case["id"]
        for group in facts:
            assert isinstance(group, list) and group, case["id"]
            assert all(isinstance(alt, str) and alt.strip() for alt in group), case["id"]


def test_no_wrong_statement_is_part_of_a_correct_alternative(cases: list[dict]) -> None:
    """A correct answer that says a fact must not be judged confidently wrong for saying it."""
    clashes = [
        (case["id"], wrong, alt)
        for case in cases
        for wrong in case["wrong"]
        for group in case["facts"]
        for alt in group
        if wrong.lower() in alt.lower()
    ]
    assert clashes == []


def test_entries_are_given_only_for_knowledge_answers_and_exist(
    cases: list[dict], entry_ids: set[str]
) -> None:
    for case in cases:
        if "entries" not in case:
            continue
        assert case["kind"] in ("knowledge", "followup"), case["id"]
        assert case["entries"] and set(case["entries"]) <= entry_ids, case["id"]
    unanchored = [c["id"] for c in cases if c["kind"] == "knowledge" and not c.get("entries")]
    assert unanchored == []


def test_today_is_a_date_and_setup_lines_are_commands(cases: list[dict]) -> None:
    for case in cases:
        date.fromisoformat(case["today"])
        assert all(line.startswith("/") for line in case["setup"]), case["id"]


def plan_window(line: str) -> tuple[date, date]:
    """First and race day of a /plan setup line, parsed as the chat parses it."""
    start = re.search(r"\bstart=(\S+)", line)
    assert start, f"{line!r}: give start= so the plan (and its facts) cannot drift"
    first = date.fromisoformat(start.group(1))
    request = parse_plan_text(line.removeprefix("/plan"), today=first).request
    return request.start, request.start + timedelta(weeks=request.weeks, days=-1)


def test_plan_cases_are_asked_while_their_plan_runs(cases: list[dict]) -> None:
    """A plan question asked outside its plan's dates would test the no-plan replies instead."""
    for case in cases:
        plans = [line for line in case["setup"] if line.startswith("/plan ")]
        if case["kind"] == "plan":
            assert plans, case["id"]
        for line in plans:
            first, race = plan_window(line)
            today = date.fromisoformat(case["today"])
            if case["kind"] == "no-plan":
                assert not first <= today <= race, case["id"]
            else:
                assert first <= today <= race, case["id"]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (DEV, HELDOUT), (DEV, HELDOUT_2), (DEV, HELDOUT_3),
        (DEV, HELDOUT_4), (HELDOUT, HELDOUT_2), (HELDOUT, HELDOUT_3), (HELDOUT, HELDOUT_4),
        (HELDOUT_2, HELDOUT_3), (HELDOUT_2, HELDOUT_4), (HELDOUT_3, HELDOUT_4),
        (DEV, HELDOUT_5), (HELDOUT, HELDOUT_5), (HELDOUT_2, HELDOUT_5), (HELDOUT_3, HELDOUT_5),
        (HELDOUT_4, HELDOUT_5),
    ],
)  # fmt: skip
def test_heldout_conversations_share_no_case_question_or_plan_with_an_earlier_set(
    earlier: str, later: str
) -> None:
    """Tuning on one set must not leak into another's score: no shared ids, wordings or /plan
    setups (a shared plan would let numbers tuned on one set answer the other's cases)."""
    first, second = read_jsonl(earlier), read_jsonl(later)
    assert {c["id"] for c in first} & {c["id"] for c in second} == set()
    asked = {c["question"].strip().lower() for c in first}
    assert [c["id"] for c in second if c["question"].strip().lower() in asked] == []
    plans = {line for c in first for line in c["setup"] if line.startswith("/plan")}
    assert [c["id"] for c in second if plans & set(c["setup"])] == []
