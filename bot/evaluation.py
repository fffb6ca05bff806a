"""Scoring answers against the facts a correct answer must contain (``tests/eval``).

Used by ``bench/answer_eval.py`` to compare the raw model with the pipeline, and by the training
workflow's gate, so both judge a model the same way. A question scores the share of its fact
groups that the answer contains (any alternative of a group, as a case-insensitive substring).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_DASHES = re.compile("[\u2010-\u2015\u2212]")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    topic: str
    question: str
    facts: tuple[tuple[str, ...], ...]


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=raw["id"],
                    topic=raw["topic"],
                    question=raw["question"],
                    facts=tuple(tuple(group) for group in raw["facts"]),
                )
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{number}: not an eval question ({err})") from None
    return questions


def normalise(text: str) -> str:
    return " ".join(_DASHES.sub("-", text.lower()).split())


def fact_score(answer: str, facts: Iterable[Iterable[str]]) -> float:
    groups = [list(group) for group in facts]
    if not groups:
        return 1.0
    said = normalise(answer)
    found = sum(any(normalise(alt) in said for alt in group) for group in groups)
    return found / len(groups)
