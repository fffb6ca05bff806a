"""The bundled MiniLM, converted and embedded once per machine: the GGUF and the knowledge base's
vectors live in pytest's cache directory, so only the first run pays the ~30 s of embedding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.base import load_entries
from bot.knowledge.embedding import ENABLE_HINT, Embedder, bundled_model_dir, open_embedder
from bot.knowledge.index import KnowledgeIndex


@pytest.fixture(scope="session")
def model_dir() -> Path:
    source = bundled_model_dir()
    if source is None:
        pytest.skip(f"the embedding model is not installed ({ENABLE_HINT})")
    return source


@pytest.fixture(scope="session")
def cache_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)
    if cache is None:  # -p no:cacheprovider
        return tmp_path_factory.mktemp("embedding-cache")
    return Path(cache.mkdir("runcoach-embeddings"))


@pytest.fixture(scope="session")
def embedder(model_dir: Path, cache_dir: Path) -> Iterator[Embedder]:
    opened = open_embedder(cache_dir)
    assert opened is not None
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def hybrid(embedder: Embedder) -> KnowledgeIndex:
    return KnowledgeIndex(load_entries(), embedder)
