"""Training the speech Transformer on spoken digits: a short loop of its own (no tokenizer, no text batches).

Each step draws a batch of log-mel windows and changes them a little before the model sees them, so that it
learns the words rather than the exact clips:
- time shift: the window slides by up to ``shift`` frames (a word is not always centred);
- SpecAugment (Park et al., 2019): a band of up to ``freq_mask`` mel bins and a stretch of up to ``time_mask``
  frames are set to silence, so no single band or moment can carry the decision.
AdamW with linear warmup and cosine decay, as in the text trainer.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from ..speech import SpeechTransformer


@dataclass(frozen=True)
class SpeechTrainConfig:
    steps: int = 1000            # optimiser steps
    batch_size: int = 64         # windows per step
    lr: float = 2e-3             # peak learning rate (after warmup)
    warmup: int = 100            # steps of linear warmup from 0
    weight_decay: float = 0.01   # AdamW decay on ≥ 2-D weights
    shift: int = 8               # largest time shift, frames (80 ms)
    freq_mask: int = 6           # widest masked band, mel bins
    time_mask: int = 10          # longest masked stretch, frames
    seed: int = 0                # batches, augmentation and initial weights

    def to_dict(self) -> dict:
        return asdict(self)


def augment(x: Tensor, config: SpeechTrainConfig, gen: torch.Generator) -> Tensor:
    """(B, frames, n_mels) → the same windows shifted in time and with one band and one stretch silenced."""
    B, T, M = x.shape
    out = torch.full_like(x, -1.0)
    shifts = torch.randint(-config.shift, config.shift + 1, (B,), generator=gen)
    for i, s in enumerate(shifts.tolist()):                        # slide: what leaves the window is lost
        out[i, max(s, 0):T + min(s, 0)] = x[i, max(-s, 0):T - max(s, 0)]
    for size, axis, length in ((config.freq_mask, 2, M), (config.time_mask, 1, T)):
        width = torch.randint(0, size + 1, (B,), generator=gen)
        start = (torch.rand(B, generator=gen) * (length - width)).long()
        span = torch.arange(length)[None] - start[:, None]                      # (B, length)
        hit = (span >= 0) & (span < width[:, None])
        out = torch.where(hit[:, None, :] if axis == 2 else hit[:, :, None], torch.full_like(out, -1.0), out)
    return out


def lr_at(step: int, config: SpeechTrainConfig) -> float:
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def train(model: SpeechTransformer, windows: Tensor, labels: Tensor, config: SpeechTrainConfig,
          every: int = 100, report=None) -> list[dict]:
    """Train in place; returns the history (step, loss, accuracy on the batch, lr, seconds) every ``every`` steps."""
    gen = torch.Generator().manual_seed(config.seed)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    optim = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                               {"params": other, "weight_decay": 0.0}], lr=config.lr)
    history, started, n = [], time.time(), labels.numel()
    model.train()
    for step in range(config.steps):
        index = torch.randint(0, n, (config.batch_size,), generator=gen)
        batch = augment(windows[index], config, gen)
        for group in optim.param_groups:
            group["lr"] = lr_at(step, config)
        out = model(batch, labels[index])
        optim.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        if step % every == 0 or step == config.steps - 1:
            accuracy = (out.logits.argmax(-1) == labels[index]).float().mean().item()
            history.append({"step": step, "loss": out.loss.item(), "batch_accuracy": accuracy,
                            "lr": lr_at(step, config), "seconds": time.time() - started})
            if report:
                report(history[-1])
    model.eval()
    return history


@torch.inference_mode()
def predict(model: SpeechTransformer, windows: Tensor, batch: int = 256) -> Tensor:
    """(N, frames, n_mels) → (N, n_labels) probabilities."""
    model.eval()
    return torch.cat([model(windows[i:i + batch]).logits.softmax(-1) for i in range(0, len(windows), batch)])


def accuracy(model: SpeechTransformer, windows: Tensor, labels: Tensor) -> float:
    if not len(labels):
        return float("nan")
    return (predict(model, windows).argmax(-1) == labels).float().mean().item()
