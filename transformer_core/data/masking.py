"""Masked LM: choose 15% of the real tokens to predict; of those, 80% become [MASK], 10% a random token
and 10% stay as they are — so the model cannot learn "only [MASK] positions matter", and must keep a
good vector for every token. ``pretraining.py`` draws masks afresh for every batch ("dynamic masking",
as in RoBERTa); each draw comes with a ``MaskRecord`` so the app can show what happened to each token.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import DataError

IGNORE = -100   # label for "no prediction here" (torch's cross_entropy ignore_index)


@dataclass(frozen=True)
class MaskingRates:
    select: float = 0.15       # fraction of non-special tokens chosen for prediction
    mask: float = 0.8          # of the chosen: → [MASK]
    random: float = 0.1        # of the chosen: → a random token (not a special); the rest stay unchanged

    def __post_init__(self):
        if not 0 < self.select <= 1:
            raise DataError(f"select={self.select}: the share of tokens to predict must be above 0 and at most 1 "
                            "(BERT uses 0.15).", "select_share", select=self.select)
        if self.mask < 0 or self.random < 0 or self.mask + self.random > 1 + 1e-9:
            raise DataError(f"mask={self.mask}, random={self.random}: both must be ≥ 0 and together at most 1, "
                            "since they split the chosen tokens (BERT: 0.8 and 0.1, the other 0.1 unchanged).",
                            "mask_random_split", mask=self.mask, random=self.random)

    @property
    def keep(self) -> float:
        """Of the chosen tokens, the share left unchanged."""
        return max(0.0, 1.0 - self.mask - self.random)


BERT_RATES = MaskingRates()    # 15% chosen; of those 80% [MASK], 10% random, 10% unchanged


@dataclass(frozen=True)
class MaskRecord:              # what happened to each token, for the UI (all (B, T))
    original: Tensor           # ids before corruption
    chosen: Tensor             # bool: picked for prediction (label = original id)
    to_mask: Tensor            # bool: became [MASK]
    to_random: Tensor          # bool: became a random token (which may, rarely, be the original again)
    kept: Tensor               # bool: chosen but left unchanged
    corrupted: Tensor          # ids after corruption (= the model's input)


def choose_positions(candidates: Tensor, select: float, generator: torch.Generator | None = None) -> Tensor:
    """Pick k = ⌊n·select + u⌋ of each row's n candidates (u uniform in [0, 1)), at least one.

    This "stochastic rounding" makes the expected share exactly ``select`` even for short rows, where
    a fixed round(n·0.15) would be off (round(10·0.15) = 2 is 20%). The k positions with the highest
    random scores win: ranking is two argsorts, no Python loop."""
    rows, _ = candidates.shape
    n = candidates.sum(dim=1)                                                        # (B,)
    u = torch.rand(rows, generator=generator, device=candidates.device)              # (B,)
    k = torch.floor(n * select + u).long().clamp(min=1).minimum(n)                  # (B,) 0 only if n = 0
    scores = torch.rand(candidates.shape, generator=generator, device=candidates.device)   # (B, T)
    scores = scores.masked_fill(~candidates, -1.0)                                   # non-candidates rank last
    rank = scores.argsort(dim=1, descending=True).argsort(dim=1)                     # (B, T) 0 = highest score
    return rank < k.unsqueeze(1)                                                     # (B, T)


def mask_tokens(input_ids: Tensor, special_mask: Tensor, mask_id: int, vocab_size: int,
                rates: MaskingRates = BERT_RATES, generator: torch.Generator | None = None,
                n_special: int = 5) -> tuple[Tensor, Tensor, MaskRecord]:
    """-> (corrupted ids (B,T), labels (B,T) with -100 where not chosen, record).

    ``special_mask`` (B, T) is True at [CLS], [SEP] and padding: those are never chosen. Random
    replacements are drawn from ids ≥ n_special, so a random token is never [CLS], [MASK], …"""
    if special_mask.shape != input_ids.shape:
        raise DataError(f"special_mask has shape {tuple(special_mask.shape)} but input_ids {tuple(input_ids.shape)}.",
                        "special_mask_shape", shape=tuple(special_mask.shape), ids_shape=tuple(input_ids.shape))
    if vocab_size <= n_special:
        raise DataError(f"vocab_size={vocab_size} leaves no ordinary token to draw random replacements from.",
                        "no_ordinary_token", vocab_size=vocab_size)
    device = input_ids.device
    chosen = choose_positions(~special_mask.bool(), rates.select, generator)         # (B, T)
    roll = torch.rand(input_ids.shape, generator=generator, device=device)           # (B, T) one die per token
    to_mask = chosen & (roll < rates.mask)                                           # (B, T)
    to_random = chosen & (roll >= rates.mask) & (roll < rates.mask + rates.random)   # (B, T)
    kept = chosen & ~to_mask & ~to_random                                            # (B, T)
    random_ids = torch.randint(n_special, vocab_size, input_ids.shape, generator=generator,
                               device=device, dtype=input_ids.dtype)                 # (B, T)
    corrupted = input_ids.masked_fill(to_mask, mask_id)                              # (B, T)
    corrupted = torch.where(to_random, random_ids, corrupted)                        # (B, T)
    labels = input_ids.masked_fill(~chosen, IGNORE)                                  # (B, T)
    record = MaskRecord(original=input_ids, chosen=chosen, to_mask=to_mask, to_random=to_random,
                        kept=kept, corrupted=corrupted)
    return corrupted, labels, record
