"""From what a learner typed to what the model reads: cleaned text → word pieces → ids, with notes.

Every explorer page goes through ``encode``, so bad input gets the same friendly treatment everywhere:
empty text is refused with a message, control characters are dropped, and text longer than the
model's ``max_len`` is cut by the tokenizer's own truncation (and the page says so) instead of crashing
the model.
Pure functions: no Streamlit here.
"""
from __future__ import annotations

import unicodedata
import weakref
from copy import deepcopy
from dataclasses import dataclass

from tokenizers import Encoding

from transformer_core.tokenizer import Piece, encoding_pieces

MAX_CHARS = 5000          # longer input is cut before tokenizing: no page needs more, and it keeps reruns fast
_TRUNCATING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # tokenizer → {max_len: truncating copy}


class InputProblem(ValueError):
    """Input the page cannot use. ``key`` names the message in the strings table, ``values`` fill it."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Encoded:
    text: str                   # sentence A as the model saw it (cleaned, maybe cut)
    pair: str | None            # sentence B, or None
    pieces: tuple[Piece, ...]   # every piece with its offsets, word and segment (see tokenizer.pieces)
    notes: tuple[tuple[str, dict], ...]   # (message key, values): what we changed and why

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.pieces]

    @property
    def tokens(self) -> list[str]:
        return [p.token for p in self.pieces]

    @property
    def type_ids(self) -> list[int]:
        return [p.segment for p in self.pieces]


def clean(text: str | None) -> tuple[str, list[tuple[str, dict]]]:
    """Drop control and format characters (keeping ordinary spaces), cut very long input, and refuse
    text with nothing left in it. Returns the cleaned text and the notes for the page."""
    notes: list[tuple[str, dict]] = []
    text = text or ""
    if len(text) > MAX_CHARS:
        notes.append(("note_chars_cut", {"n": len(text), "limit": MAX_CHARS}))
        text = text[:MAX_CHARS]
    kept = "".join(" " if c in "\t\n\r" else c for c in text
                   if c in "\t\n\r" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    if len(kept) != len(text):
        notes.append(("note_control_removed", {"n": len(text) - len(kept)}))
    kept = " ".join(kept.split())
    if not kept:
        raise InputProblem("input_empty")
    return kept, notes


def _truncating(tokenizer, max_len: int):
    """A copy of ``tokenizer`` that cuts to ``max_len`` pieces itself ("longest_first": the longer side of a pair
    loses pieces first, as BERT's truncate_seq_pair does). A copy, because the loaded tokenizer is shared by every
    session and thread: switching truncation on there would change it under the others' feet. Made once per
    tokenizer and length, and only for input that is too long."""
    by_length = _TRUNCATING.setdefault(tokenizer, {})
    if max_len not in by_length:
        copy = deepcopy(tokenizer)
        copy.enable_truncation(max_len, strategy="longest_first")
        by_length[max_len] = copy
    return by_length[max_len]


def _seen(source: str | None, full: Encoding, found: list[Piece], segment: int) -> str | None:
    """The part of one segment's text the kept pieces came from: all of it when none of its pieces was cut,
    else the text up to the end of its last kept piece."""
    ends = [p.end for p in found if p.segment == segment and not p.is_special]
    if source is None or len(ends) == sum(1 for s, special in zip(full.type_ids, full.special_tokens_mask,
                                                                     strict=True) if s == segment and not special):
        return source
    return source[:max(ends)].rstrip() if ends else ""


def encode(tokenizer, text: str | None, pair: str | None = None, max_len: int = 512) -> Encoded:
    """Clean, tokenize and (when too long) truncate to max_len pieces including [CLS]/[SEP], with the
    tokenizer's own truncation: a pair shares the budget, the longer side is cut first."""
    text, notes = clean(text)
    if pair is not None:
        pair, pair_notes = clean(pair)
        notes += pair_notes
    encoding = tokenizer.encode(text, pair)
    unk = tokenizer.token_to_id("[UNK]")
    if len(encoding) > max_len:
        notes.append(("note_truncated", {"n": len(encoding), "limit": max_len}))
        found = encoding_pieces(_truncating(tokenizer, max_len).encode(text, pair), unk)
        text, pair = _seen(text, encoding, found, 0), _seen(pair, encoding, found, 1)
    else:
        found = encoding_pieces(encoding, unk)
    if any(p.is_unknown for p in found):
        notes.append(("note_unknown", {"n": sum(p.is_unknown for p in found)}))
    return Encoded(text, pair, tuple(found), tuple(notes))
