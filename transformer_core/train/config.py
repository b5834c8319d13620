"""``TrainConfig``: every knob of a training run in one frozen dataclass.

It is saved as JSON beside each checkpoint, so a run can be resumed — or reproduced by someone
else — from the folder alone. The model's own shape lives in ``TransformerConfig``; here ``preset``
picks one and ``model`` overrides single fields of it (e.g. ``{"n_layers": 2}``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Literal, get_args

from ..config import PRESETS, ConfigError, TransformerConfig
from ..data.pretraining import LONE

Task = Literal["pretrain", "finetune", "seq2seq", "causal_lm", "vision"]   # MLM + NSP, classification,
#                         encoder-decoder, next-token prediction (GPT), a ViT on the 8 × 8 digits (train/vision.py)
TASKS: tuple[Task, ...] = get_args(Task)
DECAYS = ("linear", "cosine", "constant")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16")
MAX_LEN_LIMIT = 4096             # attention memory grows with max_len²; BERT itself stops at 512
AUTO_WARMUP_SHARE, AUTO_WARMUP_CAP = 0.10, 100


@dataclass(frozen=True)
class TrainConfig:
    task: Task = "pretrain"           # "pretrain" (MLM + NSP), "finetune" (classification) or "seq2seq"
    # ---- model
    preset: str = "mini"              # TransformerConfig preset to start from (pretrain / seq2seq)
    model: dict = field(default_factory=dict)  # TransformerConfig fields overriding the preset
    pretrained: str = ""              # finetune: folder of a pretrained BERT (ours or HF's); pretrain /
                                      # causal_lm: the model to continue training
    pooling: str = "cls"              # finetune: sentence vector from "cls" (pooler) or "mean" of tokens
    # ---- data
    corpus: str = "en"                # pretrain: shipped corpus name; finetune: name or CSV/TSV path
    tokenizer: str = ""               # folder holding tokenizer.json; "" = train one on the corpus
    vocab_size: int = 8000            # word pieces when a tokenizer is trained here
    max_len: int = 128                # longest sequence in tokens ([CLS] and [SEP]s included)
    batch_size: int = 32              # sequences per step (the global batch under DDP)
    mlm_probability: float = 0.15     # share of non-special tokens chosen for masked LM
    mlm_mask: float = 0.8             # of the chosen tokens: share replaced by [MASK] (BERT: 0.8)
    mlm_random: float = 0.1           # of the chosen tokens: share replaced by a random token (BERT: 0.1; rest kept)
    lone_sentences: str = "pair"      # pretrain: a one-sentence document → "pair" (BERT: NotNext with another
                                      # document's B) or "mlm" (masked LM only, no NSP label)
    teacher: str = ""                 # pretrain: folder of a BERT with an MLM head to distil from ("" = none)
    kd_alpha: float = 0.5             # distillation: weight α of the hard-label MLM loss beside τ²·KL
    kd_temperature: float = 2.0       # distillation: temperature τ that softens both distributions
    seq2seq_task: str = "reverse"     # seq2seq: which generated task (data.seq2seq_tasks.TASKS)
    n_pairs: int = 4000               # seq2seq: generated (source, target) pairs before the split
    # ---- optimisation
    steps: int = 1000                 # optimisation steps in the whole run (the schedule's length)
    lr: float = 5e-4                  # peak learning rate, reached at the end of warmup
    warmup_steps: int | None = None   # steps of linear warmup from 0 to lr; None = 10% of steps, at most 100
    decay: str = "linear"             # after warmup: "linear" or "cosine" to min_lr_ratio·lr, or "constant"
    min_lr_ratio: float = 0.0         # final learning rate as a share of lr
    weight_decay: float = 0.01        # AdamW decay, applied only to ≥ 2-D weights (not biases, LayerNorm)
    betas: tuple = (0.9, 0.999)       # AdamW's moving-average rates for the gradient and its square
    adam_eps: float = 1e-6            # AdamW's epsilon (BERT used 1e-6)
    grad_clip: float = 1.0            # clip the global gradient norm to this (0 = no clipping)
    seed: int = 0                     # seeds weights, data order, masking and dropout: same seed, same run on CPU
    # ---- hardware
    device: str = "auto"              # "auto" picks CUDA, then Apple MPS, then CPU
    precision: str = "auto"           # "auto" = bf16 autocast where the hardware multiplies bf16 natively, else fp32
    masked_logits_only: bool = True   # pretrain: vocabulary scores only where a label is (fast path)
    # ---- bookkeeping
    out_dir: str = "runs/run"         # the checkpoint folder (replaced atomically at each save)
    save_every: int = 0               # steps between checkpoints (0 = only at the end)
    eval_every: int = 0               # steps between evaluations (0 = only at the end)
    eval_batches: int = 10            # batches of held-out data per evaluation
    log_every: int = 10               # steps between progress lines
    probes: tuple = ()                # sentences whose attention is snapshotted at each save; () = defaults

    def __post_init__(self) -> None:
        object.__setattr__(self, "betas", tuple(self.betas))
        object.__setattr__(self, "probes", tuple(self.probes))
        self.validate()

    def validate(self) -> None:
        for name, allowed in (("task", TASKS), ("decay", DECAYS), ("device", DEVICES),
                              ("precision", PRECISIONS), ("pooling", ("cls", "mean")),
                              ("lone_sentences", LONE)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}.", "one_of",
                                  name=name, allowed=allowed, value=getattr(self, name))
        for name in ("max_len", "batch_size", "steps", "n_pairs", "eval_batches", "log_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a whole number ≥ 1, got {value!r}.", "whole_number",
                                  name=name, value=value)
        if self.max_len > MAX_LEN_LIMIT:
            raise ConfigError(f"max_len {self.max_len} is too long: at most {MAX_LEN_LIMIT}. Attention compares "
                              f"every token with every other, so its memory grows with max_len² (BERT uses 512).",
                              "max_len_limit", max_len=self.max_len, limit=MAX_LEN_LIMIT)
        if self.warmup_steps is not None and (not isinstance(self.warmup_steps, int) or self.warmup_steps < 0):
            raise ConfigError(f"warmup_steps must be a whole number ≥ 0, got {self.warmup_steps!r}.",
                              "whole_non_negative", name="warmup_steps", value=self.warmup_steps)
        for name in ("save_every", "eval_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ConfigError(f"{name} must be a whole number ≥ 0, got {getattr(self, name)!r}.",
                                  "whole_non_negative", name=name, value=getattr(self, name))
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ConfigError(f"lr must be a positive number, got {self.lr!r}. Typical: 1e-4 to 1e-3.", "lr_positive",
                              lr=self.lr)
        if not 0.0 < self.mlm_probability < 1.0:
            raise ConfigError(f"mlm_probability must be in (0, 1), got {self.mlm_probability!r} (BERT: 0.15).",
                              "mlm_probability", value=self.mlm_probability)
        if self.mlm_mask < 0 or self.mlm_random < 0 or self.mlm_mask + self.mlm_random > 1 + 1e-9:
            raise ConfigError(f"mlm_mask {self.mlm_mask!r} and mlm_random {self.mlm_random!r} split the chosen "
                              "tokens: both must be ≥ 0 and together at most 1 (BERT: 0.8 and 0.1).", "mlm_split",
                              mask=self.mlm_mask, random=self.mlm_random)
        if not 0.0 <= self.min_lr_ratio <= 1.0:
            raise ConfigError(f"min_lr_ratio must be in [0, 1], got {self.min_lr_ratio!r}.", "min_lr_ratio",
                              value=self.min_lr_ratio)
        if not (self.kd_temperature > 0 and self.kd_alpha >= 0):
            raise ConfigError(f"kd_temperature must be > 0 and kd_alpha ≥ 0, got {self.kd_temperature!r} and "
                              f"{self.kd_alpha!r} (DistilBERT: τ = 2).", "kd_settings",
                              temperature=self.kd_temperature, alpha=self.kd_alpha)
        if self.weight_decay < 0 or self.grad_clip < 0:
            raise ConfigError("weight_decay and grad_clip must be ≥ 0.", "decay_clip")
        if len(self.betas) != 2 or not all(0.0 <= b < 1.0 for b in self.betas):
            raise ConfigError(f"betas must be two numbers in [0, 1), got {self.betas!r}.", "betas", value=self.betas)
        if self.preset not in PRESETS:
            raise ConfigError(f"preset must be one of {sorted(PRESETS)}, got {self.preset!r}.", "one_of",
                              name="preset", allowed=sorted(PRESETS), value=self.preset)
        if self.task == "finetune" and not self.pretrained:
            raise ConfigError("finetune needs pretrained: the folder of a pretrained BERT to start from.",
                              "finetune_needs_pretrained")
        unknown = set(self.model) - {f.name for f in fields(TransformerConfig)}
        if unknown:
            raise ConfigError(f"model has unknown TransformerConfig fields: {sorted(unknown)}.", "unknown_model_fields",
                              fields=sorted(unknown))
        if self.task == "vision":
            from .vision import vision_problems  # the ViT's sizes (patch, layers, heads, width, batch)
            problems = vision_problems(self.model, self.batch_size)
            if problems:
                raise problems[0]

    @property
    def warmup(self) -> int:
        """The warmup length used: ``warmup_steps`` when given, else 10% of the run capped at 100 steps
        (so a 40-step run warms up for 4 steps, a 5000-step run for 100)."""
        if self.warmup_steps is not None:
            return self.warmup_steps
        return min(AUTO_WARMUP_CAP, max(1, round(AUTO_WARMUP_SHARE * self.steps)))

    def model_config(self, **forced) -> TransformerConfig:
        """The preset at this run's max_len, then ``model`` overrides, then ``forced`` values (e.g. the
        tokenizer's vocab size, which the model must match)."""
        return PRESETS[self.preset].replace(**{"max_len": self.max_len, **self.model, **forced})

    def replace(self, **changes) -> TrainConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["betas"], data["probes"] = list(self.betas), list(self.probes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ConfigError(f"Unknown training settings {sorted(unknown)}; known: {sorted(names)}.",
                              "unknown_settings", unknown=sorted(unknown), known=sorted(names))
        return cls(**data)
