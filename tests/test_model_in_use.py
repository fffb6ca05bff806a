"""The start-up line that tells an operator which model and adapter answer runners, and how
they scored: read from the adapter's report, never a crash when the report is missing."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot import app
from bot.settings import Settings


def report(tmp_path: Path) -> Path:
    adapter = tmp_path / "coach" / "adapter.gguf"
    adapter.parent.mkdir()
    adapter.write_bytes(b"GGUF")
    scores = {"eval_score": 0.76, "drafts_shown": 0.79}
    (adapter.parent / "report.json").write_text(
        json.dumps({"base": {"eval_score": 0.02, "drafts_shown": 0.03}, "adapter": scores})
    )
    return adapter


def test_the_line_names_model_adapter_and_the_reports_scores(tmp_path: Path) -> None:
    adapter = report(tmp_path)
    line = app.model_in_use(Settings(data_dir=tmp_path, model_adapter_path=adapter))
    assert "bundled SmolLM2-135M Q4_1" in line and str(adapter) in line
    assert "answer eval 0.02 -> 0.76, drafts shown 3% -> 79%" in line
    assert line.endswith(", drafting")


def test_without_an_adapter_or_its_report_the_line_says_so(tmp_path: Path) -> None:
    line = app.model_in_use(Settings(data_dir=tmp_path, model_adapter_path="none"))
    assert "no adapter" in line and "not drafting" in line
    bare = tmp_path / "bare.gguf"
    bare.write_bytes(b"GGUF")
    line = app.model_in_use(Settings(data_dir=tmp_path, model_adapter_path=bare))
    assert "no readable report.json beside it" in line


async def test_start_up_logs_it_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    adapter = report(tmp_path)
    settings = Settings(data_dir=tmp_path, model_adapter_path=adapter)
    with caplog.at_level(logging.INFO, logger="bot.app"):
        async with app.open_runtime(settings):
            pass
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("model: ")]
    assert lines == [app.model_in_use(settings)]
