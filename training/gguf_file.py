"""Reading a GGUF file's metadata exactly, so an exported model can carry it over unchanged.

A hand-rolled header walk rather than ``gguf.GGUFReader``: the reader builds a numpy view per
array item, which takes seconds on SmolLM2's ~100k vocabulary and merge strings; this takes well
under one, and returns values in the form ``GGUFWriter.add_key_value`` takes back.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf

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


@dataclass(frozen=True)
class MetadataValue:
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


def read_metadata(path: Path) -> dict[str, MetadataValue]:
    """Every key-value pair of a GGUF file's header, in file order."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        magic, _version, _n_tensors, n_kv = struct.unpack_from("<IIQQ", buf, 0)
        if magic != gguf.GGUF_MAGIC:
            raise ValueError(f"{path} is not a GGUF file")
        offset = 24
        found: dict[str, MetadataValue] = {}
        for _ in range(n_kv):
            key_bytes, offset = _read_value(buf, offset, T.STRING)
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
                found[key_bytes.decode()] = MetadataValue(items, vtype, sub_type)
            else:
                scalar, offset = _read_value(buf, offset, vtype)
                found[key_bytes.decode()] = MetadataValue(scalar, vtype)
        return found


def scalar(meta: dict[str, MetadataValue], key: str) -> Any:
    value = meta[key].value
    return value.decode() if isinstance(value, bytes) else value
