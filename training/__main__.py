"""``python -m training <stage>``: data, finetune, hpo, evaluate, export, promote, all.

Each stage reads what the previous one left under ``training/runs/<run>/``, so a stage can be
re-run alone (say, export with another quant) without repeating the slow ones. ``all`` runs them
in order and keeps a running time estimate; ``--dry-run`` prints the plan of work (including
which training backend this machine would use) without importing torch's heavy stack.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from training.config import DEFAULT_CONFIG, Config, load_config

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0])
console = Console()
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="training TOML")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="print the plan of work and stop")]
BaseOption = Annotated[
    str | None,
    typer.Option(
        "--base",
        help="the base to tune (smollm2-135m, gemma3-270m); default: the config's [run] base",
    ),
]
STAGES = ("data", "finetune", "hpo", "evaluate", "export", "promote")
# Export before evaluate in `all`: the answer eval runs the exported GGUF.
ALL_ORDER = ("data", "finetune", "hpo", "export", "evaluate", "promote")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _timed(config: Config, stage: str, began: float) -> None:
    """Stage wall times, summed into the report's ``wall_s``."""
    path = config.run_dir / "timings.json"
    timings = json.loads(path.read_text()) if path.is_file() else {}
    timings[stage] = time.perf_counter() - began
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(timings, indent=1))


def _gguf(config: Config) -> Path:
    return config.run_dir / f"model.{config.export.quant}.gguf"


def _adapter_gguf(config: Config) -> Path:
    """The update alone, for the base GGUF as it is: what the bot ships."""
    return config.run_dir / "adapter.gguf"


def plan_of_work(config: Config, stages: tuple[str, ...]) -> list[str]:
    import importlib.util

    cuda = False
    if importlib.util.find_spec("torch") is not None:
        import torch

        cuda = torch.cuda.is_available()
    backend = "unsloth (CUDA)" if cuda else "peft + trl SFTTrainer on CPU (unsloth not imported)"
    steps = {
        "data": f"build the chat dataset -> {config.run_dir / 'data'}",
        "finetune": (
            f"LoRA r={config.lora.rank} on {', '.join(config.lora.target_modules)}, lr "
            f"{config.train.learning_rate}, {config.train.epochs} epoch(s) with {backend} "
            f"-> {config.run_dir / 'adapter'}"
        ),
        "hpo": f"Optuna, {config.hpo.trials} trials of {config.hpo.trial_max_steps} steps",
        "evaluate": (
            f"test loss and answer eval ({config.evaluate.questions}) of base and tuned "
            f"-> {config.report_dir}"
        ),
        "export": (
            f"merge the adapter, write {config.export.quant} GGUF -> {_gguf(config)}, and the "
            f"GGUF LoRA adapter -> {_adapter_gguf(config)}"
        ),
        "promote": (
            f"if the tuned model wins, its adapter, report and model card -> "
            f"models/{config.run.name}/, and {config.promote.settings_file}"
        ),
    }
    return [f"{i}. {stage}: {steps[stage]}" for i, stage in enumerate(stages, start=1)]


def run_data(config: Config) -> Any:
    from training import data

    began = time.perf_counter()
    splits = data.build_examples(config)
    dataset = data.save(splits, config)
    table = Table(title="dataset (examples, mean characters)")
    for column in ("split", "kind", "examples", "mean chars"):
        table.add_column(column)
    for row in data.stats(splits):
        table.add_row(*map(str, row))
    console.print(table)
    _timed(config, "data", began)
    return dataset


