"""Training data for a causal LM (GPT): one long stream of word pieces, cut into equal windows.

    [CLS] doc₁ … [SEP] [CLS] doc₂ … [SEP] [CLS] doc₃ …   →   windows of T pieces, no padding

Each document starts with [CLS] and ends with [SEP] (BERT's own specials, so a sentence gives the same
pieces to BERT and to GPT; for GPT they mean "a text begins" and "a text ends" — GPT-2's <|endoftext|>).
Windows are packed back to back as GPT-2 was trained: nothing is wasted on padding, and a window may begin
mid-document. The labels are the inputs themselves; the model shifts them by one (position t predicts t+1).
"""
from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from .batches import EpochCursor

ENCODE_CHUNK = 4096            # lines tokenized per call (the tokenizer's batch API runs in Rust)


def token_stream(documents: list[list[str]], tokenizer, cls_id: int, sep_id: int) -> list[int]:
    """Every document as [CLS] + its lines' pieces (no specials inside) + [SEP], one after the other."""
    lines = [(d, line) for d, doc in enumerate(documents) for line in doc]
    stream, current = [], None
    for start in range(0, len(lines), ENCODE_CHUNK):
        part = lines[start:start + ENCODE_CHUNK]
        encoded = tokenizer.encode_batch([line for _, line in part], add_special_tokens=False)
        for (d, _), enc in zip(part, encoded, strict=True):
            if d != current:
                if current is not None:
                    stream.append(sep_id)
                stream.append(cls_id)
                current = d
            stream.extend(enc.ids)
    if current is not None:
        stream.append(sep_id)
    return stream


def windows(stream: list[int], length: int) -> Tensor:
    """(N, length) consecutive windows of the stream; the incomplete tail is dropped (N may be 0: the
    caller says how much data one batch needs, train/checks.need_one_batch)."""
    n = len(stream) // length
    return torch.tensor(stream[: n * length], dtype=torch.long).view(n, length)        # (N, T)


class CausalBatches:
    """Shuffled batches of windows, resumable exactly (the cursor's epoch and position)."""

    def __init__(self, rows: Tensor, batch_size: int, seed: int = 0, shuffle: bool = True, drop_last: bool = True):
        self.rows = rows                                                                 # (N, T)
        self.cursor = EpochCursor(len(rows), batch_size, seed, shuffle, drop_last)

    def __len__(self) -> int:
        return len(self.cursor)

    def __iter__(self) -> Iterator[dict[str, Tensor]]:
        for index in self.cursor.batches():
            ids = self.rows[index]                                                       # (B, T)
            yield {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids}

    def state_dict(self) -> dict:
        return self.cursor.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.cursor.load_state_dict(state)
