"""The development eval: the raw model against the answer pipeline, side by side.

Target (issue 4), on the bundled SmolLM2-135M: the pipeline scores at least 0.85 with no
degenerate answer, and at least 0.40 above the raw model (system prompt only). Run with
`make bench-answers` or `.venv/bin/python bench/answer_eval.py [--limit N] [--model PATH]`;
record the figures in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from bot.core.answers import SYSTEM_PROMPT
from bot.core.grounding import is_degenerate
from bot.core.ports import ChatMessage
from bot.evaluation import EvalQuestion, coach_answers, fact_score, load_questions
from bot.llm.llama_cpp_backend import LlamaCppBackend

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "eval" / "questions.jsonl"
RAW_SYSTEM_PROMPT = "You are a helpful, expert running coach. Answer the runner's question."


async def raw_answer(model: LlamaCppBackend, question: str, max_tokens: int) -> str:
    messages = [ChatMessage("system", RAW_SYSTEM_PROMPT), ChatMessage("user", question)]
    return "".join([p async for p in model.stream(messages, user="raw", max_tokens=max_tokens)])


async def evaluate(args: argparse.Namespace) -> dict[str, object]:
    questions: list[EvalQuestion] = load_questions(args.questions)[: args.limit]
    model = await LlamaCppBackend.load(
        args.model, context_tokens=2048, timeout_s=120, system_prompt=SYSTEM_PROMPT
    )
    async with coach_answers(model, max_tokens=args.max_tokens) as answer_of:
        rows = []
        for question in track(questions, description="asking", transient=True):
            began = time.perf_counter()
            raw = await raw_answer(model, question.question, args.max_tokens)
            raw_s = time.perf_counter() - began
            began = time.perf_counter()
            answer = await answer_of(question)
            rows.append(
                {
                    "id": question.id,
                    "topic": question.topic,
                    "raw": fact_score(raw, question.facts),
                    "pipeline": fact_score(answer.text, question.facts),
                    "raw_degenerate": is_degenerate(raw),
                    "pipeline_degenerate": is_degenerate(answer.text),
                    "from_model": answer.from_model,
                    "raw_s": raw_s,
                    "pipeline_s": time.perf_counter() - began,
                    "answer": answer.text,
                }
            )
    await model.close()
    return {"rows": rows}


def report(rows: list[dict[str, object]], console: Console) -> None:
    by_topic: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        by_topic[str(row["topic"])].append(row)
    table = Table(title=f"Answer eval, {len(rows)} questions (fact score, 0 to 1)")
    for column in ("topic", "n", "raw model", "pipeline"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for topic, group in sorted(by_topic.items()):
        table.add_row(
            topic,
            str(len(group)),
            f"{statistics.mean(float(r['raw']) for r in group):.2f}",  # type: ignore[arg-type]
            f"{statistics.mean(float(r['pipeline']) for r in group):.2f}",  # type: ignore[arg-type]
        )
    raw = statistics.mean(float(r["raw"]) for r in rows)  # type: ignore[arg-type]
    ours = statistics.mean(float(r["pipeline"]) for r in rows)  # type: ignore[arg-type]
    table.add_row("all", str(len(rows)), f"{raw:.2f}", f"{ours:.2f}", style="bold")
    console.print(table)
    console.print(
        f"pipeline {ours:.2f} vs raw {raw:.2f}: +{ours - raw:.2f}; degenerate answers: raw "
        f"{sum(bool(r['raw_degenerate']) for r in rows)}, pipeline "
        f"{sum(bool(r['pipeline_degenerate']) for r in rows)}; model drafts shown: "
        f"{sum(bool(r['from_model']) for r in rows)}/{len(rows)}; median seconds per answer: "
        f"raw {statistics.median(float(r['raw_s']) for r in rows):.2f}, "  # type: ignore[arg-type]
        f"pipeline {statistics.median(float(r['pipeline_s']) for r in rows):.2f}"  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--model", type=Path, default=None, help="a GGUF (default: bundled)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--out", type=Path, help="write every answer and score as JSON")
    args = parser.parse_args()
    result = asyncio.run(evaluate(args))
    rows = result["rows"]
    report(rows, Console())  # type: ignore[arg-type]
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