def _progress_callback(progress: Progress, task: Any) -> Any:
    from transformers import TrainerCallback

    class Bar(TrainerCallback):
        def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            progress.update(task, total=state.max_steps)

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            progress.update(task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            if logs and "eval_loss" in logs:
                progress.console.print(
                    f"step {state.global_step}: val loss {logs['eval_loss']:.4f}"
                )

    return Bar()


def run_finetune(config: Config) -> None:
    from training import data
    from training.finetune import finetune

    began = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("finetune", total=None)
        result = finetune(config, data.load(config), callbacks=[_progress_callback(progress, task)])
    console.print(
        f"adapter -> {result.adapter_dir} ({result.backend}): {result.train_s:.0f} s, "
        f"{result.train_tokens} tokens, {result.tokens_per_s:.0f} tokens/s"
    )
    _timed(config, "finetune", began)


def run_hpo(config: Config) -> None:
    from training import data
    from training.hpo import study

    began = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("hpo trials", total=config.hpo.trials)
        found, rows = study(config, data.load(config), on_trial=lambda *_: progress.advance(task))
    table = Table(title="Optuna study (validation loss)")
    for column in ("trial", "state", "val loss", "learning_rate", "rank", "dropout", "epochs"):
        table.add_column(column)
    for row in rows:
        p = row.params
        table.add_row(
            str(row.number),
            row.state,
            "-" if row.value is None else f"{row.value:.4f}",
            f"{p.get('learning_rate', 0):.2e}",
            str(p.get("rank")),
            f"{p.get('dropout', 0):.3f}",
            f"{p.get('epochs', 0):.2f}",
        )
    console.print(table)
    if any(row.value is not None for row in rows):
        console.print(f"best: {found.best_params} (val loss {found.best_value:.4f})")
    _timed(config, "hpo", began)


def run_export(config: Config) -> Path:
    from training import export
    from training.adapter_export import write_adapter
    from training.base_model import load_model, resolve_base

    began = time.perf_counter()
    base = resolve_base(config.run.base)
    if export.erases_update(base, config.export.quant):
        console.print(
            f"[yellow]warning:[/yellow] the base is itself {config.export.quant}, so exporting "
            "at it rounds most of the fine-tune away; set \\[export] quant to F32 or a finer "
            "quant than the base's"
        )
    model = export.merged(load_model(base), config.run_dir / "adapter")
    out = export.write_gguf(export.state_of(model), base, _gguf(config), quant=config.export.quant)
    console.print(f"GGUF -> {out} ({out.stat().st_size / 2**20:.1f} MiB)")
    lora = write_adapter(config.run_dir / "adapter", base, _adapter_gguf(config))
    console.print(f"GGUF LoRA adapter -> {lora} ({lora.stat().st_size / 2**20:.1f} MiB)")
    _timed(config, "export", began)
    return out


def run_evaluate(config: Config) -> None:
    from training import data
    from training.base_model import resolve_base
    from training.evaluate import (
        Side,
        answer_eval,
        conversation_eval,
        question_count,
        serving_speed,
        test_loss,
        write_report,
    )

    began = time.perf_counter()
    if not _gguf(config).is_file() or not _adapter_gguf(config).is_file():
        run_export(config)
    dataset = data.load(config)
    adapter = config.run_dir / "adapter"
    base_gguf, lora = resolve_base(config.run.base), _adapter_gguf(config)
    n = question_count(config)
    with _progress() as progress:
        losses = progress.add_task("test loss", total=2)
        base_loss = test_loss(config, dataset, None)
        progress.advance(losses)
        tuned_loss = test_loss(config, dataset, adapter)
        progress.advance(losses)
        asked = progress.add_task("answer eval", total=3 * n)
        base_score = answer_eval(config, base_gguf, lambda: progress.advance(asked))
        tuned_score = answer_eval(config, _gguf(config), lambda: progress.advance(asked))
        adapter_score = answer_eval(config, base_gguf, lambda: progress.advance(asked), lora=lora)
        talked = progress.add_task("conversations", total=None)
        base_talk = conversation_eval(config, base_gguf, lambda: progress.advance(talked))
        adapter_talk = conversation_eval(
            config, base_gguf, lambda: progress.advance(talked), lora=lora
        )
    serving = {
        "base": serving_speed(config, base_gguf, dataset),
        "tuned": serving_speed(config, _gguf(config), dataset),
        "adapter": serving_speed(config, base_gguf, dataset, lora=lora),
    }
    _timed(config, "evaluate", began)
    timings = json.loads((config.run_dir / "timings.json").read_text())
    training = json.loads((adapter / "log_history.json").read_text())
    out = write_report(
        config,
        Side(base_loss, base_score, base_talk),
        Side(tuned_loss, tuned_score),
        training,
        # `all` is the stages that build, score and ship the model; the study is its own.
        sum(seconds for stage, seconds in timings.items() if stage != "hpo"),
        {split: len(dataset[split]) for split in dataset},
        serving,
        adapter=Side(tuned_loss, adapter_score, adapter_talk),
        hpo_s=timings.get("hpo"),
    )
    console.print((out / "README.md").read_text())


def run_promote(config: Config) -> None:
    from training.promote import promote

    verdict = promote(config, _adapter_gguf(config))
    verb = "[green]promoted[/green]" if verdict.promoted else "[yellow]not promoted[/yellow]"
    console.print(f"{verb}: {verdict.reason}")


RUNNERS = {
    "data": run_data,
    "finetune": run_finetune,
    "hpo": run_hpo,
    "evaluate": run_evaluate,
    "export": run_export,
    "promote": run_promote,
}


def _load(path: Path, base: str | None) -> Config:
    """The config, for ``base`` when one is named: an unknown name is a usage error, not a
    traceback."""
    if base is None:
        return load_config(path)
    from training.bases import BASES, named

    if named(base) is None:
        raise typer.BadParameter(f"unknown base {base!r}; choose one of {', '.join(BASES)}")
    return load_config(path, base=base)


def _stage(name: str) -> Any:
    def command(
        config: ConfigOption = DEFAULT_CONFIG, dry_run: DryRun = False, base: BaseOption = None
    ) -> None:
        loaded = _load(config, base)
        if dry_run:
            console.print("\n".join(plan_of_work(loaded, (name,))))
            return
        RUNNERS[name](loaded)

    command.__doc__ = f"Run the {name} stage."
    return command


for _name in STAGES:
    app.command(_name)(_stage(_name))


@app.command("all")
def run_all(
    config: ConfigOption = DEFAULT_CONFIG,
    dry_run: DryRun = False,
    hpo: Annotated[
        bool, typer.Option(help="run the hpo study too (about 11 more minutes on 2 cores)")
    ] = False,
    base: BaseOption = None,
) -> None:
    """Every stage that builds, scores and ships the model, in order. The hpo study only
    informs (its best settings go into the TOML by hand), so it runs with --hpo or alone."""
    loaded = _load(config, base)
    ordered = tuple(s for s in ALL_ORDER if hpo or s != "hpo")
    if dry_run:
        console.print("\n".join(plan_of_work(loaded, ordered)))
        return
    (loaded.run_dir / "timings.json").unlink(missing_ok=True)
    began = time.perf_counter()
    for number, stage in enumerate(ordered, start=1):
        elapsed = time.perf_counter() - began
        console.rule(f"{number}/{len(ordered)} {stage} ({elapsed / 60:.1f} min so far)")
        RUNNERS[stage](loaded)
    console.print(f"all stages: {(time.perf_counter() - began) / 60:.1f} min")


@app.command("compare")
def run_compare() -> None:
    """Every base's committed report side by side, and which tuned model the bot should serve."""
    from training.compare import decide, reports, table

    found = reports()
    if not found:
        typer.echo("no reports yet: run `python -m training all --base NAME` first", err=True)
        raise typer.Exit(1)
    typer.echo(table(found))
    decision = decide(found)
    verdict = f"serve {decision.winner} tuned" if decision.winner else "keep the default"
    typer.echo(f"\nDecision: {verdict} ({decision.reason}).")


if __name__ == "__main__":
    app()
