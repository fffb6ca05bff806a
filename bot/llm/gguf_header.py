"""What a GGUF file's header says, read without loading it: enough to check that a LoRA adapter
fits a model before llama.cpp is handed both.

llama-cpp-python 0.3.36 does not stop on an adapter made for another model: llama.cpp logs
"incorrect shape" and the first generation then crashes the process (measured). So the backend
checks the adapter's architecture and tensor shapes itself. A header walk rather than
``gguf.GGUFReader``, which builds a numpy view per vocabulary string (24 s on a busy 2-core
machine for the bundled model; this takes a fraction of a second).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

_MAGIC = 0x46554747  # "GGUF" read as a little-endian uint32
_STRING, _ARRAY = 8, 9
_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


@dataclass(frozen=True)
class Header:
    strings: dict[str, str]  # the string-valued keys (general.type, general.architecture, ...)
    shapes: dict[str, tuple[int, ...]]  # tensor name -> ggml dims (the input dimension first)


def skip_value(buf: mmap.mmap, offset: int, vtype: int) -> int:
    """The offset just past a metadata value of type ``vtype`` that starts at ``offset``."""
    if vtype == _STRING:
        return offset + 8 + struct.unpack_from("<Q", buf, offset)[0]
    if vtype == _ARRAY:
        item_type, count = struct.unpack_from("<IQ", buf, offset)
        offset += 12
        if item_type in _SIZES:
            return offset + count * _SIZES[item_type]
        for _ in range(count):
            offset = skip_value(buf, offset, item_type)
        return offset
    return offset + _SIZES[vtype]


def _string(buf: mmap.mmap, offset: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<Q", buf, offset)
    return buf[offset + 8 : offset + 8 + length].decode("utf-8", "replace"), offset + 8 + length


def read_header(path: Path) -> Header:
    """The header of ``path``; ValueError when it is not a GGUF file."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        try:
            magic, _version, n_tensors, n_kv = struct.unpack_from("<IIQQ", buf, 0)
            if magic != _MAGIC:
                raise ValueError(f"{path} is not a GGUF file")
            offset, strings = 24, {}
            for _ in range(n_kv):
                key, offset = _string(buf, offset)
                (vtype,) = struct.unpack_from("<I", buf, offset)
                offset += 4
                if vtype == _STRING:
                    strings[key], offset = _string(buf, offset)
                else:
                    offset = skip_value(buf, offset, vtype)
            shapes = {}
            for _ in range(n_tensors):
                name, offset = _string(buf, offset)
                (n_dims,) = struct.unpack_from("<I", buf, offset)
                dims = struct.unpack_from(f"<{n_dims}Q", buf, offset + 4)
                offset += 4 + 8 * n_dims + 4 + 8  # dims, then the type and the data offset
                shapes[name] = tuple(dims)
        except (struct.error, KeyError) as err:
            raise ValueError(f"{path} is not a readable GGUF file ({err})") from None
    return Header(strings, shapes)


def adapter_mismatch(model: Path, adapter: Path) -> str | None:
    """Why ``adapter`` cannot apply to ``model`` (one phrase), or None when it fits: a LoRA
    adapter of the same architecture whose every ``<tensor>.lora_a`` / ``.lora_b`` pair has
    the shapes of a tensor the model has (``lora_a`` [n_in, rank], ``lora_b`` [rank, n_out])."""
    found, wanted = read_header(adapter), read_header(model)
    kind = (found.strings.get("general.type"), found.strings.get("adapter.type"))
    if kind != ("adapter", "lora"):
        return "it is not a GGUF LoRA adapter"
    arch = found.strings.get("general.architecture")
    model_arch = wanted.strings.get("general.architecture")
    if arch != model_arch:
        return f"it is for a {arch} model, not {model_arch}"
    for name, a in found.shapes.items():
        if not name.endswith(".lora_a"):
            continue
        base = name.removesuffix(".lora_a")
        b, weight = found.shapes.get(f"{base}.lora_b"), wanted.shapes.get(base)
        if b is None or weight is None:
            return f"the model has no tensor {base}" if weight is None else f"{base} lacks lora_b"
        if a[0] != weight[0] or b[1] != weight[1] or a[1] != b[0]:
            return f"its {base} does not fit the model's shape {list(weight)}"
    return None
