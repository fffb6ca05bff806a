"""Gemma 3's weights on the way back to GGUF (issue 16): merged into the model or as a LoRA
adapter, llama.cpp must compute what transformers computes. A tiny random Gemma 3 stands in for
the real one, so a wrong name, a missing norm shift or a wrong rotary layout shows in seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gguf
import numpy as np

from training.export import ARCHS, Layout, gguf_tensors


def test_gemma_weights_go_back_under_gemma_names_with_norms_shifted_and_no_rotary_permutation() -> (
    None
):
    layout = Layout("gemma3", ARCHS["gemma3"], n_blocks=1, n_head=4, n_head_kv=1)
    q = np.arange(16 * 8, dtype=np.float32).reshape(16, 8)
    state = {
        "model.layers.0.self_attn.q_proj.weight": q,
        "model.layers.0.self_attn.q_norm.weight": np.zeros(4, dtype=np.float32),
        "model.layers.0.pre_feedforward_layernorm.weight": np.full(8, 0.5, dtype=np.float32),
        "model.norm.weight": np.zeros(8, dtype=np.float32),
    }
    out = dict(gguf_tensors(state, layout))
    assert np.array_equal(out["blk.0.attn_q.weight"], q)
    assert np.all(out["blk.0.attn_q_norm.weight"] == 1.0)
    assert np.all(out["blk.0.ffn_norm.weight"] == 1.5)
    assert np.all(out["output_norm.weight"] == 1.0)


TINY_IDS = [1, 1500, 88, 4000, 12, 30000, 640, 7, 2100, 9]


def tiny_gemma(path: Path) -> tuple[Any, Path]:
    """A random two-layer Gemma 3 in transformers and the same weights written as a GGUF the way
    export writes them (SmolLM2's tokenizer: llama.cpp needs one, the weights do not care).
    Norms are random and Q/K weights large, so a missing +1 or a wrong rotary layout shows."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    from tests.llm.tiny_gguf import bundled_gguf_path, read_tokenizer_metadata
    from training.export import state_of

    torch.manual_seed(0)
    config = Gemma3TextConfig(
        vocab_size=49152,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=16,
        query_pre_attn_scalar=16,
        max_position_embeddings=512,
        sliding_window=512,
    )
    model = Gemma3ForCausalLM(config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            std = 0.4 if "q_proj" in name or "k_proj" in name else 0.1
            param.normal_(0.0, 0.3 if "norm" in name else std)
    writer = gguf.GGUFWriter(path, "gemma3")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_block_count(2)
    writer.add_context_length(512)
    writer.add_embedding_length(64)
    writer.add_feed_forward_length(128)
    writer.add_head_count(4)
    writer.add_head_count_kv(1)
    writer.add_key_length(16)
    writer.add_value_length(16)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_sliding_window(512)
    for key, meta in read_tokenizer_metadata(bundled_gguf_path()).items():
        writer.add_key_value(key, meta.value, meta.type, sub_type=meta.sub_type)
    layout = Layout("gemma3", ARCHS["gemma3"], n_blocks=2, n_head=4, n_head_kv=1)
    for name, data in gguf_tensors(state_of(model), layout):
        writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return model, path


def llama_cpp_logits(path: Path, lora: Path | None = None) -> np.ndarray:
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(path),
        lora_path=str(lora) if lora else None,
        logits_all=True,
        n_ctx=64,
        n_threads=2,
        verbose=False,
    )
    try:
        llama.eval(TINY_IDS)
        return np.array(llama.scores[: len(TINY_IDS)], dtype=np.float32)
    finally:
        llama.close()


def hf_logits(model: Any) -> np.ndarray:
    import torch

    with torch.no_grad():
        return model(torch.tensor([TINY_IDS])).logits[0].float().numpy()


def assert_same_model(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() < 0.02
    assert (ours.argmax(-1) == theirs.argmax(-1)).all()


def test_gemma_weights_written_back_compute_in_llama_cpp_what_transformers_computes(
    tmp_path: Path,
) -> None:
    model, path = tiny_gemma(tmp_path / "gemma.gguf")
    assert_same_model(llama_cpp_logits(path), hf_logits(model))


def test_gemma_lora_adapter_on_the_base_computes_the_tuned_model(tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    from training.adapter_export import write_adapter

    model, base = tiny_gemma(tmp_path / "gemma.gguf")
    before = hf_logits(model)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    tuned = get_peft_model(model, lora)
    with torch.no_grad():
        for name, param in tuned.named_parameters():
            if "lora_" in name:
                param.normal_(0.0, 0.3)
    tuned.save_pretrained(str(tmp_path / "peft"))
    adapter = write_adapter(tmp_path / "peft", base, tmp_path / "adapter.gguf", dtype="F32")
    after = hf_logits(tuned)
    assert np.abs(after - before).max() > 0.1 * np.abs(before).max()  # the update is no rounding
    assert_same_model(llama_cpp_logits(base, adapter), after)
