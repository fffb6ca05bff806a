"""The dataset: grounded answers, exact numbers, and splits that share no source."""

from __future__ import annotations

import json

from bot.core.answers import SYSTEM_PROMPT
from bot.core.calculators import answer_numeric
from bot.knowledge.base import load_entries
from training import data
from training.config import Config, load_config


def config() -> Config:
    return load_config().replace("data", max_train_examples=0)


def test_splits_share_no_source_and_no_duplicates() -> None:
    splits = data.build_examples(config())
    sources = {name: {e.source for e in examples} for name, examples in splits.items()}
    assert not sources["train"] & sources["test"]
    assert not sources["train"] & sources["validation"]
    assert not sources["validation"] & sources["test"]
    keys = [json.dumps(e.messages) for examples in splits.values() for e in examples]
    assert len(keys) == len(set(keys))
    assert all(splits[name] for name in data.SPLITS)


def test_every_kind_is_present_and_reproducible() -> None:
    first, second = data.build_examples(config()), data.build_examples(config())
    assert first == second
    kinds = {e.kind for e in first["train"]}
    assert kinds == {"knowledge", "calculator", "plan", "conversation"}


def test_knowledge_answers_come_from_their_entry_as_the_pipeline_asks() -> None:
    by_id = {entry.id: entry for entry in load_entries()}
    splits = data.build_examples(config())
    for example in (e for e in splits["train"] if e.kind == "knowledge"):
        (_, system), (_, user), (_, answer) = example.messages
        assert system == SYSTEM_PROMPT
        entry = by_id[example.source]
        question = user.split("\n\nCoach's notes:\n")[0]
        # The pipeline drafts from the best entry alone: one note, the answer taken from it.
        assert user == data.notes_prompt(question, [entry])
        assert answer in entry.body


def test_numeric_answers_are_the_calculators() -> None:
    splits = data.build_examples(config())
    for example in (e for e in splits["train"] if e.kind == "calculator"):
        assert example.messages[-1][1] == answer_numeric(example.messages[1][1])


def test_conversations_carry_a_profile_and_two_turns() -> None:
    splits = data.build_examples(config())
    chat = next(e for e in splits["train"] if e.kind == "conversation")
    roles = [role for role, _ in chat.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
    assert "About the runner:" in chat.messages[0][1]


def test_cap_and_save_round_trip(tiny_config: Config) -> None:
    dataset = data.save(data.build_examples(tiny_config), tiny_config)
    assert len(dataset["train"]) == tiny_config.data.max_train_examples
    assert data.load(tiny_config)["test"].num_rows == dataset["test"].num_rows
    assert data.stats(data.build_examples(tiny_config))
