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
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from training.gguf_file import MetadataValue, read_metadata, scalar

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


@dataclass(frozen=True)
class Arch:
    """What export needs to know of one GGUF architecture: gguf's HF -> GGUF tensor-name map,
    and whether Q/K rows go back into llama.cpp's interleaved rotary layout (llama's do; an
    arch whose converter leaves them as they are does not)."""

    model_arch: gguf.MODEL_ARCH
    permutes_qk: bool
    # Added to every RMSNorm weight: Gemma's HF norms scale by (1 + w), GGUF stores 1 + w.
    norm_shift: float = 0.0


# By the base GGUF's general.architecture; a second base adds its entry here. Gemma 3 as in
# llama.cpp's convert_hf_to_gguf.py: NEOX rotary (no Q/K permutation), norms stored +1.
ARCHS: dict[str, Arch] = {
    "llama": Arch(gguf.MODEL_ARCH.LLAMA, permutes_qk=True),
    "gemma3": Arch(gguf.MODEL_ARCH.GEMMA3, permutes_qk=False, norm_shift=1.0),
}


def arch_of(meta: Mapping[str, MetadataValue], base_gguf: Path) -> tuple[str, Arch]:
    name = scalar(meta, "general.architecture")  # type: ignore[arg-type]
    if name not in ARCHS:
        known = ", ".join(sorted(ARCHS))
        raise ValueError(f"{base_gguf}: cannot export a {name} model (known: {known})")
    return name, ARCHS[name]


def permute_rotary(weights: np.ndarray, n_head: int) -> np.ndarray:
    """HF's rotate-half Q/K rows into llama.cpp's interleaved pairs (one head group at a time)."""
    rows = weights.shape[0]
    return (
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


@dataclass(frozen=True)
class Layout:
    """The base's tensor naming and rotary layout, read from its GGUF header."""

    arch_name: str
    arch: Arch
    n_blocks: int
    n_head: int
    n_head_kv: int

    @classmethod
    def of(cls, meta: Mapping[str, MetadataValue], base_gguf: Path) -> Layout:
        name, arch = arch_of(meta, base_gguf)
        return cls(
            name,
            arch,
            n_blocks=scalar(meta, f"{name}.block_count"),  # type: ignore[arg-type]
            n_head=scalar(meta, f"{name}.attention.head_count"),  # type: ignore[arg-type]
            n_head_kv=scalar(meta, f"{name}.attention.head_count_kv"),  # type: ignore[arg-type]
        )

    def gguf_name(self, hf_name: str) -> str:
        names = gguf.get_tensor_name_map(self.arch.model_arch, self.n_blocks)
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ValueError(f"no GGUF name for {hf_name}: not a {self.arch_name} weight")
        return name

    def to_gguf_rows(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``rows`` (the output dimension first) in llama.cpp's layout for tensor ``name``."""
        if not self.arch.permutes_qk:
            return rows
        if name.endswith("attn_q.weight"):
            return permute_rotary(rows, self.n_head)
        if name.endswith("attn_k.weight"):
            return permute_rotary(rows, self.n_head_kv)
        return rows


def gguf_tensors(
    state: Mapping[str, np.ndarray], layout: Layout
) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, f32 array) for each HF weight; a tied lm_head is left out, as in the base
    (llama.cpp then reuses token_embd)."""
    tied = "lm_head.weight" in state and np.array_equal(
        state["lm_head.weight"], state["model.embed_tokens.weight"]
    )
    for hf_name, array in state.items():
        if hf_name == "lm_head.weight" and tied:
            continue
        name = layout.gguf_name(hf_name)
        data = np.asarray(array, dtype=np.float32)
        if layout.arch.norm_shift and hf_name.endswith("norm.weight"):
            data = data + layout.arch.norm_shift
        yield name, layout.to_gguf_rows(name, data)


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
    layout = Layout.of(meta, base_gguf)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(out, layout.arch_name)
    for key, value in meta.items():
        if key not in _NOT_COPIED:
            writer.add_key_value(key, value.value, value.type, sub_type=value.sub_type)
    writer.add_file_type(QUANTS[quant][1])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for name, data in gguf_tensors(state, layout):
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
