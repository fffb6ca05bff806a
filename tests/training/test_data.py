"""The dataset: grounded answers, exact numbers, and splits that share no source."""

from __future__ import annotations

import json

from bot.core.answers import NO_NOTES, SYSTEM_PROMPT
from bot.core.calculators import answer_numeric
from bot.evaluation import normalise
from bot.knowledge.base import load_entries
from training import data
from training.config import ROOT, Config, load_config


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
    assert kinds == {
        "knowledge", "calculator", "plan", "conversation", "runner", "follow-up", "refusal"
    }  # fmt: skip


def test_no_eval_question_is_trained_on() -> None:
    """The evals measure questions the model never saw: none of their runner messages may be
    in any split, as a question or as an earlier turn."""
    unseen = data.eval_texts(ROOT)
    assert len(unseen) > 500  # questions.jsonl and every conversations*.jsonl were read
    splits = data.build_examples(config())
    asked = {
        normalise(content.split("\n\nCoach's notes:")[0])
        for examples in splits.values()
        for example in examples
        for role, content in example.messages
        if role == "user"
    }
    assert not asked & unseen


def test_runner_questions_carry_profile_plan_and_earlier_turns() -> None:
    splits = data.build_examples(config())
    train = splits["train"]
    runner = [e for e in train if e.kind == "runner"]
    assert all("\n\nAbout the runner: runs " in e.messages[1][1] for e in runner)
    # Asked with today's run in mind, the answer quotes the plan's line for today exactly.
    today = [e for e in runner if "Today's workout in your plan:" in e.messages[-1][1]]
    assert today
    for example in today:
        workout = example.messages[-1][1].split("Today's workout in your plan: ")[1]
        assert f"Today's workout in their plan: {workout}" in example.messages[1][1]
    follow_up = next(e for e in train if e.kind == "follow-up")
    roles = [role for role, _ in follow_up.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
    refusal = next(e for e in train if e.kind == "refusal")
    assert refusal.messages[-1][1] == NO_NOTES


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
