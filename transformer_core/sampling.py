"""Writing with a causal LM: temperature, top-k and top-p, one step at a time, every step kept.

At each step the model gives scores (logits) z for every token in the vocabulary. Then, in this order
(the order of Hugging Face's ``generate``):

    p = softmax(z / τ)                 temperature τ: < 1 sharpens, > 1 flattens; τ = 0 means "take the argmax"
    top-k:  keep the k most likely tokens (k = 0: keep all; k ≥ V: all)
    top-p:  of those, renormalised, keep the fewest most likely tokens whose probabilities sum to ≥ p
            (a token is kept when the sum of the ones before it is still < p; the most likely is always kept)
    sample from p restricted to what is kept, renormalised

Sampling uses its own seeded ``torch.Generator``: the same seed and settings give the same text every time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .errors import ConfigError

SHOWN = 12                     # candidates each step keeps for display (the most likely ones)


@dataclass(frozen=True)
class Cut:
    probs: Tensor     # (V,) softmax(z / τ) before any cut (τ = 0: softmax(z), for display)
    kept: Tensor      # (V,) bool: survives top-k then top-p (τ = 0: the argmax only)
    final: Tensor     # (V,) probs over the kept tokens, renormalised to sum to 1: what is sampled from


@dataclass(frozen=True)
class Step:
    position: int            # index of the new token in the sequence (prompt positions come first)
    candidates: Tensor       # (SHOWN,) token ids, most likely first
    probs: Tensor            # (SHOWN,) their probability after temperature, before the cut
    final: Tensor            # (SHOWN,) their probability after the cut (0 where cut away)
    kept: Tensor             # (SHOWN,) bool: survived top-k and top-p
    n_kept: int              # how many tokens of the whole vocabulary survived
    kept_mass: float         # their total probability before renormalising (1.0 = nothing cut)
    token: int               # the token picked
    token_prob: float        # its probability in ``final``


def check_settings(temperature: float, top_k: int, top_p: float) -> None:
    """τ ≥ 0 (finite), k ≥ 0 whole, 0 < p ≤ 1; anything else is a ConfigError the app can say."""
    if not (isinstance(temperature, int | float) and math.isfinite(temperature) and temperature >= 0
            and isinstance(top_k, int) and top_k >= 0 and isinstance(top_p, int | float) and 0 < top_p <= 1):
        raise ConfigError(f"Sampling needs temperature ≥ 0, top-k ≥ 0 and 0 < top-p ≤ 1; got {temperature!r}, "
                          f"{top_k!r}, {top_p!r}.", "sampling_settings", temperature=temperature, top_k=top_k,
                          top_p=top_p)


def cut(logits: Tensor, temperature: float, top_k: int = 0, top_p: float = 1.0) -> Cut:
    """logits (V,) → the distribution before and after the cuts (see the module's docstring)."""
    check_settings(temperature, top_k, top_p)
    z = logits.float()
    V = z.numel()
    if temperature == 0:                                               # greedy: the argmax, nothing else
        probs = z.softmax(-1)
        kept = torch.zeros(V, dtype=torch.bool)
        kept[int(z.argmax())] = True
        return Cut(probs, kept, kept.float())
    probs = (z / temperature).softmax(-1)                              # (V,)
    kept = torch.ones(V, dtype=torch.bool)
    if 0 < top_k < V:
        kept = torch.zeros(V, dtype=torch.bool)
        kept[probs.topk(top_k).indices] = True
    if top_p < 1.0:
        q = torch.where(kept, probs, torch.zeros_like(probs))
        q = q / q.sum()                                                # top-p reads the top-k survivors
        order = q.argsort(descending=True)                             # (V,)
        before = q[order].cumsum(0) - q[order]                         # mass of the more likely ones
        keep_sorted = (before < top_p) & kept[order]
        keep_sorted[0] = True                                          # never an empty set
        kept = torch.zeros(V, dtype=torch.bool)
        kept[order[keep_sorted]] = True
    final = torch.where(kept, probs, torch.zeros_like(probs))
    return Cut(probs, kept, final / final.sum())


def pick(c: Cut, generator: torch.Generator | None) -> int:
    """One token from ``c.final`` (the only one when a single token is kept)."""
    if int(c.kept.sum()) == 1:
        return int(c.kept.nonzero()[0])
    return int(torch.multinomial(c.final, 1, generator=generator))


def describe(c: Cut, token: int, position: int, shown: int = SHOWN) -> Step:
    """The step as the page shows it: the ``shown`` most likely candidates, what was cut, what was picked."""
    top = c.probs.topk(min(shown, c.probs.numel())).indices                # (SHOWN,)
    return Step(position, top, c.probs[top], c.final[top], c.kept[top], int(c.kept.sum()),
                float(c.probs[c.kept].sum()), token, float(c.final[token]))


@torch.inference_mode()
def generate(model: nn.Module, ids: list[int], steps: int, temperature: float = 1.0, top_k: int = 0,
             top_p: float = 1.0, seed: int = 0, stop: tuple[int, ...] = ()) -> list[Step]:
    """Extend ``ids`` (the prompt, e.g. [CLS] + pieces) by up to ``steps`` tokens, stopping after a token in
    ``stop``; the sequence never grows past the model's max_len. Returns one ``Step`` per new token."""
    check_settings(temperature, top_k, top_p)
    generator = torch.Generator().manual_seed(int(seed))
    sequence, out = list(ids), []
    room = model.config.max_len - len(sequence)
    for _ in range(max(0, min(steps, room))):
        logits = model(torch.tensor([sequence])).logits[0, -1]            # (V,) scores for the next token
        c = cut(logits, temperature, top_k, top_p)
        token = pick(c, generator)
        out.append(describe(c, token, len(sequence)))
        sequence.append(token)
        if token in stop:
            break
    return out
