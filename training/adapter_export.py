"""The LoRA update alone, as a GGUF LoRA adapter llama.cpp applies beside the base's weights.

Merging the update into the weights and re-quantizing to the bundled Q4_1 rounds almost all of
it away (see ``export.erases_update``); llama.cpp instead computes ``W x + scale * B (A x)`` at
inference, with ``W`` still the base's own quantized tensor and ``A``/``B`` kept at 16 bits, so
the bundled model keeps the whole fine-tune for a few MB.

The file follows llama.cpp's ``convert_lora_to_gguf.py``: ``general.type = "adapter"``,
``adapter.type = "lora"``, ``adapter.lora.alpha``, and for each adapted base tensor
``<gguf name>.lora_a`` ([rank, n_in] in numpy order) and ``<gguf name>.lora_b`` ([n_out, rank]).
Names and the Q/K rotary layout come from the base's ``export.Layout``: the permutation acts on
output rows, which in ``B A`` are ``B``'s rows alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np

from training.export import Layout
from training.gguf_file import read_metadata

ADAPTER_DTYPES = {"F32": np.float32, "F16": np.float16}
_PEFT_PREFIX = "base_model.model."


def peft_pairs(adapter_dir: Path) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], float]:
    """{HF base weight name: (lora_A, lora_B)} and ``lora_alpha`` of a saved peft adapter."""
    from safetensors.numpy import load_file

    config_path = adapter_dir / "adapter_config.json"
    weights_path = adapter_dir / "adapter_model.safetensors"
    if not config_path.is_file() or not weights_path.is_file():
        raise FileNotFoundError(
            f"no peft adapter in {adapter_dir}: run `python -m training finetune`"
        )
    config = json.loads(config_path.read_text())
    if config.get("use_rslora") or config.get("use_dora"):
        raise ValueError(f"{adapter_dir}: rsLoRA/DoRA adapters scale differently from llama.cpp's")
    halves: dict[str, dict[str, np.ndarray]] = {}
    for key, array in load_file(str(weights_path)).items():
        for half in ("lora_A", "lora_B"):
            marker = f".{half}.weight"
            if key.endswith(marker):
                # peft may name the adapter ("...lora_A.default.weight" in memory); saved files
                # drop it, and this reads saved files only.
                base = key.removeprefix(_PEFT_PREFIX).removesuffix(marker) + ".weight"
                halves.setdefault(base, {})[half] = np.asarray(array, dtype=np.float32)
                break
        else:
            raise ValueError(f"{adapter_dir}: {key} is not a LoRA A/B weight")
    pairs = {}
    for name, found in halves.items():
        if set(found) != {"lora_A", "lora_B"}:
            raise ValueError(f"{adapter_dir}: {name} lacks its lora_A or lora_B half")
        pairs[name] = (found["lora_A"], found["lora_B"])
    return pairs, float(config["lora_alpha"])


def write_adapter(adapter_dir: Path, base_gguf: Path, out: Path, *, dtype: str = "F16") -> Path:
    """Write the peft adapter in ``adapter_dir`` as a GGUF LoRA adapter for ``base_gguf``."""
    if dtype not in ADAPTER_DTYPES:
        raise ValueError(f"adapter dtype must be one of {', '.join(ADAPTER_DTYPES)}, not {dtype!r}")
    pairs, alpha = peft_pairs(adapter_dir)
    layout = Layout.of(read_metadata(base_gguf), base_gguf)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(out, layout.arch_name)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    for hf_name, (lora_a, lora_b) in sorted(pairs.items()):
        name = layout.gguf_name(hf_name)
        for suffix, data in (("lora_a", lora_a), ("lora_b", layout.to_gguf_rows(name, lora_b))):
            writer.add_tensor(f"{name}.{suffix}", data.astype(ADAPTER_DTYPES[dtype]))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out
