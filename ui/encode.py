"""From what a learner typed to what the model reads: cleaned text → word pieces → ids, with notes.

Every explorer page goes through ``encode``, so bad input gets the same friendly treatment everywhere:
empty text is refused with a message, control characters are dropped, and text longer than the
model's ``max_len`` is cut at a piece boundary (and the page says so) instead of crashing the model.
Pure functions: no Streamlit here.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from transformer_core.tokenizer import Piece, pieces

MAX_CHARS = 5000          # longer input is cut before tokenizing: no page needs more, and it keeps reruns fast


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


def _cut_to(tokenizer, text: str, pair: str | None, n_pieces: int, segment: int) -> str:
    """The longest prefix of one segment's text whose pieces, counted in the encoded pair, fit n_pieces."""
    source = text if segment == 0 else pair
    own = [p for p in pieces(tokenizer, text, pair) if p.segment == segment and not p.is_special]
    if len(own) <= n_pieces:
        return source
    end = own[n_pieces - 1].end if n_pieces > 0 else 0
    return source[:end].rstrip()


def encode(tokenizer, text: str | None, pair: str | None = None, max_len: int = 512) -> Encoded:
    """Clean, tokenize and (when too long) truncate to max_len pieces including [CLS]/[SEP].
    A pair shares the budget: the longer side is cut first, as BERT's truncate_seq_pair does."""
    text, notes = clean(text)
    if pair is not None:
        pair, pair_notes = clean(pair)
        notes += pair_notes
    found = pieces(tokenizer, text, pair)
    if len(found) > max_len:
        n_special = sum(p.is_special for p in found)
        a = sum(1 for p in found if p.segment == 0 and not p.is_special)
        b = len(found) - n_special - a
        room = max_len - n_special
        while a + b > room:                   # trim the longer side one piece at a time
            a, b = (a - 1, b) if a >= b else (a, b - 1)
        new_text, new_pair = _cut_to(tokenizer, text, pair, a, 0), pair
        if pair is not None:
            new_pair = _cut_to(tokenizer, new_text, pair, b, 1)
        for _ in range(8):                    # a cut mid-word can re-split into one more piece: shave again
            found = pieces(tokenizer, new_text, new_pair)
            if len(found) <= max_len:
                break
            new_text = _cut_to(tokenizer, new_text, new_pair, max(0, a - 1), 0)
            a -= 1
        notes.append(("note_truncated", {"n": len(pieces(tokenizer, text, pair)), "limit": max_len}))
        text, pair = new_text, new_pair
    if any(p.is_unknown for p in found):
        notes.append(("note_unknown", {"n": sum(p.is_unknown for p in found)}))
    return Encoded(text, pair, tuple(found), tuple(notes))
