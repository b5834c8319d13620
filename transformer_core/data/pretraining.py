"""BERT's pretraining data: sentence pairs for next-sentence prediction, and dynamic masking for masked LM.

Next-sentence prediction (NSP): segment A is one or more consecutive sentences of a document; half the
time B is what really follows (IsNext), half the time it comes from another document (NotNext).
Masked LM (MLM): ``PretrainingBatches`` draws masks afresh for every batch ("dynamic masking", as in
RoBERTa) with ``mask_tokens`` from ``masking.py`` — 15% of the real tokens chosen, 80/10/10 corrupted.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, fields

import torch
from torch import Tensor

from ..errors import DataError
from ..tokenizer import special_ids
from .batches import EpochCursor, check_resume, pad_rows
from .masking import BERT_RATES, IGNORE, MaskingRates, MaskRecord, choose_positions, mask_tokens

__all__ = [  # the masking and batching helpers live in masking.py and batches.py; importable from here too
    "IGNORE", "EpochCursor", "MaskRecord", "MaskingRates", "PairExample", "PretrainingBatches", "SentenceSpan",
    "check_resume", "choose_positions", "collate", "make_nsp_examples", "mask_tokens", "pad_rows",
]


# ── next-sentence pairs ──────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class SentenceSpan:
    document: int              # index into the documents given to make_nsp_examples
    start: int                 # first sentence of the segment
    stop: int                  # one past the last sentence


@dataclass(frozen=True)
class PairExample:
    input_ids: list[int]                 # [CLS] A [SEP] B [SEP], after truncation
    token_type_ids: list[int]            # 0 for [CLS] A [SEP], 1 for B [SEP]
    is_next: bool | None                 # B really follows A in the same document; None = no B (masked LM only)
    special_tokens_mask: list[int]       # 1 at [CLS] and [SEP]: never masked
    a: SentenceSpan                      # where A and B came from
    b: SentenceSpan
    sentences_a: tuple[str, ...]         # their text, before truncation, for the UI
    sentences_b: tuple[str, ...]


def _tokenize_documents(documents: list[list[str]], tokenizer) -> list[list[tuple[int, list[int]]]]:
    """Every sentence → ids (no specials), in one fast batched call. Keeps (sentence index, ids) pairs,
    dropping sentences with no tokens, and documents left with none."""
    flat = [(d, s, text) for d, doc in enumerate(documents) for s, text in enumerate(doc) if text.strip()]
    encodings = tokenizer.encode_batch([text for _, _, text in flat], add_special_tokens=False)
    docs: dict[int, list[tuple[int, list[int]]]] = {}
    for (d, s, _), enc in zip(flat, encodings, strict=True):
        if enc.ids:
            docs.setdefault(d, []).append((s, enc.ids))
    return [docs[d] if d in docs else [] for d in range(len(documents))]


def _truncate_pair(a: list[int], b: list[int], max_tokens: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """BERT's truncate_seq_pair: drop one token at a time from the longer side, from its front or back
    at random (so the model does not learn that sentences are always cut at the end)."""
    cut = {"a": [0, 0], "b": [0, 0]}                 # tokens cut from the front, back of each side
    length = {"a": len(a), "b": len(b)}
    while length["a"] + length["b"] > max_tokens:
        side = "a" if length["a"] > length["b"] else "b"
        length[side] -= 1
        cut[side][0 if rng.random() < 0.5 else 1] += 1
    return a[cut["a"][0]:len(a) - cut["a"][1]], b[cut["b"][0]:len(b) - cut["b"][1]]


def _random_segment(docs, partners: list[int], current: int, target: int,
                    rng: random.Random) -> tuple[int, int, int, list[int]]:
    """NotNext: sentences from a random start in another document (partners[current] is this one),
    until about `target` tokens."""
    k = rng.randrange(len(partners) - 1)
    other = partners[k + (k >= current)]             # any partner document but this one
    sentences = docs[other]
    start = rng.randrange(len(sentences))
    ids: list[int] = []
    stop = start
    while stop < len(sentences) and len(ids) < target:
        ids += sentences[stop][1]
        stop += 1
    return other, start, stop, ids


class _LabelBag:
    """IsNext / NotNext labels drawn from shuffled blocks of 100 holding exactly the asked share of NotNext.
    A fair coin per pair is not enough: a NotNext pair uses only A of its chunk and gives the rest
    back to make more pairs, so coin flips end up with more NotNext than IsNext examples."""

    def __init__(self, random_next: float, rng: random.Random):
        self.random_next, self.rng, self.labels, self.owed = random_next, rng, [], 0

    def draw(self) -> bool:
        """True = IsNext."""
        while True:
            if not self.labels:
                n_random = round(100 * self.random_next)
                self.labels = [False] * n_random + [True] * (100 - n_random)
                self.rng.shuffle(self.labels)
            is_next = self.labels.pop()
            if is_next or not self.owed:
                return is_next
            self.owed -= 1                             # this NotNext was already spent by forced_not_next

    def forced_not_next(self) -> None:
        """An IsNext was drawn but the pair has to be NotNext: the IsNext goes back, a later NotNext is skipped."""
        self.labels.append(True)
        self.owed += 1


class _PairBuilder:
    """Walks one document, cutting it into chunks of about `target` tokens, each chunk → one example."""

    def __init__(self, docs, documents, max_len: int, rng: random.Random, random_next: float, cls: int, sep: int,
                 lone: str = "pair"):
        self.docs, self.documents, self.rng, self.labels = docs, documents, rng, _LabelBag(random_next, rng)
        self.lone = lone                                               # what a one-sentence document becomes
        self.usable = [d for d, doc in enumerate(docs) if doc]          # documents with some text
        # where a NotNext B comes from: with lone="mlm", only documents that make pairs themselves — were
        # the lone sentences B too, "B reads like a lone sentence" would mean NotNext, the bias "mlm" avoids
        self.partners = [d for d in self.usable if len(docs[d]) > 1] if lone == "mlm" else self.usable
        self.partner_at = {d: i for i, d in enumerate(self.partners)}
        self.max_tokens, self.cls, self.sep = max_len - 3, cls, sep    # room for [CLS], [SEP], [SEP]

    def document(self, position: int, target: int) -> list[PairExample]:
        """BERT's create_instances_from_document for the position-th usable document: gather sentences
        until the chunk reaches `target` tokens (or the document ends), then split it into A and B."""
        examples, chunk, length, i = [], [], 0, 0
        d = self.usable[position]
        sentences = self.docs[d]
        if len(sentences) == 1 and self.lone == "mlm":
            return [self.single(d)]
        while i < len(sentences):
            chunk.append(i)
            length += len(sentences[i][1])
            if i == len(sentences) - 1 or length >= target:
                example, unused = self.pair(position, chunk, target)
                examples.append(example)
                i -= unused                            # sentences not used by a NotNext pair go back
                chunk, length = [], 0
            i += 1
        return examples

    def single(self, d: int) -> PairExample:
        """A one-sentence document as ``[CLS] A [SEP]``: masked LM only, no NSP label (is_next None)."""
        index, ids = self.docs[d][0]
        a_ids = ids[: self.max_tokens + 1]                             # room for [CLS] and one [SEP]
        span = SentenceSpan(d, index, index + 1)
        return PairExample(input_ids=[self.cls, *a_ids, self.sep], token_type_ids=[0] * (len(a_ids) + 2),
                           is_next=None, special_tokens_mask=[1] + [0] * len(a_ids) + [1], a=span,
                           b=SentenceSpan(d, index + 1, index + 1), sentences_a=(self.documents[d][index],),
                           sentences_b=())

    def pair(self, position: int, chunk: list[int], target: int) -> tuple[PairExample, int]:
        """One example from a chunk; also returns how many sentences to give back (or −1: one borrowed)."""
        d, rng = self.usable[position], self.rng
        sentences = self.docs[d]
        is_next, unused = self.labels.draw(), 0
        if is_next and len(chunk) == 1:                # one sentence has no "next" inside the chunk:
            if chunk[0] + 1 < len(sentences):          # borrow the following one (BERT would make it
                chunk, unused = [chunk[0], chunk[0] + 1], -1   # NotNext, tilting the 50/50 balance)
            else:                                      # the document's last sentence: NotNext,
                self.labels.forced_not_next()          # and the bag makes up for it later
                is_next = False
        a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
        a_ids = [t for i in chunk[:a_end] for t in sentences[i][1]]
        a_span = SentenceSpan(d, sentences[chunk[0]][0], sentences[chunk[a_end - 1]][0] + 1)
        if is_next:
            b_ids = [t for i in chunk[a_end:] for t in sentences[i][1]]
            b_span = SentenceSpan(d, sentences[chunk[a_end]][0], sentences[chunk[-1]][0] + 1)
        else:
            other, start, stop, b_ids = _random_segment(self.docs, self.partners, self.partner_at[d],
                                                        max(1, target - len(a_ids)), rng)
            b_span = SentenceSpan(other, self.docs[other][start][0], self.docs[other][stop - 1][0] + 1)
            unused = len(chunk) - a_end
        a_ids, b_ids = _truncate_pair(a_ids, b_ids, self.max_tokens, rng)
        return PairExample(
            input_ids=[self.cls, *a_ids, self.sep, *b_ids, self.sep],
            token_type_ids=[0] * (len(a_ids) + 2) + [1] * (len(b_ids) + 1),
            is_next=is_next,
            special_tokens_mask=[1] + [0] * len(a_ids) + [1] + [0] * len(b_ids) + [1],
            a=a_span, b=b_span,
            sentences_a=tuple(self.documents[d][a_span.start:a_span.stop]),
            sentences_b=tuple(self.documents[b_span.document][b_span.start:b_span.stop])), unused


LONE = ("pair", "mlm")   # what a one-sentence document becomes (see make_nsp_examples)


def make_nsp_examples(documents: list[list[str]], tokenizer, max_len: int = 128, seed: int = 0,
                      random_next: float = 0.5, short_seq_prob: float = 0.1, lone: str = "pair") -> list[PairExample]:
    """BERT's recipe (create_pretraining_data.py): per document, chunks of about max_len − 3 tokens
    (with probability short_seq_prob a random shorter target, so the model also sees short inputs);
    A = the chunk's first 1…n−1 sentences, B = the rest (IsNext) or, with probability random_next,
    sentences from another random document (NotNext); the pair is truncated to max_len. Returned
    shuffled (seeded). Two departures from BERT, so the classes really are balanced as random_next says:
    labels come from a shuffled bag, not a coin per pair, and an IsNext draw on a one-sentence chunk
    borrows the following sentence as B instead of turning NotNext.
    ``lone``: what a one-sentence document becomes. "pair" (BERT): a NotNext pair with B from elsewhere.
    "mlm": ``[CLS] A [SEP]`` with no NSP label, masked LM only. Use "mlm" for corpora of independent
    sentences (graded examples, one per line): paired, every such sentence would be NotNext, and the
    model would learn "a short everyday sentence is never followed by its next" — the opposite of what
    the NSP page's everyday pairs need."""
    if lone not in LONE:
        raise DataError(f"lone must be one of {LONE}, got {lone!r}.", "one_of", name="lone", allowed=LONE, value=lone)
    if max_len < 5:
        raise DataError(f"max_len={max_len} is too short: [CLS] A [SEP] B [SEP] needs at least 5 tokens.",
                        "max_len_pair", max_len=max_len)
    if not (0 <= random_next <= 1 and 0 <= short_seq_prob <= 1):
        raise DataError("random_next and short_seq_prob are probabilities: each must be between 0 and 1.",
                        "pair_probabilities")
    docs = _tokenize_documents(documents, tokenizer)
    usable = [d for d, doc in enumerate(docs) if doc]
    if not usable:
        raise DataError("There is no text in these documents: next-sentence pairs need sentences.", "no_sentences")
    # documents a NotNext B can come from: with lone="mlm" only those that make pairs (none at all is fine)
    partners = len(usable) if lone == "pair" else sum(len(docs[d]) > 1 for d in usable)
    if len(usable) < 2 or partners == 1:
        found = min(len(usable), partners) or len(usable)
        raise DataError(f"Next-sentence prediction needs at least 2 documents with text (found {found}): "
                        "the NotNext half of the pairs takes its B from a different document.", "nsp_two_documents",
                        found=found)
    ids, rng = special_ids(tokenizer), random.Random(seed)
    builder = _PairBuilder(docs, documents, max_len, rng, random_next, ids["cls"], ids["sep"], lone)
    examples = []
    for position in range(len(usable)):
        target = max_len - 3 if rng.random() >= short_seq_prob else rng.randint(2, max_len - 3)
        examples += builder.document(position, target)
    rng.shuffle(examples)
    return examples


