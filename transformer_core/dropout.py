"""Dropout, with the random numbers drawn cheaply.

Inverted dropout: during training zero each element with probability p and scale the survivors by
1 / (1 − p), so every activation keeps its expected value and nothing needs rescaling at test time.

The maths is torch's; the sampling is not. ``F.dropout`` on the CPU draws one Bernoulli sample per
element, which cost ~20% of a small BERT's training step (bench/train_speed.py --profile). Here one
32-bit random draw yields two 15-bit uniform integers, and an element survives when its integer is
≥ p · 2¹⁵ — the same distribution to within 1/32768, about 2× faster forward and backward.
The mask is applied as ``(x * keep) * scale`` with ``keep`` a 0/1 integer tensor, the second multiply in
place: two single passes forward, two backward, and only the 2-byte mask kept for backward. The values
equal ``torch.where(keep, x * scale, 0)``'s bit for bit, 1.3–1.9× faster (forward + backward, here).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    if not training or p == 0.0:
        return x
    if x.device.type != "cpu":                        # GPUs have a fast fused kernel already
        return F.dropout(x, p, training=True)
    n = x.numel()
    draws = torch.empty((n + 1) // 2, dtype=torch.int32, device=x.device).random_()  # 31 random bits each
    bits = draws.view(torch.int16)[:n].view(x.shape).bitwise_and_(0x7FFF)          # 2 × 15-bit uniforms
    keep = bits.ge_(round(p * 32768))                                                # 1 or 0, P(1) = 1 − p
    return (x * keep).mul_(1.0 / (1.0 - p))


class Dropout(nn.Module):
    """Drop-in for ``nn.Dropout`` using the sampler above."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
