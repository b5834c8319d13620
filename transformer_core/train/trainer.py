"""The Trainer: one object that trains any of our models, used alike by the CLI and the app.

    trainer = Trainer(config, model, task, train_batches, eval_batches, tokenizer)
    m = trainer.step()                 # one optimisation step → StepMetrics (loss, lr, grad norm, tokens/s …)
    for m in trainer.steps(100): …     # or trainer.run(100, callback=print)
    trainer.evaluate()                 # held-out metrics
    trainer.save("runs/x"); Trainer.load("runs/x", train_batches, eval_batches)   # exact resume

One step: take the next batch → forward (bf16 autocast only where it helps) → backward → clip the
gradient norm → refuse non-finite numbers → AdamW step → advance the learning-rate schedule.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..config import ConfigError
from ..errors import LabError, Phrase
from . import snapshots
from .config import TrainConfig
from .distributed import SINGLE, DistContext, init_from_env, mean_across, shard, wrap
from .precision import autocast_dtype, cpu_has_native_bf16  # noqa: F401  (re-exported)
from .schedule import warmup_schedule
from .state import (
    atomic_folder,
    capture_rng,
    checkpoint_folder,
    load_model,
    read_state,
    recover,
    restore_rng,
    save_model,
    write_state,
)
from .tasks import CausalLMTask, ClassifyTask, PretrainTask, Seq2SeqTask, VisionTask, unpack


@dataclass(frozen=True)
class StepMetrics:
    step: int             # steps completed, this one included
    loss: float           # the total loss minimised at this step
    parts: dict           # its named parts, e.g. {"mlm": …, "nsp": …}
    metrics: dict         # accuracies on this batch, e.g. {"mlm_accuracy": …}
    lr: float             # learning rate used for this step
    grad_norm: float      # global gradient norm before clipping
    tokens: int           # non-padding tokens in this step's batch (all processes)
    tokens_per_s: float   # tokens / seconds
    seconds: float        # wall time of the step, data included


class TrainingStopped(LabError, RuntimeError):
    """Training hit a NaN or an infinity and stopped before the bad update reached the weights."""

    def __init__(self, step: int, what: str, cause: str, checkpoint: Path | None):
        kept = (Phrase(f"the last good checkpoint is {checkpoint}", "last_good_checkpoint", checkpoint=checkpoint)
                if checkpoint else Phrase("no checkpoint had been saved yet", "no_checkpoint_yet"))
        super().__init__(f"Training stopped at step {step}: the {what} is not a finite number. "
                         f"Likely cause: {cause}. Nothing bad was saved; {kept}.", "training_stopped",
                         step=step, what=what, cause=cause, kept=kept)
        self.step, self.what, self.cause, self.checkpoint = step, what, cause, checkpoint


def pick_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """CUDA, then Apple's MPS, then the CPU — unless a name is given, which must then be usable here."""
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for, but no CUDA GPU can be used here (this PyTorch is built "
                          "without CUDA, or no GPU is visible). Use --device cpu, or auto to take the best there is.",
                          "no_cuda")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device 'mps' was asked for, but Apple's Metal (MPS) is not available here (it needs a "
                          "Mac with Apple silicon). Use --device cpu, or auto to take the best there is.", "no_mps")
    return torch.device(f"cuda:{local_rank}" if name == "cuda" else name)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; weight decay pulls matrices toward 0 but leaves biases and LayerNorm gains alone
    (shrinking those only fights the normalisation — they are the 1-D parameters)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=config.betas, eps=config.adam_eps)


def make_task(config: TrainConfig, model: nn.Module, dist: DistContext = SINGLE):
    if config.task == "pretrain" and config.teacher:
        from .distill import DistillTask, load_teacher
        task = DistillTask(load_teacher(config.teacher, next(model.parameters()).device), config.kd_alpha,
                           config.kd_temperature, dist)
        task.check_vocabulary(model)
        return task
    if config.task == "pretrain":
        return PretrainTask(config.masked_logits_only, dist)
    if config.task == "finetune":
        return ClassifyTask(model.config.n_labels)            # equal rows per process: a plain mean is exact
    if config.task == "causal_lm":
        return CausalLMTask()
    if config.task == "vision":
        return VisionTask(model.config)
    return Seq2SeqTask(pad=model.config.pad_token_id, dist=dist)


