"""``config/training.toml`` as typed settings. A key the code does not know is an error, so a
misspelt setting cannot silently train with the default."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "training.toml"


@dataclass(frozen=True)
class RunConfig:
    name: str = "smollm2-coach"
    base: str = "bundled"
    seed: int = 13
    threads: int = 2


@dataclass(frozen=True)
class DataConfig:
    phrasings_per_entry: int = 2
    calculator_questions: int = 60
    plan_questions: int = 24
    conversations: int = 40
    runner_questions: int = 0
    follow_ups: int = 0
    refusals: int = 0
    validation_share: float = 0.1
    test_share: float = 0.1
    max_train_examples: int = 0
    max_eval_examples: int = 0


@dataclass(frozen=True)
class LoraConfig:
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class TrainConfig:
    learning_rate: float = 2e-4
    scheduler: str = "cosine"
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    epochs: float = 1.0
    batch_size: int = 4
    grad_accum: int = 2
    max_length: int = 512
    eval_steps: int = 20
    max_steps: int = -1


@dataclass(frozen=True)
class HpoConfig:
    trials: int = 4
    trial_max_steps: int = 4
    learning_rate: tuple[float, float] = (5e-5, 1e-3)
    rank: tuple[int, ...] = (4, 8, 16)
    dropout: tuple[float, float] = (0.0, 0.1)
    epochs: tuple[float, float] = (0.5, 2.0)


@dataclass(frozen=True)
class EvaluateConfig:
    questions: str = "tests/eval/questions.jsonl"
    conversations: str = "tests/eval/conversations.jsonl"
    limit: int = 0
    max_tokens: int = 160
    context_tokens: int = 2048


@dataclass(frozen=True)
class ExportConfig:
    quant: str = "Q4_1"


@dataclass(frozen=True)
class PromoteConfig:
    settings_file: str = "config/tuned.toml"


@dataclass(frozen=True)
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    data: DataConfig = field(default_factory=DataConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    hpo: HpoConfig = field(default_factory=HpoConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    promote: PromoteConfig = field(default_factory=PromoteConfig)
    root: Path = ROOT  # where relative paths and training/runs, training/reports live

    @property
    def run_dir(self) -> Path:
        return self.root / "training" / "runs" / self.run.name

    @property
    def report_dir(self) -> Path:
        return self.root / "training" / "reports" / self.run.name

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["root"]
        return data

    def replace(self, section: str, **changes: Any) -> Config:
        """A copy with some settings of one section changed (HPO trials, tests)."""
        updated = dataclasses.replace(getattr(self, section), **changes)
        return dataclasses.replace(self, **{section: updated})


def _with_base(raw: dict[str, Any], path: Path, base: str | None) -> dict[str, Any]:
    """``raw`` for ``base`` (or the file's own ``[run] base``): runs and reports under the
    base's name when chosen by name, then the file's ``[bases.<name>]`` settings on top. A base
    costs what its size and vocabulary cost, so it brings its own data and step budget."""
    from training.bases import BASES, named

    per_base = raw.pop("bases", {})
    strays = [name for name in per_base if named(name) is None]
    if strays:
        raise ValueError(f"{path}: [bases.{strays[0]}] names no base (known: {', '.join(BASES)})")
    if base is not None:
        chosen = named(base)
        if chosen is None:
            raise ValueError(f"unknown base {base!r} (known: {', '.join(BASES)})")
        raw.setdefault("run", {}).update(base=chosen.name, name=chosen.report_name)
    found = named(raw.get("run", {}).get("base", RunConfig.base))
    if found is None:
        return raw
    changes: dict[str, Any] = next((v for k, v in per_base.items() if named(k) == found), {})
    for section, values in changes.items():
        if not isinstance(values, dict):
            raise ValueError(f"{path}: in [bases.{found.name}], {section} is not a section")
        raw.setdefault(section, {}).update(values)
    return raw


def load_config(
    path: Path = DEFAULT_CONFIG, *, root: Path = ROOT, base: str | None = None
) -> Config:
    """The file's settings; with ``base`` (a name in ``training.bases``), those for tuning it."""
    raw = _with_base(tomllib.loads(path.read_text("utf-8")), path, base)
    sections = {f.name: f.type for f in dataclasses.fields(Config) if f.name != "root"}
    unknown = set(raw) - set(sections)
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
    built: dict[str, Any] = {}
    for name, values in raw.items():
        cls = type(getattr(Config(), name))
        known = {f.name for f in dataclasses.fields(cls)}
        extra = set(values) - known
        if extra:
            raise ValueError(f"{path}: unknown key(s) in [{name}]: {', '.join(sorted(extra))}")
        built[name] = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
    return Config(**built, root=root)
