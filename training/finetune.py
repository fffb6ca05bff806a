"""The `finetune` stage: LoRA on the base model, loss on the coach's (assistant's) tokens only.

On CPU it is peft + trl's SFTTrainer. With CUDA, unsloth loads and wraps the model instead
(faster kernels, same LoRA settings, same trainer); it is imported only then, since it refuses to
import at all without a GPU.

trl masks non-assistant tokens with the chat template's ``{% generation %}`` markers, which
SmolLM2's template lacks and trl cannot patch for it. Each base's training template
(``training.bases``) is its chat template with the markers added around each assistant reply
*and its end-of-turn token* (so the model learns to stop); it renders the same text (tests hold
it to that), so training sees exactly what the bot sends.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.base_model import load_model, load_tokenizer, resolve_base
from training.bases import SMOLLM2_TEMPLATE, training_template
from training.config import Config

# The SmolLM2 one, which tests hold to the bundled GGUF's template.
TRAINING_TEMPLATE = SMOLLM2_TEMPLATE


@dataclass(frozen=True)
class FinetuneResult:
    adapter_dir: Path
    log_history: list[dict[str, Any]]
    train_s: float
    train_tokens: int
    backend: str

    @property
    def tokens_per_s(self) -> float:
        return self.train_tokens / self.train_s if self.train_s else 0.0


def use_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def git_revision(root: Path) -> str:
    """HEAD, marked "-dirty" when the tree has changes: an adapter is traceable to its code."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head


def lora_config(config: Config) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora.rank,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules),
        task_type="CAUSAL_LM",
    )


def sft_config(config: Config, output_dir: Path, *, evaluate: bool = True) -> Any:
    import torch
    from trl import SFTConfig

    train = config.train
    gpu = use_gpu()
    return SFTConfig(
        output_dir=str(output_dir),
        per_device_train_batch_size=train.batch_size,
        per_device_eval_batch_size=train.batch_size,
        gradient_accumulation_steps=train.grad_accum,
        learning_rate=train.learning_rate,
        lr_scheduler_type=train.scheduler,
        warmup_steps=train.warmup_ratio,
        weight_decay=train.weight_decay,
        num_train_epochs=train.epochs,
        max_steps=train.max_steps,
        max_length=train.max_length,
        assistant_only_loss=True,
        # trl turns it on by default; on CPU it costs a third more time to save memory we have.
        activation_checkpointing=False,
        eval_strategy="steps" if evaluate else "no",
        eval_steps=train.eval_steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=config.run.seed,
        data_seed=config.run.seed,
        disable_tqdm=True,
        # trl turns on bf16 autocast by default. A CPU without bf16 units (this AVX2 machine)
        # emulates it: one optimizer step took 10 minutes instead of 20 s. f32 on the CPU.
        bf16=gpu and torch.cuda.is_bf16_supported(),
        use_cpu=not gpu,
        dataloader_num_workers=0,
        # Batches of like lengths: random ones pad to their longest member, a third wasted here.
        train_sampling_strategy="group_by_length",
    )


def _tokenizer(base: Path) -> Any:
    tokenizer = load_tokenizer(base)
    tokenizer.chat_template = training_template(base)
    return tokenizer


def _unsloth_model(config: Config, base: Path) -> tuple[Any, Any]:
    """unsloth cannot read GGUF: the dequantized base goes through a HF checkpoint first."""
    from unsloth import FastLanguageModel  # only here: it raises on import without a GPU

    checkpoint = config.run_dir / "base-hf"
    if not checkpoint.is_dir():
        load_model(base).save_pretrained(checkpoint)
        load_tokenizer(base).save_pretrained(checkpoint)
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=str(checkpoint), max_seq_length=config.train.max_length, load_in_4bit=False
    )
    model = FastLanguageModel.get_peft_model(
        model,
        r=config.lora.rank,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules),
        random_state=config.run.seed,
    )
    tokenizer.chat_template = training_template(base)
    return model, tokenizer


def trainer_for(
    config: Config,
    dataset: Any,
    output_dir: Path,
    *,
    callbacks: list[Any] | None = None,
    model: Any = None,
) -> Any:
    """An SFTTrainer for ``config``: LoRA on the base unless a ``model`` (e.g. the untrained
    base, to measure its loss with the very same masking) is given."""
    import torch
    from trl import SFTTrainer

    torch.set_num_threads(config.run.threads)
    base = resolve_base(config.run.base)
    peft_config = None
    if model is not None:
        tokenizer = _tokenizer(base)
    elif use_gpu():
        model, tokenizer = _unsloth_model(config, base)
    else:
        model, tokenizer = load_model(base), _tokenizer(base)
        peft_config = lora_config(config)
    return SFTTrainer(
        model=model,
        args=sft_config(config, output_dir, evaluate="validation" in dataset),
        train_dataset=dataset["train"],
        eval_dataset=dataset.get("validation"),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )


def token_count(trainer: Any) -> int:
    """Tokens in one pass over the processed training set."""
    return sum(len(ids) for ids in trainer.train_dataset["input_ids"])


def finetune(config: Config, dataset: Any, *, callbacks: list[Any] | None = None) -> FinetuneResult:
    adapter_dir = config.run_dir / "adapter"
    trainer = trainer_for(config, dataset, config.run_dir / "trainer", callbacks=callbacks)
    began = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - began
    state = trainer.state
    # Tokens actually seen: a capped run (max_steps) sees only part of an epoch.
    seen = state.global_step * config.train.batch_size * config.train.grad_accum
    per_example = token_count(trainer) / max(len(trainer.train_dataset), 1)
    trainer.model.save_pretrained(str(adapter_dir))
    backend = "unsloth" if use_gpu() else "peft+trl (CPU)"
    (adapter_dir / "training_config.json").write_text(
        json.dumps(
            {
                "config": config.as_dict(),
                "git_revision": git_revision(config.root),
                "backend": backend,
                "base_gguf": str(resolve_base(config.run.base)),
            },
            indent=1,
        )
    )
    result = FinetuneResult(
        adapter_dir, list(state.log_history), train_s, round(seen * per_example), backend
    )
    (adapter_dir / "log_history.json").write_text(
        json.dumps(
            {
                "log_history": result.log_history,
                "train_s": train_s,
                "train_tokens": result.train_tokens,
                "backend": backend,
            },
            indent=1,
        )
    )
    return result
