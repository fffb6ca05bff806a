"""The `promote` stage: install the tuned GGUF as the bot's model, only if it beat the base.

The install is a settings file for ``RUNCOACH_CONFIG`` (``model_path = ...``), not a copy over the
bundled model: reverting is deleting one line, and the bundled model stays the known-good
fallback. The model card sits beside the run's report and is committed; the weights are not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.config import Config


@dataclass(frozen=True)
class Verdict:
    promoted: bool
    reason: str


def gate(report: dict[str, Any]) -> Verdict:
    """Lower held-out loss, a better answer eval, and nothing worse for runners: a tuned model
    whose drafts replace vetted entries that had the facts would score higher on its own
    answers while the runner reads less."""
    base, tuned = report["base"], report["tuned"]
    if tuned["test_loss"] >= base["test_loss"]:
        return Verdict(
            False, f"test loss {tuned['test_loss']:.4f} is not below {base['test_loss']:.4f}"
        )
    if tuned["eval_score"] <= base["eval_score"]:
        return Verdict(
            False, f"answer eval {tuned['eval_score']:.3f} is not above {base['eval_score']:.3f}"
        )
    if tuned["pipeline_score"] < base["pipeline_score"]:
        return Verdict(
            False,
            f"runners would read worse answers: {tuned['pipeline_score']:.3f} against "
            f"{base['pipeline_score']:.3f}",
        )
    return Verdict(
        True,
        f"test loss {base['test_loss']:.4f} -> {tuned['test_loss']:.4f}, answer eval "
        f"{base['eval_score']:.3f} -> {tuned['eval_score']:.3f}, what runners read "
        f"{base['pipeline_score']:.3f} -> {tuned['pipeline_score']:.3f}",
    )


def model_card(config: Config, report: dict[str, Any], gguf: Path) -> str:
    rows = "\n".join(
        f"| {side} | {report[side]['test_loss']:.4f} | {report[side]['eval_score']:.3f} | "
        f"{report[side]['drafts_shown']:.0%} | {report[side]['pipeline_score']:.3f} |"
        for side in ("base", "tuned")
    )
    return f"""# runcoach tuned model `{config.run.name}`

- Base: SmolLM2-135M-Instruct ({config.run.base} GGUF), LoRA merged, exported as
  {config.export.quant} GGUF (`{gguf.name}`, built locally; weights are not in git).
- Data: the runcoach knowledge base (answers are the vetted entries' own sentences), exact
  calculator and plan-engine answers, and two-turn chats with a runner profile; splits share no
  source entry. Sizes: {report.get("dataset")}.
- Config: `report.json` (`config`), from `config/training.toml`.
- Install: `RUNCOACH_CONFIG={config.promote.settings_file}` (written by `python -m training
  promote`); unset it to go back to the bundled model.
- Limits: a 135M model that learned to restate the note it is given, which is what its data
  teaches; the bot still guards every answer (calculators, retrieval, grounding checks).

Held-out scores (test split loss; answer eval of the questions that reach the model; share of
its drafts the grounding checks show; the answers as runners read them):

| | test loss | answer eval | drafts shown | what runners read |
| --- | ---: | ---: | ---: | ---: |
{rows}
"""


def promote(config: Config, gguf: Path) -> Verdict:
    report_path = config.report_dir / "report.json"
    if not report_path.is_file():
        raise FileNotFoundError(f"no report at {report_path}: run `python -m training evaluate`")
    report = json.loads(report_path.read_text("utf-8"))
    verdict = gate(report)
    if not verdict.promoted:
        return verdict
    if not gguf.is_file():
        raise FileNotFoundError(f"no exported model at {gguf}: run `python -m training export`")
    settings = config.root / config.promote.settings_file
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        "# Written by `python -m training promote`: the tuned model beat the base on the held-out\n"
        f"# eval ({verdict.reason}). Use with RUNCOACH_CONFIG={config.promote.settings_file}.\n"
        f"model_path = {json.dumps(str(gguf.resolve()))}\n"
    )
    (config.report_dir / "MODEL_CARD.md").write_text(model_card(config, report, gguf))
    return verdict
