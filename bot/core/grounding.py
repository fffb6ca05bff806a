"""Checks that decide whether a model's answer may be shown.

A 135M model asked to answer from the coach's notes often does, and as often invents a number,
loops, or echoes the prompt. None of that may reach a runner, so an answer is shown only if it
is fluent (no loops, no prompt scaffolding), every number in it appears in the material it was
given, and most of its words come from that material. These are cheap lexical checks: they
cannot prove an answer right, but they catch the failures a tiny model actually makes, and a
larger model passes them without trying.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

MIN_WORDS = 6
MIN_SUPPORT = 0.75
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_WORD = re.compile(r"[a-z]+")
_SCAFFOLDING = ("coach's notes", "coach notes", "question:", "notes:", "runner:", "<|im_")
_STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "also",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "from",
        "further",
        "have",
        "having",
        "here",
        "hers",
        "herself",
        "himself",
        "into",
        "itself",
        "just",
        "more",
        "most",
        "myself",
        "once",
        "only",
        "other",
        "ought",
        "ours",
        "ourselves",
        "over",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "whom",
        "with",
        "would",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "will",
        "can",
        "make",
        "makes",
        "made",
        "like",
        "well",
        "good",
        "much",
        "many",
        "even",
        "still",
        "really",
    ]
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def is_degenerate(answer: str) -> bool:
    """Empty, or looping: no runner should ever see it, grounded or not."""
    words = _WORD.findall(answer.lower())
    return not words or _loops(words)


def hopeless(partial: str, material: str) -> bool:
    """Whether an answer still being written has already failed for good (it echoes the
    prompt, loops, or states a number the material lacks), so generation can stop early. The
    last word may be unfinished ("4" of "45"), so only what comes before it is judged."""
    settled = partial[: partial.rstrip().rfind(" ") + 1] if " " in partial.strip() else ""
    if not settled:
        return False
    lowered = settled.lower()
    if any(marker in lowered for marker in _SCAFFOLDING) or _loops(_WORD.findall(lowered)):
        return True
    known_numbers = set(_NUMBER.findall(material))
    return any(n not in known_numbers for n in _NUMBER.findall(settled))


def check_answer(answer: str, material: str) -> Verdict:
    """Whether ``answer`` may be shown, given the ``material`` (notes, question, profile) the
    model saw; the reason says why not, for the logs."""
    words = _WORD.findall(answer.lower())
    if len(words) < MIN_WORDS:
        return Verdict(False, "too short")
    lowered = answer.lower()
    if any(marker in lowered for marker in _SCAFFOLDING):
        return Verdict(False, "echoes the prompt")
    if _loops(words):
        return Verdict(False, "repeats itself")
    known_numbers = set(_NUMBER.findall(material))
    invented = [n for n in _NUMBER.findall(answer) if n not in known_numbers]
    if invented:
        return Verdict(False, f"numbers not in the notes: {', '.join(invented[:3])}")
    support = _support(words, material.lower())
    if support < MIN_SUPPORT:
        return Verdict(False, f"only {support:.0%} of its words come from the notes")
    return Verdict(True)


def _loops(words: list[str]) -> bool:
    """A 4-word phrase said three times, or one word making up a fifth of the answer."""
    grams = Counter(zip(words, words[1:], words[2:], words[3:], strict=False))
    if grams and grams.most_common(1)[0][1] >= 3:
        return True
    content = [w for w in words if len(w) > 3]
    return bool(content) and Counter(content).most_common(1)[0][1] > max(4, len(content) // 5)


def _support(words: list[str], material: str) -> float:
    """The share of the answer's content words found in the material (by their first five
    letters, so "tapering" is supported by "taper")."""
    stems = {w[:5] for w in _WORD.findall(material)}
    content = [w for w in words if len(w) > 3 and w not in _STOPWORDS]
    if not content:
        return 0.0
    return sum(w[:5] in stems for w in content) / len(content)
