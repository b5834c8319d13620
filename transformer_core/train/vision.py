"""Training a Vision Transformer on the 8 × 8 digits: the ``vision`` task's settings, its model and data, and
``train_vit``, the shipping tool's loop (tools/train_vit_digits.py) — which is the same Trainer every other
task uses (trainer.py, tasks.VisionTask), so the studio page, the CLI and the tool train one way.

The recipe: AdamW (weight decay on ≥ 2-D weights), linear warmup then cosine decay, shifted and sometimes
binarised images (data/digits.augment), cross-entropy with a little label smoothing (the model is asked
for 0.9 on the right digit, not 1.0, which keeps a tiny model from over-trusting a small training set).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ..config import TransformerConfig
from ..data.digits import SIDE, DigitBatches, Digits, held_out_batches, split
from ..errors import ConfigError
from ..vit import ViTForImageClassification

PATCH_SIZES = (1, 2, 4, 8)             # the patch sides that tile an 8 × 8 image
LIMITS = {"n_layers": (1, 8), "n_heads": (1, 8), "d_model": (8, 256),   # a ViT for 8 × 8 digits: more is waste
          "batch_size": (1, 1024)}                                       # (1,438 training images)
LABEL_SMOOTHING = 0.1                  # share of the target spread over all ten digits
BINARIZE = 0.3                         # share of training images inked all-or-nothing (like the page's cell grid)


@dataclass(frozen=True)
class VisionRecipe:
    steps: int = 6000               # optimiser steps (vit-digits: 6,000 of 64 images, about 267 epochs)
    batch_size: int = 64            # images per step
    lr: float = 2e-3                # peak learning rate (after warmup)
    warmup: int = 200               # steps of linear warmup from 0
    weight_decay: float = 0.05      # AdamW decay on matrices (not on biases or LayerNorm gains)
    label_smoothing: float = LABEL_SMOOTHING   # share of the target spread over all ten digits
    binarize: float = BINARIZE      # share of training images inked all-or-nothing
    seed: int = 0                   # weights' init, batches and augmentation


def digits_config(patch_size: int = 2, d_model: int = 64, n_layers: int = 4, n_heads: int = 4,
                  dropout: float = 0.1) -> TransformerConfig:
    """A small ViT for 8 × 8 grey digits: (8 / patch)² patches + [CLS] tokens, ten classes."""
    tokens = (SIDE // patch_size) ** 2 + 1
    return TransformerConfig(vocab_size=1, d_model=d_model, n_layers=n_layers, n_heads=n_heads, d_ff=2 * d_model,
                             max_len=max(tokens, 8), type_vocab_size=0, dropout=dropout, attn_dropout=0.0,
                             norm_first=True, n_labels=10, image_size=SIDE, patch_size=patch_size)


# ── the "vision" task of a TrainConfig ─────────────────────────────────────────────────────────────

def vision_fields(model: dict) -> dict:
    """The ViT's size from a TrainConfig's ``model`` overrides over digits_config's defaults."""
    sizes = {"patch_size": 2, "d_model": 64, "n_layers": 4, "n_heads": 4, "dropout": 0.1}
    return {**sizes, **{k: v for k, v in model.items() if k in sizes}}


def vision_problems(model: dict, batch_size: int) -> list[ConfigError]:
    """Every problem with a vision run's settings (a TrainConfig's ``model`` and ``batch_size``), each a keyed
    ConfigError (empty = fine). TrainConfig raises the first; the studio page lists them all."""
    fields = {**vision_fields(model), "batch_size": batch_size}
    problems = []
    if fields["patch_size"] not in PATCH_SIZES:
        options = ", ".join(map(str, PATCH_SIZES))
        problems.append(ConfigError(f"The patch size must divide the 8-pixel side of a digit: one of {options}; got "
                                    f"{fields['patch_size']!r}.", "vision_patch", value=fields["patch_size"],
                                    options=options))
    for name, (lo, hi) in LIMITS.items():
        value = fields[name]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            problems.append(ConfigError(f"{name} must be a whole number from {lo} to {hi}; got {value!r}.",
                                        "vision_range", name=name, lo=lo, hi=hi, value=value))
    if problems:
        return problems
    d, h = fields["d_model"], fields["n_heads"]
    if d % h:
        fits = ", ".join(str(k) for k in range(1, LIMITS["n_heads"][1] + 1) if d % k == 0)
        problems.append(ConfigError(f"The width d_model = {d} must split evenly into {h} heads (each head gets "
                                    f"d_model / heads numbers). Heads that fit this width: {fits}.", "vision_heads",
                                    d=d, h=h, options=fits))
    return problems


def vision_model_config(config) -> TransformerConfig:
    fields = vision_fields(config.model)
    d_ff = config.model.get("d_ff", 2 * fields["d_model"])
    return digits_config(**fields).replace(d_ff=d_ff)


@dataclass(frozen=True)
class VisionData:
    train: DigitBatches        # augmented, drawn at random, endless
    eval: list                 # the held-out test split (359 images), at most eval_batches batches
    n_train: int
    n_test: int


def vision_data(config) -> VisionData:
    """The fixed split (data/digits.split): augmented training batches, the test images as they are."""
    train, test = split()
    evals = list(itertools.islice(held_out_batches(test, config.batch_size), config.eval_batches))
    return VisionData(DigitBatches(train, config.batch_size, config.seed, BINARIZE), evals,
                      len(train.labels), min(len(test.labels), config.eval_batches * config.batch_size))


# ── helpers shared by the tool, the tests and the pages ────────────────────────────────────────────

def accuracy(model: ViTForImageClassification, data: Digits, batch_size: int = 512) -> float:
    """Share of ``data`` the model gets right (eval mode, no gradients)."""
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        right = sum(int((model(data.images[i:i + batch_size]).logits.argmax(-1)
                         == data.labels[i:i + batch_size]).sum()) for i in range(0, len(data.labels), batch_size))
    model.train(was_training)
    return right / max(1, len(data.labels))


def train_vit(config: TransformerConfig, train: Digits, recipe: VisionRecipe = VisionRecipe(),
              callback: Callable[[int, float, float], None] | None = None) -> tuple[ViTForImageClassification, list]:
    """Train a fresh ViT with the Trainer; returns (model in eval mode, history of (step, loss, lr, seconds))."""
    from .config import TrainConfig
    from .tasks import VisionTask
    from .trainer import Trainer
    model_fields = {"patch_size": config.patch_size, "d_model": config.d_model, "n_layers": config.n_layers,
                    "n_heads": config.n_heads, "d_ff": config.d_ff, "dropout": config.dropout}
    run = TrainConfig(task="vision", model=model_fields, steps=recipe.steps, batch_size=recipe.batch_size,
                      lr=recipe.lr, warmup_steps=recipe.warmup, decay="cosine", weight_decay=recipe.weight_decay,
                      adam_eps=1e-8, seed=recipe.seed, device="cpu", precision="fp32", out_dir="", eval_batches=1)
    torch.manual_seed(recipe.seed)
    model = ViTForImageClassification(config)
    task = VisionTask(config, recipe.label_smoothing)
    trainer = Trainer(run, model, DigitBatches(train, recipe.batch_size, recipe.seed, recipe.binarize), task=task)
    history = []
    for m in trainer.steps(recipe.steps):
        history.append((m.step - 1, m.loss, m.lr, m.seconds))
        if callback is not None:
            callback(m.step - 1, m.loss, m.lr)
    return trainer.model.eval(), history
