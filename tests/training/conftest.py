"""Fixtures for the training workflow: a tiny random llama GGUF with SmolLM2's tokenizer stands
in for the real base, so every stage runs end to end in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("trl")

from tests.llm.tiny_gguf import write_tiny_llama_gguf
from training.config import ROOT, Config, load_config

QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_llama_gguf(tmp_path_factory.mktemp("base") / "tiny.gguf", seed=3)


@pytest.fixture
def tiny_config(tiny_gguf: Path, tmp_path: Path) -> Config:
    """The committed config shrunk to seconds: a handful of examples and optimizer steps."""
    return (
        load_config(root=tmp_path)
        .replace("run", name="tiny", base=str(tiny_gguf))
        .replace(
            "data",
            phrasings_per_entry=1,
            calculator_questions=4,
            plan_questions=2,
            conversations=2,
            runner_questions=4,
            follow_ups=2,
            refusals=2,
            max_train_examples=8,
            max_eval_examples=2,
        )
        .replace("train", max_steps=2, eval_steps=2, batch_size=2, grad_accum=1, max_length=512)
        .replace("hpo", trials=2, trial_max_steps=1)
        .replace(
            "evaluate",
            questions=str(QUESTIONS),
            conversations=str(QUESTIONS.parent / "conversations.jsonl"),
            limit=2,
            max_tokens=8,
            context_tokens=1024,
        )
        .replace("export", quant="Q8_0")
    )