def likely_cause(config: TrainConfig, lr: float) -> str:
    if lr >= 1e-2:
        return Phrase(f"learning rate too high? ({lr:g}; try 1e-4 to 1e-3)", "cause_lr_high", lr=lr)
    if config.warmup < 10:
        return Phrase(f"learning rate too high for so short a warmup? (lr {lr:g}, warmup {config.warmup} steps)",
                      "cause_short_warmup", lr=lr, warmup=config.warmup)
    return Phrase(f"learning rate too high? (lr {lr:g}) — or a bad batch; try a lower lr or gradient clipping",
                  "cause_lr_or_batch", lr=lr)


class _Stream:
    """Endless batches: a new epoch starts when one runs out. The position lives in the batches
    object itself (its state_dict), so a resumed run continues mid-epoch."""

    def __init__(self, batches):
        self.batches, self._it = batches, None

    def next(self):
        if self._it is None:
            self._it = iter(self.batches)
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(self.batches)
            return next(self._it)

    def state_dict(self) -> dict:
        return self.batches.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.batches.load_state_dict(state)
        self._it = None


class Trainer:
    def __init__(self, config: TrainConfig, model: nn.Module, train_batches, eval_batches=None, tokenizer=None,
                 task=None, probes: list | None = None, extra_save=None, dist: DistContext | None = None):
        self.config, self.tokenizer, self.extra_save = config, tokenizer, extra_save
        self.dist = dist or init_from_env()
        self.device = pick_device(config.device, self.dist.local_rank)
        self.model = model.to(self.device).train()
        self.forward_model = wrap(self.model, self.dist, self.device)
        self.task = task or make_task(config, model, self.dist)
        self.optimizer = make_optimizer(self.model, config)
        self.scheduler = warmup_schedule(self.optimizer, config.steps, config.warmup, config.decay,
                                         config.min_lr_ratio)
        shapes = getattr(model, "config", None)
        self.autocast = autocast_dtype(config.precision, self.device, getattr(shapes, "d_model", 256),
                                       getattr(shapes, "d_ff", 1024))
        self.stream, self.eval_batches = _Stream(train_batches), eval_batches
        self.probes = probes or []
        self.step_count, self.history, self.evaluations = 0, [], []
        self.last_checkpoint: Path | None = None
        if self.dist.is_main and config.out_dir:  # a crashed save of this folder: finished or undone, temp removed
            recover(config.out_dir)
        torch.manual_seed(config.seed)            # dropout's random stream: same seed, same run

    # ------------------------------------------------------------------------------ training
    def _to_device(self, batch: dict) -> dict:
        return {k: v.to(self.device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}

    def _autocast(self):
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast)

    def step(self) -> StepMetrics:
        """One optimisation step on the next batch. Raises TrainingStopped on a NaN / inf."""
        start = time.perf_counter()
        full = unpack(self.stream.next())
        batch = self._to_device(shard(full, self.dist))
        self.optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            out = self.task.forward(self.forward_model, batch)
        out.loss.backward()                       # even a NaN loss: under DDP every process must reach all-reduce
        limit = self.config.grad_clip or float("inf")
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), limit)
        lr = self.scheduler.get_last_lr()[0]
        for what, value in ((Phrase("loss", "what_loss"), out.loss), (Phrase("gradient norm", "what_grad_norm"), norm)):
            if not torch.isfinite(value.detach()).item():
                self.optimizer.zero_grad(set_to_none=True)
                raise TrainingStopped(self.step_count + 1, what, likely_cause(self.config, lr), self.last_checkpoint)
        self.optimizer.step()
        self.scheduler.step()
        self.step_count += 1
        seconds = time.perf_counter() - start
        tokens = self.task.tokens(full)
        names = [*out.parts, *out.metrics]
        values = mean_across([out.loss.item(), *out.parts.values(), *out.metrics.values()], self.dist)
        found = dict(zip(names, values[1:], strict=True))
        metrics = StepMetrics(self.step_count, values[0], {k: found[k] for k in out.parts},
                              {k: found[k] for k in out.metrics}, lr, norm.item(), tokens, tokens / seconds, seconds)
        self.history.append(asdict(metrics))
        return metrics

    def steps(self, n_steps: int):
        """Iterator form: yields the StepMetrics of ``n_steps`` steps, evaluating every ``eval_every``
        and saving to ``out_dir`` every ``save_every`` steps when those are set."""
        for _ in range(n_steps):
            metrics = self.step()
            every = self.config
            if every.eval_every and self.step_count % every.eval_every == 0 and self.eval_batches is not None:
                self.evaluate()
            if every.save_every and self.step_count % every.save_every == 0:
                self.save(self.config.out_dir)
            yield metrics

    def run(self, n_steps: int, callback=None) -> list[StepMetrics]:
        out = []
        for metrics in self.steps(n_steps):
            out.append(metrics)
            if callback is not None:
                callback(metrics)
        return out

    def evaluate(self, batches=None) -> dict:
        """Held-out metrics (the task decides which), model in eval mode: no dropout, no gradients."""
        batches = self.eval_batches if batches is None else batches
        self.model.eval()
        try:
            with self._autocast():
                result = self.task.evaluate(self.model, (self._to_device(unpack(b)) for b in batches))
        finally:
            self.model.train()
        self.evaluations.append({"step": self.step_count, **result})
        return result

    # ------------------------------------------------------------------------------ checkpoints
    def save(self, folder=None) -> Path:
        """Write a complete checkpoint atomically (rank 0 only); the previous one survives any failure."""
        folder = Path(folder or self.config.out_dir)
        if not self.dist.is_main:
            return folder
        tensors = {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                   "rng": capture_rng(), "data": self.stream.state_dict()}
        info = {"format": 1, "step": self.step_count, "task": self.task.name, "model_class": self.task.model_class,
                "config": self.config.to_dict(), "history": self.history, "evaluations": self.evaluations}
        recover(folder)                   # after a crash mid-save the whole copy may still be .old or .new
        previous = folder if folder.is_dir() else None
        with atomic_folder(folder) as tmp:
            save_model(self.model, tmp, self.tokenizer)
            if self.extra_save is not None:
                self.extra_save(tmp)
            if self.probes:
                snapshots.append(tmp, previous, self.probes, self.step_count,
                                 snapshots.capture(self.model, self.probes, self.device))
            write_state(tmp, tensors, info)
        self.last_checkpoint = folder
        return folder

    @classmethod
    def load(cls, folder, train_batches=None, eval_batches=None, changes: dict | None = None, **kwargs) -> Trainer:
        """Resume from a checkpoint. Without ``train_batches`` the data is rebuilt from the saved
        TrainConfig (see build.py); with them, the given data objects are used and rewound.
        ``changes``: TrainConfig fields to change on the way (see resume.py for which are safe)."""
        folder = checkpoint_folder(folder)
        tensors, info = read_state(folder)
        config = TrainConfig.from_dict(info["config"]).replace(**(changes or {}))
        if train_batches is None:
            from .build import build_parts  # the data modules are only needed here
            parts = build_parts(config, model_folder=folder)
            kwargs = {**parts.trainer_kwargs(), **kwargs}
            model, train_batches, eval_batches = parts.model, parts.train, parts.eval
        else:
            model, tokenizer = load_model(folder, info["model_class"])
            kwargs.setdefault("tokenizer", tokenizer)
        trainer = cls(config, model, train_batches, eval_batches, **kwargs)
        trainer._restore(tensors, info, folder)
        return trainer

    def _restore(self, tensors: dict, info: dict, folder: Path) -> None:
        self.optimizer.load_state_dict(tensors["optimizer"])
        self.scheduler.load_state_dict(tensors["scheduler"])      # this restores the saved run length too …
        for factor in self.scheduler.lr_lambdas:                  # … so apply this config's (maybe extended) one
            factor.total = self.config.steps
        self.stream.load_state_dict(tensors["data"])
        self.step_count, self.history = info["step"], info["history"]
        self.evaluations, self.last_checkpoint = info.get("evaluations", []), folder
        restore_rng(tensors["rng"])
