"""Training settings a CPU run depends on to finish in its time budget."""

from __future__ import annotations

import pytest
import torch

from training.config import Config
from training.finetune import sft_config


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU path")
def test_cpu_training_runs_in_f32_with_length_grouped_batches(tiny_config: Config) -> None:
    # trl's default bf16 autocast is emulated on a CPU without bf16 units: one optimizer step of
    # the SmolLM2 run took 10 minutes instead of 20 s.
    args = sft_config(tiny_config, tiny_config.run_dir / "trainer")
    assert not args.bf16 and not args.fp16
    assert args.train_sampling_strategy == "group_by_length"
    assert args.assistant_only_loss
