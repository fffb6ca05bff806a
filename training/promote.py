"""The `promote` stage: ship the tuned model, only if it beat the base.

What ships is the GGUF LoRA adapter (a few MB), with its model card and report, in
``models/<run>/``, which is committed: the bot applies it beside the base's own weights
(``model_adapter_path``), so every install gets the fine-tune and ``none`` turns it off. The
merged GGUF stays in ``training/runs/`` (git-ignored). A settings file for ``RUNCOACH_CONFIG``
names the adapter (and the base, when it is not the bundled one), for trying a run that is
not the default.
"""

from __future__ import annotations

import json
import shutil
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
    answers while the runner reads less. The answers are judged on what ships (the adapter on
    the base GGUF when the report has it), and the conversational eval, when scored, must be
    no worse either: no lower score and no more confidently wrong replies."""
    base, tuned = report["base"], report["tuned"]
    shipped = report.get("adapter", tuned)
    if tuned["test_loss"] >= base["test_loss"]:
        return Verdict(
            False, f"test loss {tuned['test_loss']:.4f} is not below {base['test_loss']:.4f}"
        )
    if shipped["eval_score"] <= base["eval_score"]:
        return Verdict(
            False,
            f"answer eval {shipped['eval_score']:.3f} is not above {base['eval_score']:.3f}",
        )
    if shipped["pipeline_score"] < base["pipeline_score"]:
        return Verdict(
            False,
            f"runners would read worse answers: {shipped['pipeline_score']:.3f} against "
            f"{base['pipeline_score']:.3f}",
        )
    conversations = ""
    if "conversation_score" in base and "conversation_score" in shipped:
        if shipped["conversation_score"] < base["conversation_score"]:
            return Verdict(
                False,
                f"conversations would read worse: {shipped['conversation_score']:.3f} against "
                f"{base['conversation_score']:.3f}",
            )
        if shipped["conversation_wrong"] > base["conversation_wrong"]:
            return Verdict(
                False,
                f"more confidently wrong replies in conversations: "
                f"{shipped['conversation_wrong']:.1%} against {base['conversation_wrong']:.1%}",
            )
        conversations = (
            f", conversations {base['conversation_score']:.3f} -> "
            f"{shipped['conversation_score']:.3f}"
        )
    return Verdict(
        True,
        f"test loss {base['test_loss']:.4f} -> {tuned['test_loss']:.4f}, answer eval "
        f"{base['eval_score']:.3f} -> {shipped['eval_score']:.3f}, what runners read "
        f"{base['pipeline_score']:.3f} -> {shipped['pipeline_score']:.3f}{conversations}",
    )


def model_card(config: Config, report: dict[str, Any]) -> str:
    sides = [("base", "base"), ("tuned", f"tuned, merged {config.export.quant}")]
    if "adapter" in report:
        sides.append(("adapter", "tuned, adapter on the base GGUF (shipped)"))
    rows = "\n".join(
        f"| {label} | {report[side]['test_loss']:.4f} | {report[side]['eval_score']:.3f} | "
        f"{report[side]['drafts_shown']:.0%} | {report[side]['pipeline_score']:.3f} | "
        + (
            f"{report[side]['conversation_score']:.3f}; {report[side]['conversation_wrong']:.0%}"
            if "conversation_score" in report[side]
            else "-"
        )
        + " |"
        for side, label in sides
    )
    return f"""# runcoach tuned model `{config.run.name}`

- Base: {config.run.base} GGUF. The fine-tune ships as a GGUF LoRA adapter (`adapter.gguf`,
  rank {config.lora.rank}, alpha {config.lora.alpha}, on
  {", ".join(config.lora.target_modules)}), which llama.cpp applies beside the base's own
  quantized weights; merging it and re-quantizing to the base's 4 bits would round it away.
- Data: the runcoach knowledge base (answers are the vetted entries' own sentences), asked the
  way runners ask (their own words, with their profile and today's workout in the prompt,
  follow-ups after earlier turns, off-topic questions refused), exact calculator and plan-engine
  answers; no eval question is trained on, and splits share no source entry. Sizes:
  {report.get("dataset")}.
- Config: `report.json` (`config`), from `config/training.toml`.
- Install: the bot's `model_adapter_path` (`config/default.toml`); `none` serves the base alone.
- Limits: a small model that learned to restate the note it is given, which is what its data
  teaches; the bot still guards every answer (calculators, retrieval, grounding checks).

Held-out scores (test split loss; answer eval of the questions that reach the model; share of
its drafts the grounding checks show; the answers as runners read them; the conversational
eval's model-answered cases, drafting on):

| | test loss | answer eval | drafts shown | what runners read | conversations (score; wrong) |
| --- | ---: | ---: | ---: | ---: | ---: |
{rows}
"""


def promote(config: Config, adapter: Path) -> Verdict:
    """If the gate passes: the adapter, its report and model card into ``models/<run>/``, and
    a settings file naming them."""
    report_path = config.report_dir / "report.json"
    if not report_path.is_file():
        raise FileNotFoundError(f"no report at {report_path}: run `python -m training evaluate`")
    report = json.loads(report_path.read_text("utf-8"))
    verdict = gate(report)
    if not verdict.promoted:
        return verdict
    if not adapter.is_file():
        raise FileNotFoundError(f"no adapter at {adapter}: run `python -m training export`")
    card = model_card(config, report)
    (config.report_dir / "MODEL_CARD.md").write_text(card)
    shipped = config.root / "models" / config.run.name
    shipped.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(adapter, shipped / "adapter.gguf")
    shutil.copyfile(report_path, shipped / "report.json")
    (shipped / "MODEL_CARD.md").write_text(card)
    settings = config.root / config.promote.settings_file
    settings.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by `python -m training promote`: the tuned model beat the base on the held-out",
        f"# eval ({verdict.reason}). Use with RUNCOACH_CONFIG={config.promote.settings_file}.",
        f"model_adapter_path = {json.dumps(f'models/{config.run.name}/adapter.gguf')}",
    ]
    if config.run.base != "bundled":
        from training.base_model import resolve_base

        lines.append(f"model_path = {json.dumps(str(resolve_base(config.run.base)))}")
    settings.write_text("\n".join(lines) + "\n")
    return verdict
