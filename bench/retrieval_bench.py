"""Retrieval bench: what semantic retrieval costs, and how often each retriever finds the entry.

    python bench/retrieval_bench.py [--sweep] [--threads N]

Costs are measured from scratch in a temporary cache directory: converting the bundled MiniLM to
GGUF, loading it, embedding the knowledge base, then a query's embedding and the whole search
(embedding + BM25 + fusion), p50/p95. With ``tests/eval/retrieval.jsonl`` (one question per line
naming the entry that answers it, split dev/heldout) it prints top-1 and top-3 accuracy of BM25
alone, the embedding alone and the hybrid, per split, with the entries' ``questions`` and
without them (retrieval as it was before entries had any). ``--sweep`` tries fusion weights on
the dev split only and shows how the best of them does on held-out, so the shipped weights
(``Fusion`` in bot/knowledge/index.py) are chosen without looking at held-out questions.

It also prints how ``Hit.cosine``, the answer pipeline's confidence, is distributed: for the
eval questions whose top hit is right, whose top hit is wrong, and for questions no entry
answers (``OUT_OF_SCOPE``), with and without the entries' questions.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from bot.knowledge.base import Entry, load_entries
from bot.knowledge.embedding import (
    ENABLE_HINT,
    Embedder,
    bundled_model_dir,
    converted_model,
    source_key,
)
from bot.knowledge.index import DEFAULT_FUSION, Fusion, KnowledgeIndex, fuse

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval" / "retrieval.jsonl"
QUERIES = [
    "how many steps per minute should I take",
    "what should i eat the night before a marathon",
    "my knee hurts on the outside after long runs, what is it?",
    "is it ok to run with a cold",
    "how long should I taper before my half",
    "what heart rate should my easy runs be at",
]
# Questions the knowledge base does not answer: their top hit's cosine should stay low.
OUT_OF_SCOPE = [
    "what's the weather in paris",
    "write me a poem",
    "how do i cook rice",
    "who won the football last night",
    "what is the capital of australia",
    "tell me a joke",
    "how do i fix a flat tyre on my bike",
    "recommend a good film for tonight",
    "what time is it in tokyo",
    "help me with my maths homework",
    "how do i bake sourdough bread",
    "what's bitcoin worth today",
    "translate hello into spanish",
    "how do i reset my wifi router",
    "what should i name my cat",
]


@dataclass(frozen=True)
class Question:
    entry: str
    text: str
    split: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (default 1)")
    parser.add_argument("--sweep", action="store_true", help="tune fusion weights on dev")
    args = parser.parse_args()
    source = bundled_model_dir()
    if source is None:
        sys.exit(f"the embedding model is not installed: {ENABLE_HINT}")
    entries = load_entries()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        key, hashed = timed(lambda: source_key(source))
        model, converted = timed(lambda: converted_model(source, cache, key))
        embedder, loaded = timed(
            lambda: Embedder(model, cache_dir=cache, threads=args.threads, fingerprint=key)
        )
        index, built = timed(lambda: KnowledgeIndex(entries, embedder))
        _, rebuilt = timed(lambda: KnowledgeIndex(entries, embedder))
        print(
            f"model source hash {hashed:.2f} s, GGUF conversion {converted:.2f} s "
            f"({model.stat().st_size / 2**20:.0f} MiB), load {loaded:.2f} s"
        )
        print(
            f"knowledge base ({len(entries)} entries) embedded in {built:.1f} s; "
            f"from the cache {rebuilt * 1000:.0f} ms"
        )
        questions = load_questions()
        texts = [q.text for q in questions] or QUERIES
        latency("query embedding", [partial(embedder.embed, [t]) for t in texts])
        latency("search (embedding + BM25 + fusion)", [partial(index.search, t) for t in texts])
        unasked = KnowledgeIndex([dataclasses.replace(e, questions=()) for e in entries], embedder)
        if questions:
            accuracy(index, entries, questions, sweep=args.sweep)
            print("\nwithout the entries' questions:")
            accuracy(unasked, entries, questions, sweep=False)
        else:
            print(f"no {EVAL.relative_to(ROOT)}: accuracy not measured")
        print("\nHit.cosine of the top hit, min / p10 / median / p90 / max (n):")
        for name, searched in (("with questions", index), ("without questions", unasked)):
            print(f"  {name}")
            confidence(searched, questions)
        embedder.close()


def load_questions() -> list[Question]:
    if not EVAL.is_file():
        return []
    rows = [json.loads(line) for line in EVAL.read_text("utf-8").splitlines() if line.strip()]
    return [Question(row["entry"], row["question"], row["split"]) for row in rows]


T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def latency(what: str, calls: Sequence[Callable[[], object]]) -> None:
    for call in calls[:5]:  # warm-up
        call()
    times = sorted(timed(call)[1] * 1000 for call in calls)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)))]
    print(f"{what}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms ({len(times)} runs)")


def accuracy(
    index: KnowledgeIndex, entries: Sequence[Entry], questions: list[Question], *, sweep: bool
) -> None:
    ids = [entry.id for entry in entries]
    gold = np.array([ids.index(q.entry) for q in questions])
    signals = [index.signals(q.text) for q in questions]
    lexical = np.stack([s[0] for s in signals])
    dense = np.stack([s[1] for s in signals if s[1] is not None])
    splits = sorted({q.split for q in questions})
    masks = {split: np.array([q.split == split for q in questions]) for split in splits}
    scorers = {
        "BM25 alone": lexical,
        "dense alone": dense,
        f"hybrid {DEFAULT_FUSION}": fuse(lexical, dense, DEFAULT_FUSION),
    }
    print(f"\ntop-1 / top-3 accuracy, {len(questions)} questions")
    for name, scores in scorers.items():
        cells = [f"{split} {cell(scores, gold, masks[split])}" for split in splits]
        print(f"  {name:48s} " + "   ".join(cells))
    if sweep and "dev" in masks:
        tune(lexical, dense, gold, masks)


def confidence(index: KnowledgeIndex, questions: list[Question]) -> None:
    right: list[float] = []
    wrong: list[float] = []
    for question in questions:
        [hit] = index.search(question.text, k=1)
        assert hit.cosine is not None
        (right if hit.entry.id == question.entry else wrong).append(hit.cosine)
    outside = [index.search(text, k=1)[0].cosine or 0.0 for text in OUT_OF_SCOPE]
    for name, cosines in (
        ("right top hit", right),
        ("wrong top hit", wrong),
        ("out of scope", outside),
    ):
        if cosines:
            low, p10, mid, p90, high = np.percentile(cosines, [0, 10, 50, 90, 100])
            print(
                f"    {name:14s} {low:.2f} / {p10:.2f} / {mid:.2f} / {p90:.2f} / {high:.2f}"
                f" ({len(cosines)})"
            )


def cell(scores: np.ndarray, gold: np.ndarray, mask: np.ndarray) -> str:
    top1, top3 = hits(scores[mask], gold[mask])
    return f"{top1:.3f} / {top3:.3f}"


def hits(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    best = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    return float((best[:, 0] == gold).mean()), float((best == gold[:, None]).any(axis=1).mean())


def tune(
    lexical: np.ndarray, dense: np.ndarray, gold: np.ndarray, masks: dict[str, np.ndarray]
) -> None:
    """Every weight pair ranked by dev top-1, then dev top-3; held-out shown, never used."""
    grid = [
        Fusion(round(float(weight), 2), half)
        for weight in np.arange(0.3, 0.96, 0.05)
        for half in (5.0, 10.0, 20.0, 40.0)
    ]
    dev = masks["dev"]
    results = sorted(
        ((hits(fuse(lexical, dense, f)[dev], gold[dev]), f) for f in grid),
        key=lambda item: (-item[0][0], -item[0][1]),
    )
    print("\nfusion sweep on dev (best 8):")
    for (top1, top3), fusion in results[:8]:
        others = "   ".join(
            f"{split} {cell(fuse(lexical, dense, fusion), gold, mask)}"
            for split, mask in masks.items()
            if split != "dev"
        )
        print(f"  {fusion}: dev {top1:.3f} / {top3:.3f}   {others}")


if __name__ == "__main__":
    main()
