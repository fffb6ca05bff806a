"""Checks that decide whether a model's answer may be shown.

A 135M model asked to answer from the coach's notes often does, and as often invents a number,
loops, or echoes the prompt. None of that may reach a runner, so an answer is shown only if it
is fluent (no loops, no prompt scaffolding), every number in it appears in the material it was
given, and most of its words come from that material. These are cheap lexical checks: they
cannot prove an answer right, but they catch the failures a tiny model actually makes, and a
larger model passes them without trying.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

MIN_WORDS = 6
MIN_SUPPORT = 0.75
MIN_SENTENCE_FIDELITY = 0.6
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_WORD = re.compile(r"[a-z]+")
_SCAFFOLDING = (
    "coach's notes",
    "coach notes",
    "question:",
    "notes:",
    "runner:",
    "the answer is",
    "<|im_",
)
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


def check_answer(answer: str, question: str, notes: str) -> Verdict:
    """Whether ``answer`` to ``question`` may be shown, given the ``notes`` (entries, profile)
    the model saw; the reason says why not, for the logs."""
    words = _WORD.findall(answer.lower())
    if len(words) < MIN_WORDS:
        return Verdict(False, "too short")
    lowered = answer.lower()
    if any(marker in lowered for marker in _SCAFFOLDING):
        return Verdict(False, "echoes the prompt")
    if _loops(words):
        return Verdict(False, "repeats itself")
    known_numbers = set(_NUMBER.findall(question + " " + notes))
    invented = [n for n in _NUMBER.findall(answer) if n not in known_numbers]
    if invented:
        return Verdict(False, f"numbers not in the notes: {', '.join(invented[:3])}")
    # Words echoed from the question prove nothing: "ok to finish my run in the thunder?" must
    # not come back as advice because the notes happen to mention running.
    support = _support(words, notes.lower())
    if support < MIN_SUPPORT:
        return Verdict(False, f"only {support:.0%} of its words come from the notes")
    if not _stems(_content(words)) & _stems(_content(_WORD.findall(question.lower()))):
        return Verdict(False, "does not address the question")
    loose = _loosest_sentence(answer, notes)
    if loose is not None:
        return Verdict(False, f"a sentence strays from the notes: {loose[:60]!r}")
    return Verdict(True)


def _loosest_sentence(answer: str, notes: str) -> str | None:
    """The first sentence whose word pairs are mostly not the notes' own, if any. A tiny model
    keeps the notes' words while changing what they say ("eat a little carbohydrate every day"
    from "eat 10-12 g per kg"); a paraphrase that keeps the meaning keeps most word pairs."""
    pairs = set(_pairs(_WORD.findall(notes.lower())))
    for sentence in _SENTENCE.split(answer):
        own = _pairs(_WORD.findall(sentence.lower()))
        if own and sum(pair in pairs for pair in own) / len(own) < MIN_SENTENCE_FIDELITY:
            return sentence
    return None


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    return list(itertools.pairwise(words))


def _content(words: list[str]) -> list[str]:
    return [w for w in words if len(w) > 3 and w not in _STOPWORDS]


def _stems(words: list[str]) -> set[str]:
    return {w[:5] for w in words}


def _loops(words: list[str]) -> bool:
    """4-word phrases said three times or more that make up a quarter of the answer (a text may
    name its subject three times: "urine after hard exercise"), or one said five times; or one
    word making up a fifth of the answer."""
    grams = list(zip(words, words[1:], words[2:], words[3:], strict=False))
    counts = Counter(grams)
    if counts and counts.most_common(1)[0][1] >= 5:
        return True
    covered = {i + k for i, gram in enumerate(grams) if counts[gram] >= 3 for k in range(4)}
    if len(covered) >= len(words) / 4:
        return True
    content = [w for w in words if len(w) > 3]
    return bool(content) and Counter(content).most_common(1)[0][1] > max(4, len(content) // 5)


def _support(words: list[str], material: str) -> float:
    """The share of the answer's content words found in the material (by their first five
    letters, so "tapering" is supported by "taper")."""
    stems = _stems(_WORD.findall(material))
    content = _content(words)
    if not content:
        return 0.0
    return sum(w[:5] in stems for w in content) / len(content)
