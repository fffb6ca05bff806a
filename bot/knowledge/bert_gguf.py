"""Converts a Hugging Face BERT sentence encoder (safetensors + WordPiece vocab) to a GGUF file
that llama.cpp runs as an embedding model, with numpy and the ``gguf`` package alone.

The bundled MiniLM ships as PyTorch-format files; llama.cpp's own converter needs torch and
transformers, which the bot must not depend on. This does what that converter does for
``BertModel``: llama.cpp's tensor names (``gguf.TensorNameMap``), the WordPiece vocabulary in
llama.cpp's "phantom space" form (a word-initial piece gets a leading U+2581, a ``##``
continuation loses its ``##``), non-causal attention and the pooling sentence-transformers
applies. Matrices are stored as F16: half the file, and the vectors stay within a cosine of
1e-6 of F32 ones. Importing ``gguf`` takes 0.15 s, so callers import this module only on the
start that converts.
"""

from __future__ import annotations

import json
import logging
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import gguf
import numpy as np

_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
# Tensors BERT checkpoints carry that an encoder used for embeddings never reads.
_UNUSED_PREFIXES = ("embeddings.position_ids", "pooler.", "cls.")
# 1 = mean pooling, 2 = CLS, as sentence-transformers' 1_Pooling/config.json says.
_POOLING_MODES = {"pooling_mode_mean_tokens": 1, "pooling_mode_cls_token": 2}


class ConversionError(Exception):
    """The model folder is not a BERT encoder this converter understands."""


def convert_bert(model_dir: Path, out: Path) -> None:
    """Writes ``out`` from the encoder in ``model_dir``; written aside and renamed, so a crash
    never leaves a half-written file where a later start would load it."""
    # gguf narrates each step at INFO; the caller logs the one line that matters.
    narrator = logging.getLogger("gguf")
    level = narrator.level
    narrator.setLevel(logging.WARNING)
    try:
        _convert(model_dir, out)
    finally:
        narrator.setLevel(level)


def _convert(model_dir: Path, out: Path) -> None:
    config = _json(model_dir / "config.json")
    if config.get("model_type") != "bert":
        raise ConversionError(f"{model_dir}: not a BERT model ({config.get('model_type')})")
    blocks = int(config["num_hidden_layers"])
    arch = gguf.MODEL_ARCH.BERT
    names = gguf.TensorNameMap(arch, blocks)
    partial = out.with_name(f"{out.name}.{os.getpid()}.partial")  # two starts may race
    writer = gguf.GGUFWriter(partial, gguf.MODEL_ARCH_NAMES[arch])
    writer.add_name(model_dir.name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(blocks)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType(_pooling(model_dir)))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    _add_vocab(writer, model_dir, int(config.get("type_vocab_size", 1)))
    for name, data in read_safetensors(model_dir / "model.safetensors"):
        if name.startswith("bert."):
            name = name.removeprefix("bert.")
        if name.startswith(_UNUSED_PREFIXES):
            continue
        mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if mapped is None:
            raise ConversionError(f"{model_dir}: unexpected tensor {name}")
        # llama.cpp multiplies F16 matrices, but reads norms, biases and the small position and
        # token-type tables as F32, as its own converter writes them.
        small = data.ndim < 2 or mapped.startswith(("position_embd", "token_types"))
        writer.add_tensor(mapped, data.astype(np.float32 if small else np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(out)


def _add_vocab(writer: gguf.GGUFWriter, model_dir: Path, token_types: int) -> None:
    vocab = (model_dir / "vocab.txt").read_text("utf-8").splitlines()
    special = {
        added["id"]
        for added in _json(model_dir / "tokenizer.json").get("added_tokens", [])
        if added.get("special")
    }
    tokens = [
        piece if i in special else piece[2:] if piece.startswith("##") else "\u2581" + piece
        for i, piece in enumerate(vocab)
    ]
    kinds = [
        gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL for i in range(len(vocab))
    ]
    writer.add_token_type_count(token_types)
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(kinds)
    # No "cls": llama.cpp takes [CLS] as BERT's BOS, which the tokenizer's template gives.
    kinds_of_special = ("bos", "eos", "unk", "sep", "pad", "mask")
    gguf.SpecialVocab(
        model_dir, n_vocab=len(tokens), special_token_types=kinds_of_special
    ).add_to_gguf(writer, quiet=True)


def _pooling(model_dir: Path) -> int:
    path = model_dir / "1_Pooling" / "config.json"
    if not path.is_file():
        return 1
    config = _json(path)
    modes = [mode for key, mode in _POOLING_MODES.items() if config.get(key)]
    if len(modes) != 1:
        raise ConversionError(f"{path}: unsupported pooling {config}")
    return modes[0]


def read_safetensors(path: Path) -> Iterator[tuple[str, np.ndarray]]:
    """The tensors of a .safetensors file (an 8-byte header length, a JSON header, raw data):
    reading it directly spares a dependency on the safetensors package."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    (header_len,) = struct.unpack("<Q", raw[:8].tobytes())
    header = json.loads(raw[8 : 8 + header_len].tobytes())
    base = 8 + header_len
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ConversionError(f"{path}: tensor {name} has unsupported type {info['dtype']}")
        start, end = info["data_offsets"]
        yield name, raw[base + start : base + end].view(dtype).reshape(info["shape"])


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise ConversionError(f"{path}: {err}") from None
