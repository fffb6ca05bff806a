"""Every stage end to end on the tiny model, in the order `python -m training all` runs them:
the CLI, the adapter's provenance, the report's schema and the promotion gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from training import __main__ as cli
from training.config import Config
from training.finetune import TRAINING_TEMPLATE
from training.promote import gate, promote


@pytest.fixture
def use_config(tiny_config: Config, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setattr(cli, "load_config", lambda _path: tiny_config)
    return tiny_config


def test_training_template_renders_like_the_base_template(tiny_gguf: Path) -> None:
    from training.base_model import load_tokenizer

    tokenizer = load_tokenizer(tiny_gguf)
    chat = [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Q?"},
        {"role": "assistant", "content": "A."},
        {"role": "user", "content": "Q2?"},
        {"role": "assistant", "content": "A2."},
    ]
    for messages, prompt in ((chat, False), (chat[:2], True), (chat[1:3], False)):
        ours = tokenizer.apply_chat_template(
            messages, chat_template=TRAINING_TEMPLATE, tokenize=False, add_generation_prompt=prompt
        )
        assert ours == tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=prompt
        )


def test_all_stages_on_the_tiny_model(use_config: Config) -> None:
    result = CliRunner().invoke(cli.app, ["all", "--hpo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    run, reports = use_config.run_dir, use_config.report_dir
    saved = json.loads((run / "adapter" / "training_config.json").read_text())
    assert saved["config"]["lora"]["rank"] == use_config.lora.rank
    assert saved["git_revision"]
    assert "Optuna study" in result.output
    report = json.loads((reports / "report.json").read_text())
    answers = {"test_loss", "eval_score", "pipeline_score", "drafts_shown"}
    talk = {"conversation_score", "conversation_wrong"}
    # The merged model is scored on answers; the base and the shipped adapter on conversations too.
    assert set(report["tuned"]) == answers
    assert set(report["base"]) == set(report["adapter"]) == answers | talk
    for side in ("base", "tuned", "adapter"):
        assert 0 <= report[side]["eval_score"] <= 1
        assert 0 <= report[side]["pipeline_score"] <= 1
    assert report["config"]["run"]["name"] == "tiny" and report["wall_s"] > 0
    assert (reports / "loss.png").stat().st_size > 1000
    assert (reports / "README.md").is_file()
    assert (run / "model.Q8_0.gguf").is_file() and (run / "adapter.gguf").is_file()
    # A random model does not beat itself: the gate must hold it back.
    promoted = (use_config.root / use_config.promote.settings_file).is_file()
    assert promoted == gate(report).promoted
    assert (use_config.root / "models" / "tiny" / "adapter.gguf").is_file() == promoted


def scores(test_loss: float, eval_score: float) -> dict[str, float]:
    return {
        "test_loss": test_loss,
        "eval_score": eval_score,
        "pipeline_score": 0.9,
        "drafts_shown": 0.5,
    }


def test_promote_ships_adapter_report_and_card_only_for_a_winner(
    tiny_config: Config, tmp_path: Path
) -> None:
    adapter = tmp_path / "adapter.gguf"
    adapter.write_bytes(b"GGUF adapter")
    tiny_config.report_dir.mkdir(parents=True)
    report = tiny_config.report_dir / "report.json"
    settings = tiny_config.root / tiny_config.promote.settings_file
    shipped = tiny_config.root / "models" / "tiny"
    base = scores(2.0, 0.8)
    report.write_text(json.dumps({"base": base, "tuned": scores(1.5, 0.7), "dataset": {}}))
    assert not promote(tiny_config, adapter).promoted
    assert not settings.exists() and not shipped.exists()
    winner = {"base": base, "tuned": scores(1.5, 0.85), "adapter": scores(1.5, 0.84)}
    report.write_text(json.dumps({**winner, "dataset": {}}))
    assert promote(tiny_config, adapter).promoted
    assert (shipped / "adapter.gguf").read_bytes() == b"GGUF adapter"
    assert json.loads((shipped / "report.json").read_text())["adapter"]["eval_score"] == 0.84
    card = (shipped / "MODEL_CARD.md").read_text()
    assert "| tuned, adapter on the base GGUF (shipped) | 1.5000 | 0.840 |" in card
    assert 'model_adapter_path = "models/tiny/adapter.gguf"' in settings.read_text()


def test_gate_refuses_a_model_whose_drafts_leave_runners_worse_off() -> None:
    base = {"test_loss": 2.0, "eval_score": 0.1, "pipeline_score": 0.96}
    tuned = {"test_loss": 1.5, "eval_score": 0.6, "pipeline_score": 0.95}
    verdict = gate({"base": base, "tuned": tuned})
    assert not verdict.promoted and "runners" in verdict.reason
    assert gate({"base": base, "tuned": {**tuned, "pipeline_score": 0.96}}).promoted


def test_gate_judges_the_shipped_adapter_and_the_conversations() -> None:
    talk = {"conversation_score": 0.9, "conversation_wrong": 0.02}
    base = {"test_loss": 2.0, "eval_score": 0.1, "pipeline_score": 0.96, **talk}
    tuned = {"test_loss": 1.5, "eval_score": 0.6, "pipeline_score": 0.97}
    adapter = {**tuned, **talk}
    assert gate({"base": base, "tuned": tuned, "adapter": adapter}).promoted
    # The merged model's figures do not rescue an adapter that lost the update.
    lost = gate({"base": base, "tuned": tuned, "adapter": {**adapter, "eval_score": 0.1}})
    assert not lost.promoted and "answer eval" in lost.reason
    worse = {**adapter, "conversation_score": 0.85}
    verdict = gate({"base": base, "tuned": tuned, "adapter": worse})
    assert not verdict.promoted and "conversations" in verdict.reason
    wrong = {**adapter, "conversation_wrong": 0.05}
    verdict = gate({"base": base, "tuned": tuned, "adapter": wrong})
    assert not verdict.promoted and "confidently wrong" in verdict.reason


def test_promoted_settings_file_is_what_the_bot_reads(
    tiny_config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import load_settings

    settings = tmp_path / "tuned.toml"
    settings.write_text('model_adapter_path = "models/smollm2-coach/adapter.gguf"\n')
    monkeypatch.setenv("RUNCOACH_CONFIG", str(settings))
    monkeypatch.delenv("RUNCOACH_MODEL_ADAPTER_PATH", raising=False)
    assert load_settings().model_adapter_path == Path("models/smollm2-coach/adapter.gguf")


def test_dry_run_prints_the_plan_without_unsloth(use_config: Config) -> None:
    import sys

    result = CliRunner().invoke(cli.app, ["all", "--dry-run"])
    assert result.exit_code == 0
    for stage in ("data", "finetune", "export", "evaluate", "promote"):
        assert stage in result.output
    assert "hpo" not in result.output  # the study runs only when asked for
    assert "hpo" in CliRunner().invoke(cli.app, ["all", "--dry-run", "--hpo"]).output
    assert "unsloth" in result.output
    assert "unsloth" not in sys.modules
