"""The 8 × 8 handwritten digits (assets/digits/, see its README): loading, a fixed split, augmentation.

Pixels are ink counts 0–16; models read them divided by 16 (0 = paper, 1 = full ink).
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from ..errors import DataError

DIGITS_FILE = Path(__file__).resolve().parents[2] / "assets" / "digits" / "digits.csv.gz"
SIDE = 8                 # pixels per side
MAX_INK = 16.0           # the largest pixel value in the file
TEST_SHARE = 0.2         # a fifth of each digit's images held out for testing
SPLIT_SEED = 0           # the split never changes: the model card's test score is on these images


@dataclass(frozen=True)
class Digits:
    images: Tensor       # (N, 1, 8, 8) float, 0 … 1
    labels: Tensor       # (N,) int64, 0 … 9
    index: Tensor        # (N,) row of each image in digits.csv.gz (a test image's name on the page)


def load_all(path: Path = DIGITS_FILE) -> Digits:
    """Every row of the file, in file order."""
    try:
        with gzip.open(path, "rt", encoding="ascii") as f:
            rows = [[int(v) for v in line.split(",")] for line in f if line.strip()]
    except (OSError, ValueError, EOFError) as err:
        raise DataError(f"The digits file {path} is missing or unreadable ({err}); rebuild it with "
                        "python tools/build_digits.py.", "digits_unreadable", path=path, err=err) from err
    table = torch.tensor(rows, dtype=torch.int64)                       # (N, 65)
    images = table[:, :-1].float().div(MAX_INK).view(-1, 1, SIDE, SIDE)  # (N, 1, 8, 8)
    return Digits(images, table[:, -1], torch.arange(len(rows)))


def split(digits: Digits | None = None) -> tuple[Digits, Digits]:
    """(train, test): TEST_SHARE of each digit's images, chosen by a fixed seed (stratified by digit)."""
    digits = digits or load_all()
    generator = torch.Generator().manual_seed(SPLIT_SEED)
    test = torch.zeros(len(digits.labels), dtype=torch.bool)
    for digit in range(10):
        rows = (digits.labels == digit).nonzero().squeeze(1)
        order = rows[torch.randperm(len(rows), generator=generator)]
        test[order[: round(len(rows) * TEST_SHARE)]] = True
    pick = lambda m: Digits(digits.images[m], digits.labels[m], digits.index[m])  # noqa: E731
    return pick(~test), pick(test)


def augment(images: Tensor, generator: torch.Generator, binarize: float = 0.3) -> Tensor:
    """Training-time variety: each image shifted by −1, 0 or +1 pixel in each direction (zeros enter) and, with
    probability ``binarize``, inked all-or-nothing (a cell grid drawn on the page gives such images)."""
    B = images.size(0)
    shifts = torch.randint(-1, 2, (B, 2), generator=generator)
    padded = torch.nn.functional.pad(images, (1, 1, 1, 1))               # (B, 1, 10, 10)
    rows = (torch.arange(SIDE)[None, :] + 1 - shifts[:, :1])             # (B, 8)
    cols = (torch.arange(SIDE)[None, :] + 1 - shifts[:, 1:])             # (B, 8)
    out = padded[torch.arange(B)[:, None, None], 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)  # (B,1,8,8)
    hard = torch.rand(B, generator=generator) < binarize
    out[hard] = (out[hard] > 0.4).float()
    return out


def image_batch(data: Digits, rows: Tensor) -> dict[str, Tensor]:
    """The batch a training task reads: {"pixel_values": (B, 1, 8, 8), "labels": (B,)}."""
    return {"pixel_values": data.images[rows], "labels": data.labels[rows]}


class DigitBatches:
    """Training batches without end of data: each step draws ``batch_size`` images at random (with replacement)
    and augments them (``augment``). Step k's draw is seeded by (seed, k), so the position is one number and a
    resumed run continues with the very batches it would have seen.

    An "epoch" is len(self) steps (about one pass over the images), only so the Trainer's stream can restart it."""

    def __init__(self, data: Digits, batch_size: int, seed: int = 0, binarize: float = 0.3):
        if batch_size < 1 or len(data.labels) < 1:
            raise DataError(f"batch_size={batch_size}: a batch needs at least one example.", "batch_size_positive",
                            batch_size=batch_size)
        self.data, self.batch_size, self.seed, self.binarize = data, batch_size, seed, binarize
        self.drawn = 0                                                   # batches handed out so far

    def __len__(self) -> int:
        return max(1, len(self.data.labels) // self.batch_size)

    def __iter__(self):
        for _ in range(len(self)):
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.drawn)
            rows = torch.randint(0, len(self.data.labels), (self.batch_size,), generator=generator)   # (B,)
            batch = image_batch(self.data, rows)
            batch["pixel_values"] = augment(batch["pixel_values"], generator, self.binarize)
            self.drawn += 1
            yield batch

    def state_dict(self) -> dict:
        return {"drawn": self.drawn}

    def load_state_dict(self, state: dict) -> None:
        self.drawn = int(state["drawn"])


def held_out_batches(data: Digits, batch_size: int) -> list[dict[str, Tensor]]:
    """Every image of ``data`` once, in file order, as it is (no augmentation)."""
    n = len(data.labels)
    return [image_batch(data, torch.arange(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]
