"""The GPU path. Skipped without CUDA: unsloth cannot even be imported on a CPU machine."""

from __future__ import annotations

import pytest
import torch

from training.config import Config

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (unsloth)")


def test_finetune_takes_the_unsloth_path(tiny_config: Config) -> None:
    pytest.importorskip("unsloth")
    from training import data
    from training.finetune import finetune

    dataset = data.save(data.build_examples(tiny_config), tiny_config)
    result = finetune(tiny_config, dataset)
    assert result.backend == "unsloth"
    assert (result.adapter_dir / "adapter_config.json").is_file()
