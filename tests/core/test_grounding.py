"""The checks that keep a tiny model's inventions away from runners."""

from __future__ import annotations

from bot.core.grounding import check_answer, hopeless, is_degenerate

NOTES = (
    "- Taper for 2 to 3 weeks before a marathon. Cut weekly volume to about 80-85% of your peak "
    "three weeks out and 65-70% two weeks out, but keep some race-pace running."
)
QUESTION = "how long should I taper for a marathon?"


def test_a_faithful_paraphrase_passes() -> None:
    answer = "Taper for 2 to 3 weeks before a marathon, and keep some race-pace running."
    assert check_answer(answer, QUESTION, NOTES).ok


def test_a_model_loop_is_degenerate_but_a_text_naming_its_subject_thrice_is_not() -> None:
    assert is_degenerate("I can help you run. " * 4)
    assert is_degenerate("")
    subject = "urine after hard exercise"
    text = (
        f"Dark {subject} is not dehydration. Pale yellow is fine, and drink to thirst on most "
        f"days of training before you run long. Brown {subject} needs a doctor the same day, "
        f"especially with muscle pain or swelling. Cola-coloured {subject} can mean muscle "
        "breakdown that harms the kidneys, so stop exercising and get checked."
    )
    assert not is_degenerate(text)


def test_words_borrowed_from_the_question_are_not_support() -> None:
    question = "storm rolling in and i can hear thunder, ok to finish my run outside?"
    answer = "Storm rolling in and you can hear thunder: ok to finish your run outside."
    notes = "- Stop running and get indoors as soon as you hear thunder; wait 30 minutes."
    verdict = check_answer(answer, question, notes)
    assert not verdict.ok


def test_an_answer_that_ignores_the_question_is_refused() -> None:
    notes = NOTES + "\n- Do not chase pace on easy days just because the watch shows it."
    answer = "Do not chase pace on easy days just because the watch shows it."
    assert check_answer(answer, QUESTION, notes).reason == "does not address the question"


def test_a_draft_is_abandoned_at_the_first_invented_number_not_a_half_written_one() -> None:
    material = QUESTION + NOTES
    assert not hopeless("Taper for 2", material)  # "2" may become "2 to 3": wait
    assert not hopeless("Taper for 2 to 3 weeks and", material)
    assert hopeless("Taper for 7 weeks and", material)
    assert hopeless("Coach's notes: taper", material)
