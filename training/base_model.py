"""The base model as transformers sees it: read straight out of the bot's GGUF, dequantized.

Tuning the very file the bot runs (rather than downloading the original checkpoint) means the
machine needs no network, and the tuned model differs from the shipped one only by what
training changed, which is what the evaluation gate compares.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from training.bases import named, smollm2_gguf


def bundled_gguf() -> Path:
    return smollm2_gguf()


def resolve_base(configured: str) -> Path:
    """A base's name (``training.bases``; ``"bundled"`` is the bot's SmolLM2) or a GGUF path."""
    base = named(configured)
    path = base.locate() if base is not None else Path(configured).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no base GGUF at {path}")
    return path


# transformers parses the whole GGUF (vocabulary included) on every load, 5-15 s each on 2
# cores; a workflow loads the base many times (training, each HPO trial, both test losses,
# export), so each process parses it once and hands out copies, which take well under a second.


def load_tokenizer(gguf_path: Path) -> Any:
    """A fresh copy: callers change its chat template."""
    return copy.deepcopy(_tokenizer(gguf_path))


def load_model(gguf_path: Path) -> Any:
    """A fresh copy of the f32 base, free to train or merge into."""
    return copy.deepcopy(_model(gguf_path))


@cache
def _tokenizer(gguf_path: Path) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


@cache
def _model(gguf_path: Path) -> Any:
    """Trainable: a GGUF load leaves a quantization config behind in some transformers
    versions, and trainers refuse to fine-tune a "quantized" model."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.float32
    )
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    # torch types any attribute a Module does not declare as a tensor or a submodule.
    model.hf_quantizer = None  # type: ignore[assignment]
    model.is_quantized = False  # type: ignore[assignment]
    return model
