"""Entries carry the questions runners ask; a malformed list stops start-up naming the file."""

from __future__ import annotations

import pytest

from bot.knowledge.base import KnowledgeError, load_entries, parse_entry

ENTRY = """---
title: Shin splints
tags: [shin splints, shin pain]
source: "A book"
{questions}---
A diffuse ache along the inner edge of the shinbone.
"""


def test_questions_are_kept_in_order_with_their_spacing_tidied() -> None:
    text = ENTRY.format(questions='questions:\n  - "my shins  kill after every run"\n  - ouch?\n')
    entry = parse_entry("injuries", "shin-splints.md", text)
    assert entry.questions == ("my shins kill after every run", "ouch?")


def test_an_entry_without_questions_has_none() -> None:
    assert parse_entry("injuries", "shin-splints.md", ENTRY.format(questions="")).questions == ()


@pytest.mark.parametrize(
    "questions",
    [
        'questions: "my shins kill"\n',
        "questions:\n  - 42\n",
        "questions:\n  - {why: shins}\n",
        'questions:\n  - ""\n',
        "questions:\n",
    ],
)
def test_malformed_questions_name_the_file(questions: str) -> None:
    with pytest.raises(KnowledgeError, match=r"^injuries/shin-splints\.md: questions must be"):
        parse_entry("injuries", "shin-splints.md", ENTRY.format(questions=questions))


def test_every_shipped_entry_lists_three_to_five_questions_of_its_own() -> None:
    entries = load_entries()
    assert all(3 <= len(entry.questions) <= 5 for entry in entries)
    asked = [question.lower() for entry in entries for question in entry.questions]
    assert len(asked) == len(set(asked))
    # Written in runners' words, not lifted from the vetted text.
    assert not [
        (entry.id, q)
        for entry in entries
        for q in entry.questions
        if q.lower() in entry.body.lower()
    ]
