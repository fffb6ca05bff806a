"""A merged transformers llama written back to a GGUF the bot's llama-cpp-python loads.

Everything but the weights is copied from the base GGUF (tokenizer, chat template, hyper-
parameters, names), so the exported model tokenizes and templates exactly like the model it was
tuned from; transformers read those weights out of that very file, so nothing else can differ.
Weights are renamed HF -> GGUF with gguf's own name map, and attn_q / attn_k are permuted back
into llama.cpp's rotary layout, the inverse of what transformers undid when loading (the same
permutation as llama.cpp's ``convert_hf_to_gguf.py``); skipping it gives a model that loads
fine and talks nonsense.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import gguf
import numpy as np

from training.gguf_file import read_metadata, scalar

# Written by GGUFWriter itself, or describing the weights rather than the model.
_NOT_COPIED = {
    "GGUF.version",
    "GGUF.tensor_count",
    "GGUF.kv_count",
    "general.architecture",
    "general.file_type",
    "general.quantization_version",
    "general.alignment",
}
QUANTS = {
    "F32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32),
    "Q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "Q4_1": (gguf.GGMLQuantizationType.Q4_1, gguf.LlamaFileType.MOSTLY_Q4_1),
}


def permute_rotary(weights: np.ndarray, n_head: int) -> np.ndarray:
    """HF's rotate-half Q/K rows into llama.cpp's interleaved pairs (one head group at a time)."""
    rows = weights.shape[0]
    return (
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def gguf_tensors(
    state: Mapping[str, np.ndarray], *, n_blocks: int, n_head: int, n_head_kv: int
) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, f32 array) for each HF llama weight; a tied lm_head is left out, as in the
    base (llama.cpp then reuses token_embd)."""
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_blocks)
    tied = "lm_head.weight" in state and np.array_equal(
        state["lm_head.weight"], state["model.embed_tokens.weight"]
    )
    for hf_name, array in state.items():
        if hf_name == "lm_head.weight" and tied:
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ValueError(f"no GGUF name for {hf_name}: not a llama weight")
        data = np.asarray(array, dtype=np.float32)
        if name.endswith("attn_q.weight"):
            data = permute_rotary(data, n_head)
        elif name.endswith("attn_k.weight"):
            data = permute_rotary(data, n_head_kv)
        yield name, data


def _tensor_type(name: str, data: np.ndarray, quant: str) -> gguf.GGMLQuantizationType:
    """Norms stay f32 (tiny, and precision-critical); the embedding (also the output layer)
    keeps 8 bits under a 4-bit quant, as llama.cpp's own quantizer and the bundled model do."""
    wanted, _ = QUANTS[quant]
    if data.ndim < 2 or data.shape[-1] % 32:
        return gguf.GGMLQuantizationType.F32
    if wanted == gguf.GGMLQuantizationType.Q4_1 and name in ("token_embd.weight", "output.weight"):
        return gguf.GGMLQuantizationType.Q8_0
    return wanted


def erases_update(base_gguf: Path, quant: str) -> bool:
    """Whether ``quant`` is the base's own quantization. Its weights then sit exactly on that
    grid and a LoRA update, far smaller than a step, rounds back onto it: Q4_1 from the bundled
    Q4_1 SmolLM2 kept 6% of the update (measured), Q8_0 from it 99%."""
    file_type = read_metadata(base_gguf).get("general.file_type")
    return quant != "F32" and file_type is not None and file_type.value == int(QUANTS[quant][1])


def write_gguf(
    state: Mapping[str, np.ndarray], base_gguf: Path, out: Path, *, quant: str = "Q8_0"
) -> Path:
    """Write ``state`` (HF names, f32 numpy) as a GGUF with ``base_gguf``'s metadata."""
    if quant not in QUANTS:
        raise ValueError(f"quant must be one of {', '.join(QUANTS)}, not {quant!r}")
    meta = read_metadata(base_gguf)
    arch = scalar(meta, "general.architecture")
    if arch != "llama":
        raise ValueError(f"{base_gguf}: only llama-architecture models export, not {arch}")
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(out, arch)
    for key, value in meta.items():
        if key not in _NOT_COPIED:
            writer.add_key_value(key, value.value, value.type, sub_type=value.sub_type)
    writer.add_file_type(QUANTS[quant][1])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    tensors = gguf_tensors(
        state,
        n_blocks=scalar(meta, "llama.block_count"),
        n_head=scalar(meta, "llama.attention.head_count"),
        n_head_kv=scalar(meta, "llama.attention.head_count_kv"),
    )
    for name, data in tensors:
        qtype = _tensor_type(name, data, quant)
        if qtype == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(name, data)
        else:
            writer.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def state_of(model: object) -> dict[str, np.ndarray]:
    """A transformers model's weights as f32 numpy, by HF name."""
    return {
        name: tensor.detach().float().cpu().numpy()
        for name, tensor in model.state_dict().items()  # type: ignore[attr-defined]
    }


def merged(model: object, adapter_dir: Path) -> object:
    """The base model with the LoRA adapter folded into its weights (plain llama again)."""
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()  # type: ignore[arg-type]
