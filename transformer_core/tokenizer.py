"""Word-piece tokenizers built on Hugging Face ``tokenizers``.

BERT splits text into word pieces: frequent words stay whole, rare ones break into pieces that
continue with "##" (playing → play ##ing), and Chinese is one token per character. Every sequence
is framed as ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]`` with token type ids 0 for A and 1 for B.
"""
from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _frame(tokenizer: Tokenizer) -> Tokenizer:
    """Add the [CLS] A [SEP] B [SEP] template with segment ids, as BERT expects."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def new_wordpiece(lowercase: bool = True) -> Tokenizer:
    """An untrained BERT-style tokenizer: BERT normaliser (CJK characters split apart), whitespace and
    punctuation pre-tokenizer, WordPiece model."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase, handle_chinese_chars=True,
                                                      strip_accents=None, clean_text=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tokenizer


def train_wordpiece(texts, vocab_size: int = 8000, lowercase: bool = True, min_frequency: int = 2) -> Tokenizer:
    """Train WordPiece on an iterable of strings. ``limit_alphabet`` is set to the number of distinct
    characters so that no 汉字 is dropped to [UNK] just for being rare."""
    texts = list(texts)
    alphabet = len(set("".join(texts)))
    tokenizer = new_wordpiece(lowercase)
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=SPECIALS, limit_alphabet=max(alphabet, 1000))
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return _frame(tokenizer)


def from_vocab(vocab_path, lowercase: bool = True) -> Tokenizer:
    """Load a BERT ``vocab.txt`` (one piece per line, line number = id)."""
    lines = Path(vocab_path).read_text(encoding="utf-8").splitlines()
    tokenizer = new_wordpiece(lowercase)
    tokenizer.model = models.WordPiece({piece: i for i, piece in enumerate(lines)}, unk_token="[UNK]")
    return _frame(tokenizer)


def load_tokenizer(folder) -> Tokenizer | None:
    """``tokenizer.json`` if present, else ``vocab.txt`` (honouring ``do_lower_case``), else None."""
    folder = Path(folder)
    if (folder / "tokenizer.json").is_file():
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()            # pad per batch, when asked, not every sentence to a fixed length
        return tokenizer
    if (folder / "vocab.txt").is_file():
        lowercase = True
        settings = folder / "tokenizer_config.json"
        if settings.is_file():
            lowercase = json.loads(settings.read_text(encoding="utf-8")).get("do_lower_case", True)
        return from_vocab(folder / "vocab.txt", lowercase)
    return None
