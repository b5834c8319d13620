"""What a resumed run may change, and what it must keep — so that no flag is ever ignored silently.

A resumed run continues the saved one exactly: same model, data stream and optimisation settings.
Some settings only decide *when* things happen or *where* they go, and are safe to change:
``SAFE`` below. The run's length (``--steps``) can change only when the learning rate of the steps
already taken would have been the same under the new length — a constant schedule, or a run still
in its warmup. Everything else is reported as ignored, with the saved value kept.
"""
from __future__ import annotations

from ..config import ConfigError
from .config import TrainConfig

SAFE = {   # field → why changing it mid-run is harmless
    "out_dir": "where checkpoints go", "log_every": "how often a line is printed",
    "save_every": "how often a checkpoint is written", "eval_every": "how often held-out data is scored",
    "eval_batches": "how much held-out data is scored", "device": "where the numbers are computed",
    "precision": "the arithmetic precision",
}


def past_learning_rates_kept(saved: TrainConfig, step: int) -> bool:
    """Would the ``step`` steps already taken have had the same learning rate in a run of another length?
    Yes for a constant schedule (or one that never decays) and while still warming up: warmup depends
    only on its own length, while linear and cosine decay are spread over the whole run."""
    return saved.decay == "constant" or saved.min_lr_ratio == 1.0 or step <= saved.warmup


def plan_resume(saved: TrainConfig, step: int, task: str, given: dict) -> tuple[dict, list[str]]:
    """``given``: {flag: (field, value)} for each flag on the command line; field is a TrainConfig field,
    "model.<name>" for a model-shape flag, or None for --config.
    Returns (TrainConfig changes to apply, warnings to print). Raises ConfigError for a bad --steps."""
    if task != saved.task:
        raise ConfigError(f"This checkpoint is a {saved.task} run; resume it with `{saved.task} --resume …`.",
                          "resume_other_task", task=saved.task)
    changes, ignored = {}, []
    for flag, (name, value) in given.items():
        if name in SAFE:
            changes[name] = value
        elif name == "steps":
            changes.update(_new_length(saved, step, value))
        elif name is None:                               # --config: a whole file of settings
            ignored.append(f"{flag} {value} (the saved settings are used instead)")
        elif name.startswith("model."):                  # a model-shape flag, e.g. --layers → model.n_layers
            field = name.removeprefix("model.")
            now = saved.model.get(field, "the preset's")
            ignored.append(f"{flag} {value} (the model keeps its {field} = {now})")
        else:
            now = saved.warmup if name == "warmup_steps" else getattr(saved, name)
            ignored.append(f"{flag} {value} (the run keeps {name} = {now})")
    if not ignored:
        return changes, []
    return changes, [f"warning: resuming keeps the settings the run was started with, which decide its model, data "
                     f"and learning rates (changing them would make it a different run, not a continuation). "
                     f"Ignored: {'; '.join(ignored)}. To change them, start a new run."]


def _new_length(saved: TrainConfig, step: int, steps: int) -> dict:
    """The changes that extend (or shorten) the run to ``steps``, or a ConfigError saying why not."""
    if steps == saved.steps:
        return {}
    if steps <= step:
        raise ConfigError(f"--steps {steps}: this run is already at step {step}. Give a larger number.",
                          "steps_already_reached", steps=steps, step=step)
    if not past_learning_rates_kept(saved, step):
        raise ConfigError(
            f"--steps {steps} cannot change this run's length: its {saved.decay} learning-rate decay was spread "
            f"over {saved.steps} steps and is already at step {step}, so another length would have given the "
            f"steps already taken other learning rates. Resume without --steps to finish the planned "
            f"{saved.steps}, or start a new run with --steps {steps} (runs with --decay constant can be "
            f"extended later).", "steps_fixed_by_decay", steps=steps, decay=saved.decay, planned=saved.steps,
            step=step)
    return {"steps": steps, "warmup_steps": saved.warmup}  # pin the warmup, which may be a share of the steps
