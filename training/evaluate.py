"""The `evaluate` stage: base against tuned on data neither was tuned on, and the report.

Two judges, both on held-out material: the loss on the test split (sources never trained on,
assistant tokens only, same masking as training), and the answer eval through the bot's pipeline
(``answer_score``: the model's own shown answers as ``eval_score``, what runners read as
``pipeline_score``). The gate in ``promote`` requires the tuned model to win on both judges and
to cost runners nothing.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot.eval_conversations import load_cases
from bot.evaluation import load_questions
from training.answer_score import (
    MODEL_KINDS,
    AnswerScore,
    ConversationScore,
    score_conversations,
    score_gguf,
)
from training.base_model import load_model, resolve_base
from training.bases import named
from training.config import Config
from training.finetune import trainer_for
from training.promote import gate

if TYPE_CHECKING:
    from llama_cpp.llama_types import CreateChatCompletionStreamResponse


@dataclass(frozen=True)
class Side:
    test_loss: float
    answers: AnswerScore
    conversations: ConversationScore | None = None

    @property
    def perplexity(self) -> float:
        return math.exp(self.test_loss)

    def scores(self) -> dict[str, float]:
        scores = {
            "test_loss": self.test_loss,
            "eval_score": self.answers.model_score,
            "pipeline_score": self.answers.pipeline_score,
            "drafts_shown": self.answers.drafts_shown,
        }
        if self.conversations is not None:
            scores["conversation_score"] = self.conversations.score
            scores["conversation_wrong"] = self.conversations.wrong
        return scores


def test_loss(config: Config, dataset: Any, adapter_dir: Path | None) -> float:
    """Mean assistant-token loss on the test split, for the base or base + adapter."""
    model = load_model(resolve_base(config.run.base))
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir))
    splits = {"train": dataset["test"], "validation": dataset["test"]}
    trainer = trainer_for(config, splits, config.run_dir / "eval", model=model)
    return float(trainer.evaluate()["eval_loss"])


def answer_eval(
    config: Config,
    gguf: Path,
    advance: Callable[[], None] = lambda: None,
    *,
    lora: Path | None = None,
) -> AnswerScore:
    questions = load_questions(config.root / config.evaluate.questions)
    if config.evaluate.limit:
        questions = questions[: config.evaluate.limit]
    return score_gguf(
        gguf,
        questions,
        max_tokens=config.evaluate.max_tokens,
        context_tokens=config.evaluate.context_tokens,
        threads=config.run.threads,
        advance=advance,
        lora=lora,
    )


def conversation_eval(
    config: Config,
    gguf: Path,
    advance: Callable[[], None] = lambda: None,
    *,
    lora: Path | None = None,
) -> ConversationScore:
    """The conversational eval's model-answered cases, drafting on (``answer_score``)."""
    cases = [
        case
        for case in load_cases(config.root / config.evaluate.conversations)
        if case.kind in MODEL_KINDS
    ]
    if config.evaluate.limit:
        cases = cases[: config.evaluate.limit]
    return score_conversations(
        gguf,
        cases,
        max_tokens=config.evaluate.max_tokens,
        context_tokens=config.evaluate.context_tokens,
        threads=config.run.threads,
        lora=lora,
        advance=advance,
    )


TABLE_HEAD = (
    "| | test loss | perplexity | answer eval (model's own answers) | drafts shown "
    "| what runners read | conversations (score; confidently wrong) |"
)
SPEED_PROMPTS = 3  # test-split prompts timed per model, median taken
SPEED_TOKENS = 48  # tokens timed per prompt: a rate, not an answer, so no need for all of it


def serving_speed(
    config: Config, gguf: Path, dataset: Any, *, lora: Path | None = None
) -> dict[str, float]:
    """What a runner waits for, on this machine: time to the first token and generation speed
    over a few test-split prompts (as the pipeline writes them), plus the files to ship. A 262k
    vocabulary, a bigger model or an adapter each cost here, not in the scores."""
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(gguf),
        lora_path=str(lora) if lora else None,
        n_ctx=config.evaluate.context_tokens,
        n_threads=config.run.threads,
        verbose=False,
    )
    firsts, rates = [], []
    try:
        for row in list(dataset["test"])[:SPEED_PROMPTS]:
            messages = row["messages"][:-1]  # up to the question; the model writes the reply
            began = time.perf_counter()
            first, tokens = 0.0, 0
            streamed = llama.create_chat_completion(
                messages=messages, max_tokens=SPEED_TOKENS, temperature=0, stream=True
            )
            # llama-cpp-python types the result as streamed or not, whatever ``stream`` says.
            for chunk in cast("Iterator[CreateChatCompletionStreamResponse]", streamed):
                if chunk["choices"][0]["delta"].get("content"):
                    tokens += 1
                    first = first or time.perf_counter() - began
            firsts.append(first)
            if tokens > 1:
                rates.append((tokens - 1) / max(time.perf_counter() - began - first, 1e-9))
    finally:
        llama.close()
    sizes = {"gguf_mb": gguf.stat().st_size / 2**20}
    if lora is not None:
        sizes["adapter_mb"] = lora.stat().st_size / 2**20
    return {
        "ttft_s": statistics.median(firsts) if firsts else 0.0,
        "tokens_per_s": statistics.median(rates) if rates else 0.0,
        **sizes,
    }


def question_count(config: Config) -> int:
    count = len(load_questions(config.root / config.evaluate.questions))
    return min(count, config.evaluate.limit) if config.evaluate.limit else count


