"""Training a Vision Transformer on the 8 × 8 digits: one small loop, shared by the shipping tool
(tools/train_vit_digits.py), the tests and the vision page.

AdamW (weight decay on ≥ 2-D weights only), linear warmup then cosine decay, shifted and sometimes
binarised images (data/digits.augment), cross-entropy with a little label smoothing (the model is asked
for 0.9 on the right digit, not 1.0, which keeps a tiny model from over-trusting a small training set).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..config import TransformerConfig
from ..data.digits import Digits, augment
from ..vit import ViTForImageClassification


@dataclass(frozen=True)
class VisionRecipe:
    steps: int = 6000               # optimiser steps (vit-digits: 6,000 of 64 images, about 267 epochs)
    batch_size: int = 64            # images per step
    lr: float = 2e-3                # peak learning rate (after warmup)
    warmup: int = 200               # steps of linear warmup from 0
    weight_decay: float = 0.05      # AdamW decay on matrices (not on biases, norms, positions' … 1-D weights)
    label_smoothing: float = 0.1    # share of the target spread over all ten digits
    binarize: float = 0.3           # share of training images inked all-or-nothing (like the page's cell grid)
    seed: int = 0                   # weights' init, batches and augmentation


def digits_config(patch_size: int = 2, d_model: int = 64, n_layers: int = 4, n_heads: int = 4,
                  dropout: float = 0.1) -> TransformerConfig:
    """A small ViT for 8 × 8 grey digits: (8 / patch)² patches + [CLS] tokens, ten classes."""
    tokens = (8 // patch_size) ** 2 + 1
    return TransformerConfig(vocab_size=1, d_model=d_model, n_layers=n_layers, n_heads=n_heads, d_ff=2 * d_model,
                             max_len=max(tokens, 8), type_vocab_size=0, dropout=dropout, attn_dropout=0.0,
                             norm_first=True, n_labels=10, image_size=8, patch_size=patch_size)


def _lr(step: int, recipe: VisionRecipe) -> float:
    if step < recipe.warmup:
        return recipe.lr * (step + 1) / recipe.warmup
    progress = (step - recipe.warmup) / max(1, recipe.steps - recipe.warmup)
    return recipe.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


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
    """Train a fresh ViT; returns (model in eval mode, history of (step, loss, lr, seconds))."""
    torch.manual_seed(recipe.seed)
    model = ViTForImageClassification(config).train()
    decay = [p for p in model.parameters() if p.dim() >= 2 and p is not model.vit.embeddings.position]
    rest = [p for p in model.parameters() if not any(p is q for q in decay)]
    optimiser = torch.optim.AdamW([{"params": decay, "weight_decay": recipe.weight_decay},
                                   {"params": rest, "weight_decay": 0.0}], lr=recipe.lr)
    generator = torch.Generator().manual_seed(recipe.seed)
    history, n = [], len(train.labels)
    for step in range(recipe.steps):
        start = time.perf_counter()
        rows = torch.randint(0, n, (recipe.batch_size,), generator=generator)
        images = augment(train.images[rows], generator, recipe.binarize)   # (B, 1, 8, 8)
        lr = _lr(step, recipe)
        for group in optimiser.param_groups:
            group["lr"] = lr
        logits = model(images).logits                                      # (B, 10)
        loss = F.cross_entropy(logits, train.labels[rows], label_smoothing=recipe.label_smoothing)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        history.append((step, loss.item(), lr, time.perf_counter() - start))
        if callback is not None:
            callback(step, loss.item(), lr)
    return model.eval(), history
