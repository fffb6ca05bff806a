from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from llama_cpp.llama_types import (
    ChatCompletionRequestMessage,
    CreateChatCompletionResponse,
    CreateChatCompletionStreamResponse,
    CreateCompletionResponse,
)

from tests.llm.tiny_gguf import (
    TinyLlamaConfig,
    bundled_gguf_path,
    tiny_llama_weights,
    write_tiny_llama_gguf,
)

MESSAGES: list[ChatCompletionRequestMessage] = [
    {"role": "system", "content": "You are a running coach."},
    {"role": "user", "content": "Ran 10 km @ 5:30/km — légs heavy 🏃. Tempo or easy tomorrow?"},
    {"role": "assistant", "content": "Easy: 40'-45' at RPE 3/10, HR < 150 bpm."},
    {"role": "user", "content": "And on Saturday?"},
]


@pytest.fixture(scope="module")
def tiny(tiny_gguf: Path) -> Iterator[Llama]:
    llm = Llama(str(tiny_gguf), n_ctx=512, verbose=False)
    yield llm
    llm.close()


@pytest.fixture(scope="module")
def bundled_vocab() -> Iterator[Llama]:
    llm = Llama(str(bundled_gguf_path()), vocab_only=True, verbose=False)
    yield llm
    llm.close()


def render(llm: Llama, messages: list[ChatCompletionRequestMessage]) -> str:
    """The prompt create_chat_completion builds from the model's own template."""
    formatter = Jinja2ChatFormatter(
        template=llm.metadata["tokenizer.chat_template"],
        eos_token=llm.detokenize([llm.token_eos()]).decode(),
        bos_token=llm.detokenize([llm.token_bos()]).decode(),
    )
    return formatter(messages=messages).prompt


def test_model_has_the_requested_shape(tiny: Llama) -> None:
    assert tiny.metadata["general.architecture"] == "llama"
    assert tiny.metadata["llama.block_count"] == "2"
    assert tiny.n_embd() == 64
    assert tiny.n_ctx() == 512


def test_vocabulary_and_template_match_the_bundled_model(tiny: Llama, bundled_vocab: Llama) -> None:
    assert tiny.n_vocab() == bundled_vocab.n_vocab() == 49152
    for llm in (tiny, bundled_vocab):
        assert (llm.token_bos(), llm.token_eos()) == (1, 2)
    every_id = list(range(tiny.n_vocab()))
    every_text = bundled_vocab.detokenize(every_id, special=True)
    assert tiny.detokenize(every_id, special=True) == every_text
    template = bundled_vocab.metadata["tokenizer.chat_template"]
    assert tiny.metadata["tokenizer.chat_template"] == template
    assert tiny.chat_format == "chat_template.default"


def test_chat_prompt_tokenizes_exactly_as_with_the_bundled_model(
    tiny: Llama, bundled_vocab: Llama
) -> None:
    prompt = render(tiny, MESSAGES).encode()
    tokens = tiny.tokenize(prompt, special=True)
    assert tokens == bundled_vocab.tokenize(prompt, special=True)
    assert tokens[0] == tiny.tokenize(b"<|im_start|>", special=True)[0]
    assert len(tokens) > 40  # merges applied, not one token per byte


def test_chat_completion_uses_the_template(tiny: Llama, bundled_vocab: Llama) -> None:
    expected = bundled_vocab.tokenize(render(bundled_vocab, MESSAGES).encode(), special=True)
    # llama-cpp-python types the result as streamed or not, whatever ``stream`` says.
    response = cast(
        CreateChatCompletionResponse,
        tiny.create_chat_completion(MESSAGES, max_tokens=1, temperature=0.0),
    )
    assert response["usage"]["prompt_tokens"] == len(expected)


def test_sampling_with_the_same_seed_generates_the_same_text(tiny: Llama) -> None:
    def sample(seed: int) -> str:
        result = cast(
            CreateCompletionResponse,
            tiny.create_completion("Plan my week:", max_tokens=12, temperature=1.0, seed=seed),
        )
        assert result["usage"]["completion_tokens"] == 12
        return result["choices"][0]["text"]

    first = sample(seed=7)
    assert first
    assert sample(seed=7) == first
    assert sample(seed=8) != first


def test_streamed_chat_completion_yields_role_then_content_chunks(tiny: Llama) -> None:
    streamed = tiny.create_chat_completion(
        MESSAGES, max_tokens=6, temperature=1.0, seed=3, stream=True
    )
    chunks = list(cast(Iterator[CreateChatCompletionStreamResponse], streamed))
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks]
    assert dict(deltas[0]) == {"role": "assistant"}
    assert len([d for d in deltas if d.get("content")]) >= 2
    assert chunks[-1]["choices"][0]["finish_reason"] in {"length", "stop"}


def test_same_seed_writes_the_same_file(tmp_path: Path, tiny_gguf: Path) -> None:
    again = write_tiny_llama_gguf(tmp_path / "again.gguf", seed=0)
    assert again.read_bytes() == tiny_gguf.read_bytes()


def test_weights_depend_on_the_seed_and_stay_small() -> None:
    config = TinyLlamaConfig()
    a, b = tiny_llama_weights(config, seed=0), tiny_llama_weights(config, seed=1)
    assert a.keys() == b.keys()
    assert not np.array_equal(a["blk.0.attn_q.weight"], b["blk.0.attn_q.weight"])
    assert a["blk.1.attn_k.weight"].shape == (2 * 16, 64)
    assert float(np.abs(a["token_embd.weight"]).max()) < 0.2
