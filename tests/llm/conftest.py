from __future__ import annotations

from pathlib import Path

import pytest

from tests.llm.tiny_gguf import write_tiny_llama_gguf


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny model file per session: every LLM test module loads it instead of the real one."""
    return write_tiny_llama_gguf(tmp_path_factory.mktemp("tiny_gguf") / "tiny-llama.gguf")
