"""The cross-base decision (issue 16): which tuned model the bot should serve."""

from __future__ import annotations

from typing import Any

from training.compare import decide, table


def side(test_loss: float, eval_score: float, pipeline: float = 0.95) -> dict[str, float]:
    return {
        "test_loss": test_loss,
        "eval_score": eval_score,
        "pipeline_score": pipeline,
        "drafts_shown": eval_score,
    }


def report(base: dict[str, float], tuned: dict[str, float], **extra: Any) -> dict[str, Any]:
    return {
        "base": base,
        "tuned": tuned,
        "train": {"tokens_per_s": 100.0, "seconds": 600.0},
        "wall_s": 1500.0,
        **extra,
    }


SMOLLM2 = report(side(0.5, 0.02), side(0.2, 0.70), adapter=side(0.2, 0.68, 0.96))


def test_the_best_shipped_model_that_passed_its_gate_wins() -> None:
    gemma = report(side(2.0, 0.0), side(0.3, 0.80, 0.97))
    decision = decide({"smollm2-135m": SMOLLM2, "gemma3-270m": gemma})
    assert decision.winner == "gemma3-270m"
    # SmolLM2 is judged by its adapter (what ships), not its merged export.
    assert "smollm2-135m 0.680" in decision.reason


def test_a_base_that_failed_its_own_gate_never_wins_however_it_scores() -> None:
    worse_loss = report(side(0.3, 0.0), side(0.4, 0.90, 0.97))  # tuned loss above the base's
    decision = decide({"smollm2-135m": SMOLLM2, "gemma3-270m": worse_loss})
    assert decision.winner == "smollm2-135m"


def test_the_default_stays_when_nothing_beats_it() -> None:
    flat = report(side(0.5, 0.30), side(0.2, 0.40), adapter=side(0.2, 0.25, 0.96))
    assert decide({"smollm2-135m": flat}).winner is None  # the shipped adapter is below 0.30
    assert decide({"gemma3-270m": SMOLLM2}).winner is None  # nothing to compare against


def test_a_run_scored_on_other_questions_is_not_compared() -> None:
    fewer = {"config": {"evaluate": {"questions": "tests/eval/questions.jsonl", "limit": 40}}}
    gemma = report(side(2.0, 0.0), side(0.3, 0.80, 0.97), **fewer)
    decision = decide({"smollm2-135m": SMOLLM2, "gemma3-270m": gemma})
    assert decision.winner == "smollm2-135m"
    assert "left out, scored on other questions than the default: gemma3-270m" in decision.reason
    alone = decide({"smollm2-135m": report(side(0.5, 0.9), side(0.6, 0.1)), "gemma3-270m": gemma})
    assert alone.winner is None and "gemma3-270m" in alone.reason


def test_table_has_a_row_per_model_and_marks_what_was_not_measured() -> None:
    serving = {"adapter": {"ttft_s": 0.4, "tokens_per_s": 60.0, "gguf_mb": 70.0, "adapter_mb": 3.5}}
    text = table({"smollm2-135m": report(side(0.5, 0.02), side(0.2, 0.7), serving=serving)})
    rows = [line for line in text.splitlines() if line.startswith("| SmolLM2")]
    assert [row.split(" | ")[1] for row in rows] == ["base", "tuned, merged"]
    assert "n/a" in rows[0]
    with_adapter = table({"smollm2-135m": SMOLLM2 | {"serving": serving}})
    assert "| 0.40 | 70 + 3.5 adapter |" in with_adapter