def reproduce_flag(config: Config) -> str:
    """The ``--base`` that reproduces a run of a named base other than the config's default."""
    base = named(config.run.base)
    return f" --base {base.name}" if base is not None and base.name != "smollm2-135m" else ""


def loss_curves(log_history: list[dict[str, Any]], out: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h]
    valid = [(h["step"], h["eval_loss"]) for h in log_history if "eval_loss" in h]
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=120)
    if train:
        ax.plot(*zip(*train, strict=True), label="train", alpha=0.7)
    if valid:
        ax.plot(*zip(*valid, strict=True), "o-", label="validation")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.set_title(f"LoRA fine-tune of {title}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def write_report(
    config: Config,
    base: Side,
    tuned: Side,
    training: dict[str, Any],
    wall_s: float,
    dataset_sizes: dict[str, int],
    serving: dict[str, dict[str, float]] | None = None,
    adapter: Side | None = None,
    hpo_s: float | None = None,
) -> Path:
    """The report; ``adapter`` is the tuned update as a GGUF LoRA adapter on the base GGUF
    itself, which is what the bot ships (the merged ``tuned`` model is exported for reference)."""
    out = config.report_dir
    out.mkdir(parents=True, exist_ok=True)
    base_model = named(config.run.base)
    loss_curves(training["log_history"], out / "loss.png", base_model.title if base_model else "")
    report: dict[str, Any] = {
        "base": base.scores(),
        "tuned": tuned.scores(),
        "perplexity": {"base": base.perplexity, "tuned": tuned.perplexity},
        "questions_to_the_model": tuned.answers.asked,
        "train": {
            "seconds": training["train_s"],
            "tokens": training["train_tokens"],
            "tokens_per_s": training["train_tokens"] / max(training["train_s"], 1e-9),
            "backend": training["backend"],
        },
        "dataset": dataset_sizes,
        "config": config.as_dict(),
        "wall_s": wall_s,
        "hpo_s": hpo_s,
    }
    if adapter is not None:
        report["adapter"] = adapter.scores()
    if serving:
        report["serving"] = serving
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    verdict = gate(report)
    outcome = "passed" if verdict.promoted else "failed"
    judged = [side.conversations for side in (base, tuned, adapter) if side and side.conversations]
    conversation_cases = judged[0].cases if judged else 0
    sides = [("base", base), (f"tuned, merged ({config.export.quant})", tuned)]
    if adapter is not None:
        sides.append(("tuned, adapter on the base GGUF (shipped)", adapter))
    rows = "\n".join(
        f"| {name} | {side.test_loss:.4f} | {side.perplexity:.2f} | "
        f"{side.answers.model_score:.3f} | {side.answers.drafts_shown:.2f} | "
        f"{side.answers.pipeline_score:.3f} | "
        + (
            f"{side.conversations.score:.3f}; {side.conversations.wrong:.0%} |"
            if side.conversations
            else "- |"
        )
        for name, side in sides
    )
    speeds = "".join(
        f"\n{name}: {side['ttft_s']:.2f} s to the first token, "
        f"{side['tokens_per_s']:.1f} tokens/s, {side['gguf_mb']:.0f} MiB GGUF"
        + (f" + {side['adapter_mb']:.1f} MiB adapter" if "adapter_mb" in side else "")
        + ";"
        for name, side in (serving or {}).items()
    )
    study_line = (
        f"; the hpo study run with it (`--hpo`) took {hpo_s / 60:.1f} min more"
        if hpo_s is not None
        else ""
    )
    serving_line = (
        f"\nServing with llama.cpp on {config.run.threads} threads (median of "
        f"{SPEED_PROMPTS} test prompts):{speeds}\n"
        if serving
        else ""
    )
    (out / "README.md").write_text(
        f"""# Training run `{config.run.name}`

Base: {config.run.base} GGUF. LoRA r={config.lora.rank}, alpha={config.lora.alpha},
dropout={config.lora.dropout} on {", ".join(config.lora.target_modules)}; lr
{config.train.learning_rate} ({config.train.scheduler}), {config.train.epochs} epoch(s), max
length {config.train.max_length}, seed {config.run.seed}. Data (examples): {dataset_sizes}.

{TABLE_HEAD}
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{rows}

The answer eval runs {report["questions_to_the_model"]} of the eval's questions through the
bot's pipeline to the model (the rest are calculators and commands, alike for both): a question
scores its draft's facts when the grounding checks show the draft, 0 when the runner gets the
vetted entry instead. "What runners read" scores every answer as shown, fallback included.
"Conversations" asks the {conversation_cases} cases of `{config.evaluate.conversations}` that
reach the model (knowledge questions with a stored plan, follow-ups after earlier turns,
out-of-scope and red-flag messages) through the whole coach, the model drafting. The adapter
row is what the bot serves: llama.cpp applies the LoRA update beside the base's own weights.

Gate (lower test loss, higher answer eval, runners no worse off): **{outcome}**
({verdict.reason}).
Training: {training["train_s"]:.0f} s, {training["train_tokens"]} tokens
({report["train"]["tokens_per_s"]:.0f} tokens/s, {training["backend"]}); whole workflow
(`all`: data, finetune, export, evaluate) {wall_s / 60:.1f} min{study_line}.
{serving_line}
![loss curves](loss.png)

Reproduce: `python -m training all{reproduce_flag(config)}` (config: `config/training.toml`,
saved in `report.json`).
"""
    )
    return out
