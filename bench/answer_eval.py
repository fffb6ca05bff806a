"""The answer evals: what runners read, with BM25 alone against hybrid retrieval.

    python bench/answer_eval.py [--model [PATH]] [--out FILE] [--limit N]

Every eval runs through the whole coach (plan questions, statements, small talk, calculators,
retrieval, confidence), on a throwaway database with each case's own date:

- the textbook eval (``tests/eval/questions.jsonl``), asked as a new runner's first message;
- the conversational eval (``tests/eval/conversations.jsonl``: stored plans, earlier turns,
  follow-ups, out-of-scope questions) and its held-out twins (``conversations_heldout.jsonl``
  ``conversations_heldout2.jsonl`` ... ``conversations_heldout5.jsonl``, each written separately
  by someone who read none of the others; see tests/eval/README.md for how they were used);

each with BM25 alone and with hybrid retrieval: the fact score (0 to 1) and the share of
confidently wrong replies (a wrong statement, or an unaccepted entry leading the reply). Then
retrieval top-1 and top-3 on ``retrieval.jsonl`` per split, and the time to a complete reply.

With ``--model`` (the bundled GGUF, or a path) the knowledge questions are asked again with the
model drafting: how many drafts are shown and what the runner waits for them, against no drafts.
Targets (issue 13): conversational >= 0.90 with <= 2% confidently wrong, textbook >= 0.95,
held-out retrieval top-1 >= 0.90, median knowledge reply <= 1.5 s, plan and calculator < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.core.answers import SYSTEM_PROMPT
from bot.eval_conversations import Case, Result, conversation_runner, load_cases, textbook_cases
from bot.evaluation import load_questions
from bot.knowledge.base import load_entries
from bot.knowledge.index import KnowledgeIndex, open_index
from bot.llm.llama_cpp_backend import LlamaCppBackend

EVAL = Path(__file__).resolve().parents[1] / "tests" / "eval"
TEXTBOOK_DAY = date(2026, 12, 1)
KNOWLEDGE_KINDS = frozenset({"knowledge", "followup", "out-of-scope", "red-flag", "textbook"})
INSTANT_KINDS = frozenset({"plan", "no-plan", "calculator"})


async def run_cases(
    cases: Sequence[Case], index: KnowledgeIndex, model: LlamaCppBackend | None = None
) -> list[Result]:
    async with conversation_runner(model, index, drafts=model is not None) as run:
        return [await run(case) for case in cases]


def summary(results: Sequence[Result]) -> tuple[float, float]:
    return (
        statistics.mean(r.score for r in results),
        sum(r.wrong for r in results) / len(results),
    )


def retrieval(index: KnowledgeIndex) -> dict[str, tuple[float, float]]:
    rows = [json.loads(line) for line in (EVAL / "retrieval.jsonl").read_text().splitlines()]
    found: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for row in rows:
        ids = [hit.entry.id for hit in index.search(row["question"], 3)]
        found[row["split"]].append((ids[:1] == [row["entry"]], row["entry"] in ids))
    return {
        split: (sum(a for a, _ in hits) / len(hits), sum(b for _, b in hits) / len(hits))
        for split, hits in sorted(found.items())
    }


def seconds(results: Sequence[Result], kinds: frozenset[str]) -> str:
    times = sorted(r.seconds for r in results if r.case.kind in kinds)
    if not times:
        return "-"
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


async def evaluate(args: argparse.Namespace, console: Console) -> dict[str, object]:
    sets = {
        "textbook": textbook_cases(load_questions(EVAL / "questions.jsonl"), TEXTBOOK_DAY),
        "conversations": load_cases(EVAL / "conversations.jsonl"),
    }
    for name, label in (
        ("conversations_heldout.jsonl", "held-out conversations"),
        ("conversations_heldout2.jsonl", "held-out 2 (plan questions)"),
        ("conversations_heldout3.jsonl", "held-out 3"),
        ("conversations_heldout4.jsonl", "held-out 4"),
        ("conversations_heldout5.jsonl", "held-out 5"),
    ):
        if (EVAL / name).exists():
            sets[label] = load_cases(EVAL / name)
    sets = {name: cases[: args.limit] for name, cases in sets.items()}
    lexical = KnowledgeIndex(load_entries())
    hybrid = await asyncio.to_thread(open_index, args.cache)
    table = Table(title="Answer evals through the whole coach (fact score; confidently wrong)")
    for column in ("eval", "n", "BM25 alone", "hybrid", "hybrid by kind"):
        table.add_column(
            column, justify="left" if column in ("eval", "hybrid by kind") else "right"
        )
    report: dict[str, object] = {}
    timed: list[Result] = []
    for name, cases in sets.items():
        base = await run_cases(cases, lexical)
        ours = await run_cases(cases, hybrid)
        timed += ours
        by_kind: dict[str, list[Result]] = defaultdict(list)
        for result in ours:
            by_kind[result.case.kind].append(result)
        kinds = ", ".join(f"{k} {summary(v)[0]:.2f}" for k, v in sorted(by_kind.items()))
        (b_score, b_wrong), (h_score, h_wrong) = summary(base), summary(ours)
        table.add_row(
            name,
            str(len(cases)),
            f"{b_score:.3f}; {b_wrong:.1%}",
            f"{h_score:.3f}; {h_wrong:.1%}",
            kinds,
        )
        report[name] = {
            "bm25": [b_score, b_wrong],
            "hybrid": [h_score, h_wrong],
            "misses": [
                {"id": r.case.id, "score": r.score, "wrong": r.wrong, "reply": r.reply}
                for r in ours
                if r.score < 1 or r.wrong
            ],
        }
    console.print(table)
    splits = {"BM25 alone": retrieval(lexical), "hybrid": retrieval(hybrid)}
    for name, scores in splits.items():
        console.print(
            f"retrieval, {name}: "
            + "; ".join(
                f"{split} top-1 {t1:.3f}, top-3 {t3:.3f}" for split, (t1, t3) in scores.items()
            )
        )
    console.print(
        f"time to a complete reply (drafts off): knowledge {seconds(timed, KNOWLEDGE_KINDS)}; "
        f"plan and calculator {seconds(timed, INSTANT_KINDS)}"
    )
    report["retrieval"] = splits
    if args.model is not None:
        report["drafts"] = await drafting(args, sets, hybrid, console)
    hybrid.close()
    return report


async def drafting(
    args: argparse.Namespace,
    sets: dict[str, list[Case]],
    hybrid: KnowledgeIndex,
    console: Console,
) -> dict[str, object]:
    """The knowledge questions again with the model drafting: is the wait worth it?"""
    path = None if args.model == "bundled" else Path(args.model)
    model = await LlamaCppBackend.load(
        path, context_tokens=2048, timeout_s=120, system_prompt=SYSTEM_PROMPT
    )
    cases = [c for cases in sets.values() for c in cases if c.kind in KNOWLEDGE_KINDS]
    try:
        off = await run_cases(cases, hybrid)
        on = await run_cases(cases, hybrid, model)
    finally:
        await model.close()
    shown = sum(a.reply != b.reply for a, b in zip(on, off, strict=True))
    console.print(
        f"drafting on {len(cases)} knowledge questions: drafts shown {shown / len(cases):.0%}; "
        f"fact score {summary(on)[0]:.3f} with drafts, {summary(off)[0]:.3f} without; time to a "
        f"complete reply with drafts {seconds(on, KNOWLEDGE_KINDS)}, "
        f"without {seconds(off, KNOWLEDGE_KINDS)}"
    )
    return {"shown": shown / len(cases), "score_on": summary(on)[0], "score_off": summary(off)[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        nargs="?",
        const="bundled",
        default=None,
        help="also measure drafting with this GGUF (default: the bundled model)",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N of each eval")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "runcoach-bench-cache",
        help="where the embedding model and vectors are cached",
    )
    parser.add_argument("--out", type=Path, help="write every miss and score as JSON")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    report = asyncio.run(evaluate(args, Console()))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
