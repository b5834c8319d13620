"""A vocabulary of single characters, for the toy sequence-to-sequence tasks.

It sits beside ``tokenizer.py`` (WordPiece for BERT): both turn text into ids, and checkpoint loading
needs either one without reaching into ``data/``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError


class CharVocab:
    """One token per character, after four specials: [PAD]=0, [BOS]=1, [EOS]=2, [UNK]=3.

    Characters are enough for these tasks (and show the idea without a tokenizer). Build one vocab
    for both sides, or separate source and target vocabs with ``side=``.
    """

    SPECIALS = ("[PAD]", "[BOS]", "[EOS]", "[UNK]")

    def __init__(self, chars):
        self.tokens = list(self.SPECIALS) + sorted(set(chars) - set(self.SPECIALS))
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def from_pairs(cls, pairs, side: str = "both") -> CharVocab:
        """``side`` = "source", "target" or "both"."""
        if side not in ("source", "target", "both"):
            raise DataError(f"side must be 'source', 'target' or 'both'; got {side!r}.", "vocab_side", side=side)
        chosen = [s for pair in pairs for k, s in zip(("source", "target"), pair, strict=True) if side in (k, "both")]
        return cls("".join(chosen))

    pad_id = property(lambda self: 0, doc="padding, ignored by the loss")
    bos_id = property(lambda self: 1, doc="begin-of-sequence: the decoder's first input")
    eos_id = property(lambda self: 2, doc="end-of-sequence: decoding stops here")
    unk_id = property(lambda self: 3, doc="a character never seen when the vocab was built")

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = [self.index.get(ch, self.unk_id) for ch in text]
        return [self.bos_id] * add_bos + ids + [self.eos_id] * add_eos

    def decode(self, ids) -> str:
        """Skips [PAD] and [BOS], stops at the first [EOS], shows unknown characters as [UNK]."""
        out = []
        for i in map(int, ids):
            if i == self.eos_id:
                break
            if i not in (self.pad_id, self.bos_id):
                out.append(self.tokens[i] if 0 <= i < len(self.tokens) else "[UNK]")
        return "".join(out)

    def save(self, path) -> None:
        Path(path).write_text(json.dumps({"tokens": self.tokens}, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path) -> CharVocab:
        try:
            tokens = json.loads(Path(path).read_text(encoding="utf-8"))["tokens"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            raise DataError(f"{path} is not a vocab file saved by CharVocab.save ({error}).", "vocab_unreadable",
                            path=path, error=error) from error
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise DataError(f"{path} is not a vocab file saved by CharVocab.save (its tokens are not a list of "
                            "strings).", "vocab_not_strings", path=path)
        if tokens[:4] != list(CharVocab.SPECIALS):
            raise DataError(f"{path} does not start with the specials {CharVocab.SPECIALS}.", "vocab_specials",
                            path=path, specials=CharVocab.SPECIALS)
        vocab = cls([])
        vocab.tokens, vocab.index = tokens, {t: i for i, t in enumerate(tokens)}
        return vocab


@dataclass(frozen=True)
class CharPair:
    """An encoder-decoder's two character vocabularies: what it reads and what it writes (often one and the same)."""

    source: CharVocab      # the encoder's input characters
    target: CharVocab      # the decoder's output characters ([BOS] starts, [EOS] stops)
