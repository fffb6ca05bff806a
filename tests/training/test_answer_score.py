"""The answer eval's two scores: what the model itself got right, and what runners read."""

from __future__ import annotations

import pytest

from training.answer_score import summarise


def test_a_draft_the_checks_hold_back_scores_nothing_for_the_model() -> None:
    # (asked the model, its draft shown, fact score of what the runner read)
    rows = [(True, True, 1.0), (True, False, 1.0), (True, True, 0.5), (False, False, 1.0)]
    score = summarise(rows)
    assert score.asked == 3
    assert score.model_score == pytest.approx(0.5)  # (1 + 0 + 0.5) / 3
    assert score.drafts_shown == pytest.approx(2 / 3)
    assert score.pipeline_score == pytest.approx(0.875)  # every answer as shown


def test_calculator_answers_do_not_count_for_or_against_the_model() -> None:
    with_calculators = summarise([(True, True, 1.0), (False, False, 0.0), (False, False, 1.0)])
    without = summarise([(True, True, 1.0)])
    assert with_calculators.model_score == without.model_score == 1.0
    assert summarise([(False, False, 1.0)]).model_score == 0.0
