"""Learning-rate schedule: linear warmup, then linear or cosine decay (as in BERT and most since).

Why warm up: at step 0 Adam's second-moment estimates are built from a single gradient, so its
steps are large and noisy; a post-LN Transformer hit with full-size steps then can diverge. Ramping
the rate up over the first few hundred steps lets the estimates settle first.
"""
from __future__ import annotations

import math

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR


def lr_factor(step: int, total: int, warmup: int, decay: str = "linear", min_ratio: float = 0.0) -> float:
    """Multiplier of the peak learning rate at ``step`` (0-based): 0 → 1 over ``warmup`` steps,
    then down to ``min_ratio`` at ``total`` — linearly, along half a cosine, or not at all."""
    if step < warmup:
        return (step + 1) / warmup                     # never exactly 0: step 0 already learns a little
    if decay == "constant" or total <= warmup:
        return 1.0
    progress = min(1.0, (step - warmup) / (total - warmup))
    if decay == "cosine":
        shape = 0.5 * (1.0 + math.cos(math.pi * progress))
    elif decay == "linear":
        shape = 1.0 - progress
    else:
        raise ValueError(f"decay must be 'linear', 'cosine' or 'constant', got {decay!r}.")
    return min_ratio + (1.0 - min_ratio) * shape


class _Factor:
    """A picklable-free callable: LambdaLR stores its ``__dict__`` (plain numbers and a string)."""

    def __init__(self, total: int, warmup: int, decay: str, min_ratio: float):
        self.total, self.warmup, self.decay, self.min_ratio = total, warmup, decay, min_ratio

    def __call__(self, step: int) -> float:
        return lr_factor(step, self.total, self.warmup, self.decay, self.min_ratio)


def warmup_schedule(optimizer: Optimizer, total: int, warmup: int, decay: str = "linear",
                    min_ratio: float = 0.0) -> LambdaLR:
    """A ``LambdaLR`` whose ``state_dict`` holds only numbers, so it saves with ``weights_only`` loading."""
    return LambdaLR(optimizer, _Factor(total, warmup, decay, min_ratio))
