"""The bundled MiniLM, opened on the tests' shared embedding cache (``tests/conftest.py``), so
only a machine's first run converts it and embeds the knowledge base."""

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
def embedder(model_dir: Path, embedding_cache: Path) -> Iterator[Embedder]:
    opened = open_embedder(embedding_cache)
    assert opened is not None
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def hybrid(embedder: Embedder) -> KnowledgeIndex:
    return KnowledgeIndex(load_entries(), embedder)
