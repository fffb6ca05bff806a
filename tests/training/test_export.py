"""The export round trip: a GGUF written from a transformers llama must compute the same
next-token logits in llama-cpp-python as the transformers model, up to quantisation error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from llama_cpp import Llama

from training import export
from training.base_model import bundled_gguf, load_model, load_tokenizer

PROMPT = "How should I pace my first half marathon? Start easy, then"
# Max |logit difference| relative to the largest |logit|, by quant.
TOLERANCE = {"F32": 1e-3, "Q8_0": 0.03, "Q4_1": 0.25}


def logits_pair(model: object, gguf_path: Path, tokenizer: object) -> tuple[np.ndarray, ...]:
    ids = tokenizer(PROMPT)["input_ids"]  # type: ignore[operator]
    llama = Llama(model_path=str(gguf_path), logits_all=True, n_ctx=128, n_threads=2, verbose=False)
    try:
        llama.eval(ids)
        ours = np.array(llama.scores[: len(ids)], dtype=np.float32)
    finally:
        llama.close()
    with torch.no_grad():
        theirs = model(torch.tensor([ids])).logits[0].numpy()  # type: ignore[operator]
    return ours, theirs


def sharpen_attention(model: object) -> None:
    """Random init gives near-uniform attention, under which a wrong Q/K layout goes unseen;
    larger Q/K weights make attention depend on it."""
    with torch.no_grad():
        for layer in model.model.layers:  # type: ignore[attr-defined]
            layer.self_attn.q_proj.weight.mul_(12)
            layer.self_attn.k_proj.weight.mul_(12)


@pytest.mark.parametrize("quant", ["F32", "Q8_0", "Q4_1"])
def test_untrained_export_matches_transformers(tiny_gguf: Path, tmp_path: Path, quant: str) -> None:
    model, tokenizer = load_model(tiny_gguf), load_tokenizer(tiny_gguf)
    sharpen_attention(model)
    out = export.write_gguf(export.state_of(model), tiny_gguf, tmp_path / "out.gguf", quant=quant)
    ours, theirs = logits_pair(model, out, tokenizer)
    error = np.abs(ours - theirs).max() / np.abs(theirs).max()
    # No argmax check here: a random model's top logits are near-ties that any rounding flips.
    assert error < TOLERANCE[quant]


def test_without_the_qk_permutation_logits_differ(
    tiny_gguf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control that proves the round trip above can fail."""
    model, tokenizer = load_model(tiny_gguf), load_tokenizer(tiny_gguf)
    sharpen_attention(model)
    monkeypatch.setattr(export, "permute_rotary", lambda weights, n_head: weights)
    out = export.write_gguf(export.state_of(model), tiny_gguf, tmp_path / "bad.gguf", quant="F32")
    ours, theirs = logits_pair(model, out, tokenizer)
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() > 10 * TOLERANCE["F32"]


def test_metadata_and_chat_template_carried_over(tiny_gguf: Path, tmp_path: Path) -> None:
    from training.gguf_file import read_metadata

    model = load_model(tiny_gguf)
    out = export.write_gguf(export.state_of(model), tiny_gguf, tmp_path / "out.gguf")
    before, after = read_metadata(tiny_gguf), read_metadata(out)
    for key, value in before.items():
        if key not in ("general.file_type", "general.quantization_version", "GGUF.kv_count"):
            assert after[key] == value, key
    assert after["general.file_type"].value == int(export.QUANTS["Q8_0"][1])


def test_exporting_at_the_bases_own_quant_is_flagged(tiny_gguf: Path, tmp_path: Path) -> None:
    q8_base = export.write_gguf(
        export.state_of(load_model(tiny_gguf)), tiny_gguf, tmp_path / "q8.gguf", quant="Q8_0"
    )
    assert export.erases_update(q8_base, "Q8_0")
    assert not export.erases_update(q8_base, "F32")
    assert not export.erases_update(tiny_gguf, "Q8_0")  # an F32 base


def test_only_llama_exports(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="quant must be"):
        export.write_gguf({}, tmp_path / "x.gguf", tmp_path / "y.gguf", quant="Q2_K")


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("RUNCOACH_SLOW_TESTS") != "1",
    reason="SmolLM2 round trip (~1 min on 2 cores): set RUNCOACH_SLOW_TESTS=1",
)
def test_smollm2_round_trip(tmp_path: Path) -> None:
    base = bundled_gguf()
    model, tokenizer = load_model(base), load_tokenizer(base)
    out = export.write_gguf(export.state_of(model), base, tmp_path / "smollm2.gguf", quant="Q8_0")
    ours, theirs = logits_pair(model, out, tokenizer)
    # llama.cpp also rounds activations to 8 bits for quantized matmuls: the bundled file itself
    # is 0.045 off transformers by this measure (measured), and our Q8_0 export 0.054.
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() < 0.1
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.99
    assert (ours.argmax(-1) == theirs.argmax(-1)).mean() > 0.9
