"""What every kind of training data shares once it is encoded: padding rows into one tensor, and an
epoch cursor that knows which examples make each batch and can resume exactly where a run stopped.

Used by ``pretraining.py`` (MLM + NSP batches), ``classification.py`` (labelled batches) and the
seq2seq training data.
"""
from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import Tensor

from ..errors import DataError


def pad_rows(rows: list[list[int]], value: int) -> Tensor:
    """Lists of different lengths → one (B, T) tensor, T = the longest, padded at the end with `value`."""
    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)   # (B, T)


BUCKET_WINDOW = 50   # batches sorted together by length when bucketing


class EpochCursor:
    """Which examples make each batch, and where we are: epoch e is a shuffle seeded by seed + e (so
    the order needs no saved state, only the epoch and the position within it)."""

    def __init__(self, n: int, batch_size: int, seed: int = 0, shuffle: bool = True, drop_last: bool = False,
                 lengths: list[int] | None = None):
        if n < 1:
            raise DataError("There are no examples to make batches from.", "no_examples")
        if batch_size < 1:
            raise DataError(f"batch_size={batch_size}: a batch needs at least one example.", "batch_size_positive",
                            batch_size=batch_size)
        if drop_last and n < batch_size:
            raise DataError(f"Only {n} examples, fewer than one batch of {batch_size}, and drop_last=True "
                            "drops the incomplete batch, so nothing would be left. Lower the batch size.",
                            "fewer_than_a_batch", n=n, batch_size=batch_size)
        self.n, self.batch_size, self.seed, self.shuffle, self.drop_last = n, batch_size, seed, shuffle, drop_last
        self.epoch, self.position = 0, 0
        self.lengths = torch.tensor(lengths) if lengths is not None and shuffle else None      # (n,) or None

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else math.ceil(self.n / self.batch_size)

    def order(self) -> Tensor:
        if not self.shuffle:
            return torch.arange(self.n)
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(self.n, generator=generator)                                         # (n,)
        return order if self.lengths is None else self._bucket(order, generator)

    def _bucket(self, order: Tensor, generator: torch.Generator) -> Tensor:
        """Length bucketing: sort each window of BUCKET_WINDOW shuffled batches by length, so a batch holds
        examples of similar length and pads little (half the compute was padding on short documents),
        then shuffle the order of the batches so lengths do not rise step by step through the window."""
        window = self.batch_size * BUCKET_WINDOW
        order = torch.cat([part[torch.argsort(self.lengths[part], stable=True)] for part in order.split(window)])
        full = self.n // self.batch_size * self.batch_size
        batches = order[:full].view(-1, self.batch_size)                                 # (n // B, B)
        batches = batches[torch.randperm(len(batches), generator=generator)]
        return torch.cat([batches.flatten(), order[full:]])                              # the rest stays last

    def batches(self) -> Iterator[Tensor]:
        """Index tensors of the rest of this epoch's batches; the position moves before each is handed out,
        so a state saved after using a batch resumes at the next one."""
        if self.position >= len(self):
            self.epoch, self.position = self.epoch + 1, 0
        order = self.order()
        while self.position < len(self):
            start = self.position * self.batch_size
            self.position += 1
            yield order[start:start + self.batch_size]
        self.epoch, self.position = self.epoch + 1, 0

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed, "n_examples": self.n}

    def load_state_dict(self, state: dict) -> None:
        check_resume(state, self.seed, self.n)
        self.epoch, self.position = state["epoch"], state["position"]


def check_resume(state: dict, seed: int, n_examples: int) -> None:
    """A saved position only means the same batches for the same data and seed."""
    if (state.get("seed"), state.get("n_examples")) != (seed, n_examples):
        raise DataError(f"Cannot resume: the saved batches were for {state.get('n_examples')} examples with "
                        f"seed {state.get('seed')}, but this run has {n_examples} examples with seed {seed}.",
                        "resume_other_data", saved_n=state.get('n_examples'), saved_seed=state.get('seed'),
                        n_examples=n_examples, seed=seed)
