"""The bundled safetensors become a GGUF that llama.cpp runs as the same sentence encoder."""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import pytest

from bot.knowledge import embedding
from bot.knowledge.bert_gguf import ConversionError, convert_bert
from bot.knowledge.embedding import Embedder, EmbeddingError, open_embedder
from tests.knowledge.numpy_bert import NumpyBert

SENTENCES = [
    "How many steps per minute should I take?",
    "what should i eat the night before a marathon",
    "My knee hurts on the outside after long runs; is it the IT band?",
    "Tapering: 2-3 weeks, cut volume by 40-60%, keep some pace.",
]


def gguf_field(reader: gguf.GGUFReader, key: str) -> object:
    return reader.fields[key].contents()


def test_the_converted_file_is_a_bert_encoder_with_mean_pooling(
    model_dir: Path, embedding_cache: Path
) -> None:
    key = embedding.source_key(model_dir)
    model = embedding.converted_model(model_dir, embedding_cache, key)
    reader = gguf.GGUFReader(model)
    assert gguf_field(reader, "general.architecture") == "bert"
    assert gguf_field(reader, "tokenizer.ggml.model") == "bert"
    assert gguf_field(reader, "bert.pooling_type") == gguf.PoolingType.MEAN
    assert gguf_field(reader, "bert.attention.causal") is False
    names = {tensor.name for tensor in reader.tensors}
    assert {"token_embd.weight", "position_embd.weight", "blk.5.ffn_down.weight"} <= names


def test_llama_cpp_vectors_match_a_numpy_bert(model_dir: Path, embedder: Embedder) -> None:
    reference = NumpyBert(model_dir)
    ours = embedder.embed(SENTENCES)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    for sentence, vector in zip(SENTENCES, ours, strict=True):
        assert float(vector @ reference.embed(sentence)) > 0.999, sentence


def test_a_second_start_loads_the_cached_gguf_without_converting(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding, "_converted", {})
    first = open_embedder(tmp_path)
    assert first is not None
    first.close()
    [converted] = tmp_path.glob("*.gguf")
    written = converted.stat().st_mtime_ns

    def no_conversion(source: Path, out: Path) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr("bot.knowledge.bert_gguf.convert_bert", no_conversion)
    monkeypatch.setattr(embedding, "_converted", {})
    second = open_embedder(tmp_path)
    assert second is not None
    second.close()
    assert [p.name for p in tmp_path.glob("*.gguf")] == [converted.name]
    assert converted.stat().st_mtime_ns == written


def test_the_knowledge_base_vectors_are_read_back_not_recomputed(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["vectors cached for a test", "a second text"]
    computed = embedder.embed_cached(texts)
    monkeypatch.setattr(embedding, "_computed", {})  # as in a new process

    def no_embedding(texts: list[str]) -> np.ndarray:
        raise AssertionError("embedded again")

    monkeypatch.setattr(embedder, "embed", no_embedding)
    assert np.array_equal(embedder.embed_cached(texts), computed)


def test_a_folder_that_is_not_bert_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(ConversionError, match="not a BERT model"):
        convert_bert(tmp_path, tmp_path / "out.gguf")
    assert not list(tmp_path.glob("*.gguf*"))


def test_a_configured_model_that_is_missing_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match="no such file"):
        open_embedder(tmp_path, tmp_path / "missing.gguf")


def test_a_chat_model_is_refused_as_an_embedding_model(tmp_path: Path) -> None:
    from bot.llm.llama_cpp_backend import bundled_model_path

    with pytest.raises(EmbeddingError, match="not a sentence encoder"):
        Embedder(bundled_model_path(), cache_dir=tmp_path)
