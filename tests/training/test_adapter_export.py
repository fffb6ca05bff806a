"""The GGUF LoRA adapter: llama.cpp applying it to the base must compute what the merged model
computes, so shipping the adapter beside the bundled base ships the fine-tune itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import gguf
import numpy as np
import pytest
import torch
from llama_cpp import Llama

from tests.training.test_export import PROMPT, sharpen_attention

if TYPE_CHECKING:
    from transformers import PreTrainedModel
from training import adapter_export, export
from training.base_model import load_model, load_tokenizer
from training.gguf_file import read_metadata, scalar


def random_adapter(model: PreTrainedModel, out: Path) -> object:
    """A peft LoRA on q/k/v/o whose B is not zero (peft starts it at zero: no update at all),
    large enough to move the logits well past rounding."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    peft_model = get_peft_model(model, config)
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
    peft_model.save_pretrained(str(out))
    return peft_model


def scores(path: Path, ids: list[int], lora: Path | None = None) -> np.ndarray:
    llama = Llama(
        model_path=str(path),
        lora_path=str(lora) if lora else None,
        logits_all=True,
        n_ctx=128,
        n_threads=2,
        verbose=False,
    )
    try:
        llama.eval(ids)
        return np.array(llama.scores[: len(ids)], dtype=np.float32)
    finally:
        llama.close()


@pytest.fixture
def sharp_base(tiny_gguf: Path, tmp_path: Path) -> Path:
    """The tiny base with attention that depends on the Q/K layout (see sharpen_attention)."""
    model = load_model(tiny_gguf)
    sharpen_attention(model)
    return export.write_gguf(export.state_of(model), tiny_gguf, tmp_path / "base.gguf", quant="F32")


def test_adapter_on_the_base_computes_the_merged_model(sharp_base: Path, tmp_path: Path) -> None:
    random_adapter(load_model(sharp_base), tmp_path / "peft")
    merged = export.merged(load_model(sharp_base), tmp_path / "peft")
    merged_gguf = export.write_gguf(
        export.state_of(merged), sharp_base, tmp_path / "merged.gguf", quant="F32"
    )
    ids = load_tokenizer(sharp_base)(PROMPT)["input_ids"]
    tuned = scores(merged_gguf, ids)
    scale = np.abs(tuned).max()
    # The update is real: the base alone is far off the merged model.
    assert np.abs(scores(sharp_base, ids) - tuned).max() / scale > 0.5
    # At F32 the adapter carries all of it; the shipped F16 halves the file for a rounding
    # error this random update (far larger than a fine-tune's) measures at ~0.006.
    for dtype, tolerance in (("F32", 1e-3), ("F16", 0.02)):
        adapter = adapter_export.write_adapter(
            tmp_path / "peft", sharp_base, tmp_path / f"{dtype}.gguf", dtype=dtype
        )
        with_adapter = scores(sharp_base, ids, adapter)
        assert np.abs(with_adapter - tuned).max() / scale < tolerance, dtype


def test_without_the_qk_permutation_the_adapter_is_wrong(
    sharp_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control that proves the test above can fail."""
    random_adapter(load_model(sharp_base), tmp_path / "peft")
    merged = export.merged(load_model(sharp_base), tmp_path / "peft")
    merged_gguf = export.write_gguf(
        export.state_of(merged), sharp_base, tmp_path / "merged.gguf", quant="F32"
    )
    monkeypatch.setattr(export, "permute_rotary", lambda rows, n_head: rows)
    adapter = adapter_export.write_adapter(tmp_path / "peft", sharp_base, tmp_path / "bad.gguf")
    ids = load_tokenizer(sharp_base)(PROMPT)["input_ids"]
    tuned, with_adapter = scores(merged_gguf, ids), scores(sharp_base, ids, adapter)
    assert np.abs(with_adapter - tuned).max() / np.abs(tuned).max() > 0.1


def test_adapter_metadata_is_llama_cpps(sharp_base: Path, tmp_path: Path) -> None:
    random_adapter(load_model(sharp_base), tmp_path / "peft")
    adapter = adapter_export.write_adapter(tmp_path / "peft", sharp_base, tmp_path / "a.gguf")
    meta = read_metadata(adapter)
    assert scalar(meta, "general.type") == "adapter"
    assert scalar(meta, "adapter.type") == "lora"
    assert scalar(meta, "adapter.lora.alpha") == pytest.approx(8.0)
    assert scalar(meta, "general.architecture") == "llama"
    reader = gguf.GGUFReader(adapter)
    shapes = {t.name: tuple(int(n) for n in reversed(t.shape)) for t in reader.tensors}
    n_embd = scalar(read_metadata(sharp_base), "llama.embedding_length")
    # numpy order: lora_a [rank, n_in], lora_b [n_out, rank]
    assert shapes["blk.0.attn_q.weight.lora_a"] == (4, n_embd)
    assert shapes["blk.0.attn_q.weight.lora_b"] == (n_embd, 4)


def test_a_missing_adapter_says_what_to_run(tiny_gguf: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m training finetune"):
        adapter_export.write_adapter(tmp_path / "none", tiny_gguf, tmp_path / "a.gguf")
