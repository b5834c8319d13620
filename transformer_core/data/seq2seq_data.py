"""Batches of (source, target) string pairs for the encoder-decoder, with teacher forcing.

Teacher forcing: the decoder is fed the *true* target shifted right by one (BOS y1 y2 …) and asked for
the next token at every position at once (y1 y2 … EOS). Training never waits on its own guesses, so
all positions train in parallel; at test time the model must write its own prefix (greedy_decode).
"""
from __future__ import annotations

from collections.abc import Iterator

from torch import Tensor

from .pretraining import EpochCursor, pad_rows


class PairBatches:
    """Same iterate-the-rest-of-the-epoch and ``state_dict`` pattern as the other batch classes.
    Each batch: src_ids (B, Ts), tgt_ids (B, Tt) = BOS + target, labels (B, Tt) = target + EOS."""

    def __init__(self, pairs: list[tuple[str, str]], vocab, batch_size: int, seed: int = 0, shuffle: bool = True):
        self.vocab, self.seed = vocab, seed
        self.src = [vocab.encode(s, add_eos=True) for s, _ in pairs]
        self.tgt = [vocab.encode(t, add_bos=True, add_eos=True) for _, t in pairs]
        self.cursor = EpochCursor(len(pairs), batch_size, seed, shuffle, drop_last=shuffle)

    def __len__(self) -> int:
        return len(self.cursor)

    def __iter__(self) -> Iterator[dict[str, Tensor]]:
        pad = self.vocab.pad_id
        for index in self.cursor.batches():
            rows = index.tolist()
            yield {"src_ids": pad_rows([self.src[i] for i in rows], pad),
                   "tgt_ids": pad_rows([self.tgt[i][:-1] for i in rows], pad),
                   "labels": pad_rows([self.tgt[i][1:] for i in rows], pad)}

    def state_dict(self) -> dict:
        return self.cursor.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.cursor.load_state_dict(state)
