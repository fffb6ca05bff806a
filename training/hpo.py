"""The `hpo` stage: Optuna over learning rate, rank, dropout and epochs, on validation loss.

Each trial is a short fine-tune (``hpo.trial_max_steps`` optimizer steps, ``epochs`` scaling
that budget), so a study fits a CPU. The validation loss is reported to Optuna at every
evaluation, and the median pruner stops a trial that is doing worse than the others were at the
same step: most of a study's time then goes to promising settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from training.config import Config
from training.finetune import trainer_for


@dataclass(frozen=True)
class TrialRow:
    number: int
    state: str
    value: float | None
    params: dict[str, Any]


def _pruning_callback(trial: Any) -> Any:
    import optuna
    from transformers import TrainerCallback

    class ReportValidation(TrainerCallback):
        def on_evaluate(
            self, args: Any, state: Any, control: Any, metrics: Any = None, **_: Any
        ) -> None:
            if metrics and "eval_loss" in metrics:
                trial.report(metrics["eval_loss"], state.global_step)
                if trial.should_prune():
                    raise optuna.TrialPruned()

    return ReportValidation()


def trial_config(config: Config, trial: Any) -> Config:
    space = config.hpo
    rank = trial.suggest_categorical("rank", list(space.rank))
    epochs = trial.suggest_float("epochs", *space.epochs)
    steps = max(1, round(space.trial_max_steps * epochs / max(space.epochs)))
    return (
        config.replace(
            "train",
            learning_rate=trial.suggest_float("learning_rate", *space.learning_rate, log=True),
            max_steps=steps,
            eval_steps=max(1, steps // 2),
        )
        .replace(
            "lora",
            rank=rank,
            alpha=2 * rank,
            dropout=trial.suggest_float("dropout", *space.dropout),
        )
        .replace("run", name=f"{config.run.name}-hpo")
    )


def study(config: Config, dataset: Any, *, on_trial: Any = None) -> tuple[Any, list[TrialRow]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: Any) -> float:
        tuned = trial_config(config, trial)
        trainer = trainer_for(
            tuned,
            dataset,
            tuned.run_dir / f"trial-{trial.number}",
            callbacks=[_pruning_callback(trial)],
        )
        trainer.train()
        state = trainer.state
        last = [
            h["eval_loss"]
            for h in state.log_history
            if "eval_loss" in h and h.get("step") == state.global_step
        ]
        # The pruning evaluation at the final step already is the answer; do not pay twice.
        return float(last[-1]) if last else float(trainer.evaluate()["eval_loss"])

    sampler = optuna.samplers.TPESampler(seed=config.run.seed)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=1)
    found = optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)
    callbacks = [on_trial] if on_trial else []
    found.optimize(objective, n_trials=config.hpo.trials, callbacks=callbacks)
    rows = [TrialRow(t.number, t.state.name, t.value, dict(t.params)) for t in found.trials]
    return found, rows
