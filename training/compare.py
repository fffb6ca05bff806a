"""Base against base (issue 16): each base's committed report side by side, and which tuned
model the bot should serve.

Each run's own gate already asks whether tuning helped that base. Across bases the question is
which tuned model runners should get: the one whose own answers score best, among those that
passed their own gate, and only if it beats what the bot serves by default today (the bundled
SmolLM2 as it is), with runners reading answers no worse than theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.bases import BASES
from training.config import ROOT
from training.promote import gate

DEFAULT_BASE = "smollm2-135m"  # what config/default.toml serves without a fine-tune
SIDES = {
    "base": "base",
    "tuned": "tuned, merged",
    "adapter": "tuned, adapter on the base",
}


@dataclass(frozen=True)
class Decision:
    winner: str | None  # a base's name, or None: keep the default
    reason: str


def reports(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Each base's committed report, by base name (bases never run are left out)."""
    found = {}
    for name, base in BASES.items():
        path = root / "training" / "reports" / base.report_name / "report.json"
        if path.is_file():
            found[name] = json.loads(path.read_text("utf-8"))
    return found


def shipped(report: dict[str, Any]) -> dict[str, Any]:
    """The tuned model as it would ship: the adapter on the base GGUF when the run scored it,
    else the merged export."""
    return report.get("adapter", report["tuned"])


def decide(found: dict[str, dict[str, Any]]) -> Decision:
    if DEFAULT_BASE not in found:
        return Decision(None, f"no report for {DEFAULT_BASE}, the default, to compare against")
    default = found[DEFAULT_BASE]["base"]
    passed = {name: report for name, report in found.items() if gate(report).promoted}
    if not passed:
        return Decision(None, "no tuned model passed its own gate")
    # Scores from different questions are not comparable: a run that asked fewer (a slower
    # base's run, evaluate.limit) may have met only easier ones.
    asked = _questions(found[DEFAULT_BASE])
    apart = sorted(name for name, report in passed.items() if _questions(report) != asked)
    passed = {name: report for name, report in passed.items() if name not in apart}
    note = (
        f"; left out, scored on other questions than the default: {', '.join(apart)}"
        if apart
        else ""
    )
    if not passed:
        return Decision(None, "no tuned model was scored on the default's questions" + note)
    name, report = max(
        passed.items(),
        key=lambda item: (shipped(item[1])["eval_score"], shipped(item[1])["pipeline_score"]),
    )
    tuned = shipped(report)
    if tuned["eval_score"] <= default["eval_score"]:
        return Decision(
            None,
            f"the best tuned model ({name}, {tuned['eval_score']:.3f}) does not beat the "
            f"default's {default['eval_score']:.3f}",
        )
    if tuned["pipeline_score"] < default["pipeline_score"]:
        return Decision(
            None,
            f"{name} tuned would have runners read worse answers: {tuned['pipeline_score']:.3f} "
            f"against the default's {default['pipeline_score']:.3f}",
        )
    others = ", ".join(
        f"{other} {shipped(r)['eval_score']:.3f}" for other, r in passed.items() if other != name
    )
    return Decision(
        name,
        f"{name} tuned answers best ({tuned['eval_score']:.3f}; {others or 'no other base'}) "
        f"and beats the default's {default['eval_score']:.3f}, runners reading "
        f"{tuned['pipeline_score']:.3f} against {default['pipeline_score']:.3f}{note}",
    )


def _questions(report: dict[str, Any]) -> tuple[str, int]:
    """Which answer-eval questions a run asked: its file and how many of the first (0: all)."""
    evaluate = report.get("config", {}).get("evaluate", {})
    return str(evaluate.get("questions", "")), int(evaluate.get("limit", 0))


def _cell(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def table(found: dict[str, dict[str, Any]]) -> str:
    """Markdown: one row per base and side."""
    lines = [
        "| base | model | test loss | answer eval | drafts shown | what runners read | "
        "tokens/s (generation) | time to first token (s) | files (MiB) | training tokens/s | "
        "training (min) | workflow (min) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, report in found.items():
        for side in ("base", "tuned", "adapter"):
            if side not in report:
                continue
            scores = report[side]
            serving = report.get("serving", {}).get(side, {})
            files = serving.get("gguf_mb")
            size = _cell(files, ".0f")
            if "adapter_mb" in serving:
                size += f" + {serving['adapter_mb']:.1f} adapter"
            trained = side != "base"
            lines.append(
                f"| {BASES[name].title} | {SIDES[side]} | {scores['test_loss']:.4f} | "
                f"{scores['eval_score']:.3f} | {scores['drafts_shown']:.0%} | "
                f"{scores['pipeline_score']:.3f} | {_cell(serving.get('tokens_per_s'), '.1f')} | "
                f"{_cell(serving.get('ttft_s'), '.2f')} | {size} | "
                + (
                    f"{report['train']['tokens_per_s']:.0f} | {report['train']['seconds'] / 60:.1f}"
                    f" | {report['wall_s'] / 60:.1f} |"
                    if trained
                    else " | | |"
                )
            )
    return "\n".join(lines)