# ── batches ──────────────────────────────────────────────────────────────────────────────────────────

def collate(examples: list[PairExample], pad_id: int = 0) -> dict[str, Tensor]:
    """Pairs → a padded batch the model takes as ``model(**batch)``; next_sentence_label 0 = IsNext,
    1 = NotNext, IGNORE (−100) for a lone sentence with no B."""
    return {
        "input_ids": pad_rows([e.input_ids for e in examples], pad_id),                       # (B, T)
        "attention_mask": pad_rows([[1] * len(e.input_ids) for e in examples], 0),            # (B, T)
        "token_type_ids": pad_rows([e.token_type_ids for e in examples], 0),                  # (B, T)
        "next_sentence_label": torch.tensor([IGNORE if e.is_next is None else 0 if e.is_next else 1
                                             for e in examples]),                             # (B,)
    }


def _rows(batch: dict[str, Tensor], record: MaskRecord, rank: int, world: int):
    """This process's share of a batch: rows rank, rank + world, …"""
    part = {name: t[rank::world] for name, t in batch.items()}
    return part, MaskRecord(**{f.name: getattr(record, f.name)[rank::world] for f in fields(record)})


class PretrainingBatches:
    """Ready MLM + NSP batches with dynamic masking: each draw gets new masks. Iterating runs the rest of
    the current epoch; ``forever()`` runs epoch after epoch. With world_size > 1 every process builds
    and masks the same global batch and keeps its own rows, so N processes see exactly what one would."""

    def __init__(self, examples: list[PairExample], batch_size: int, mask_id: int, vocab_size: int,
                 rates: MaskingRates = BERT_RATES, seed: int = 0, shuffle: bool = True, drop_last: bool = False,
                 pad_id: int = 0, n_special: int = 5, rank: int = 0, world_size: int = 1):
        if world_size > 1 and (batch_size % world_size or not drop_last):
            raise DataError(f"With {world_size} processes the batch size must divide evenly among them "
                            f"(got {batch_size}) and drop_last must be True, so every process gets equal rows.",
                            "batch_per_process", world_size=world_size, batch_size=batch_size)
        lengths = [len(e.input_ids) for e in examples]                   # shuffled batches are bucketed by length
        self.examples, self.cursor = examples, EpochCursor(len(examples), batch_size, seed, shuffle, drop_last,
                                                           lengths)
        self.mask_id, self.vocab_size, self.rates, self.seed = mask_id, vocab_size, rates, seed
        self.pad_id, self.n_special, self.rank, self.world_size = pad_id, n_special, rank, world_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.cursor)

    def __iter__(self) -> Iterator[tuple[dict[str, Tensor], MaskRecord]]:
        for index in self.cursor.batches():
            chosen = [self.examples[i] for i in index.tolist()]
            batch = collate(chosen, self.pad_id)
            special = pad_rows([e.special_tokens_mask for e in chosen], 1).bool()     # (B, T) padding too
            corrupted, labels, record = mask_tokens(batch["input_ids"], special, self.mask_id, self.vocab_size,
                                                    self.rates, self.generator, self.n_special)
            batch.update(input_ids=corrupted, labels=labels)
            yield _rows(batch, record, self.rank, self.world_size) if self.world_size > 1 else (batch, record)

    def forever(self) -> Iterator[tuple[dict[str, Tensor], MaskRecord]]:
        while True:
            yield from self

    def state_dict(self) -> dict:
        return {**self.cursor.state_dict(), "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.cursor.load_state_dict(state)
        self.generator.set_state(state["generator"])

