"""Word-piece tokenizers built on Hugging Face ``tokenizers``.

BERT splits text into word pieces: frequent words stay whole, rare ones break into pieces that
continue with "##" (playing → play ##ing), and Chinese is one token per character. Every sequence
is framed as ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]`` with token type ids 0 for A and 1 for B.

Besides training and loading, this file has the small helpers the app needs to *show* tokenization:
``pieces`` (every piece with its id, characters and word), ``word_pieces`` (which pieces make each
word) and ``special_ids``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tokenizers import Encoding, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from .errors import CheckpointError, DataError, Phrase
from .model_folder import model_file, read_object, read_text

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_VOCAB = 200_000          # far above any BERT (30,522 English, 21,128 Chinese); beyond it is a typo
MAX_WORD_CHARS = 100         # WordPiece reads a longer word as one [UNK] (max_input_chars_per_word), so training
                             # on it learns nothing; and training time grows with the square of a word's length:
                             # an upload of two 2.4M-character "words" kept the trainer busy for over 5 minutes
_LONG_RUN = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")   # a longer word can only stand inside such a run


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


# ── training ─────────────────────────────────────────────────────────────────────────────────────────

@dataclass
class _Found:
    """What a pass over the training text found: its distinct characters after normalisation (lower-casing,
    CJK split), spaces left out — every one needs its own entry or it could only ever be [UNK] — those that
    also occur inside a word, which need a continuation piece "##c" too, and the words left out as too long."""
    alphabet: set[str] = field(default_factory=set)
    inside: set[str] = field(default_factory=set)
    long_words: int = 0


def drop_long_words(line: str, lowercase: bool = True) -> tuple[str, int]:
    """``line`` without its words (as the tokenizer cuts words) of more than MAX_WORD_CHARS characters, and how
    many it had. Judged run by run of non-spaces: a long run whose words are all short (a web address: cut at
    its punctuation; Chinese: a word per character) stays as written; a run holding a long word goes, with
    the few characters glued to it. A line without a long run, nearly every line, costs one regex search."""
    if not _LONG_RUN.search(line):
        return line, 0
    splitter, dropped = _splitter(lowercase), 0

    def judged(run: re.Match) -> str:
        nonlocal dropped
        words = splitter.pre_tokenizer.pre_tokenize_str(splitter.normalizer.normalize_str(run.group()))
        long = sum(len(word) > MAX_WORD_CHARS for word, _ in words)
        dropped += long
        return "" if long else run.group()
    return _LONG_RUN.sub(judged, line), dropped


@lru_cache(maxsize=2)
def _splitter(lowercase: bool) -> Tokenizer:
    """A tokenizer used only for its normaliser and pre-tokenizer (what a trained one would call a word)."""
    return new_wordpiece(lowercase)


def _trainable(lines: Iterable[str], tokenizer: Tokenizer, found: _Found) -> Iterator[str]:
    """Each line as the trainer should see it (words too long to ever be a piece left out), counting into
    ``found`` on the way."""
    for line in lines:
        line, dropped = drop_long_words(line, tokenizer.normalizer.lowercase)
        found.long_words += dropped
        normal = tokenizer.normalizer.normalize_str(line)
        found.alphabet.update("".join(normal.split()))            # spaces left out, at C speed
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(normal):
            found.inside.update(word[1:])
        yield line


def _check_vocab_size(vocab_size: int, found: _Found) -> None:
    """The vocabulary has to hold the 5 specials and every character; more than MAX_VOCAB is a slip."""
    alphabet, inside = found.alphabet, found.inside
    if not alphabet and found.long_words:
        n, limit = found.long_words, MAX_WORD_CHARS
        raise DataError(f"Every word of the training text is longer than {limit} characters ({n:,} such words), "
                        "and a tokenizer reads such a word as one [UNK]. Give it text with spaces between words.",
                        "only_long_words", limit=limit, n=n)
    if not alphabet:
        raise DataError("The training text is empty (or only spaces and line breaks). "
                        "Give the tokenizer some real sentences to learn word pieces from.", "no_training_text")
    smallest = len(SPECIALS) + len(alphabet) + len(inside)
    if vocab_size < smallest:
        raise DataError(f"vocab_size={vocab_size} is too small: the 5 special tokens, the {len(alphabet)} "
                        f"distinct characters of this text and their {len(inside)} word-continuation pieces "
                        f"(##c) already need {smallest} entries. Choose vocab_size ≥ {smallest}.", "vocab_too_small",
                        vocab_size=vocab_size, chars=len(alphabet), pieces=len(inside), smallest=smallest)
    if vocab_size > MAX_VOCAB:
        raise DataError(f"vocab_size={vocab_size:,} is too large (the limit is {MAX_VOCAB:,}; "
                        f"BERT itself uses 30,522). Choose a smaller vocabulary.", "vocab_too_large",
                        vocab_size=vocab_size, MAX_VOCAB=MAX_VOCAB)


def _trainer(vocab_size: int, min_frequency: int, alphabet: set[str], inside: set[str]) -> trainers.WordPieceTrainer:
    """``limit_alphabet`` ≥ the number of distinct characters, so no 汉字 is dropped to [UNK] for being rare.

    The "##c" pieces are handed over up front, in sorted order. Left to itself the trainer creates them
    in hash-map order, which changes from process to process, and breaks ties between equally frequent
    merges by those ids — so the same text gave a different vocabulary in every run
    (huggingface/tokenizers#1794). Fixed ids make training reproducible."""
    seeds = sorted("##" + c for c in inside)
    return trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                     special_tokens=SPECIALS + seeds, limit_alphabet=max(len(alphabet), 1000),
                                     show_progress=False)


def _finish(trained: Tokenizer, lowercase: bool) -> Tokenizer:
    """The trained vocabulary in a fresh tokenizer, where only the 5 real specials are special
    (the seeded "##c" pieces were passed as special tokens only to fix their ids)."""
    tokenizer = new_wordpiece(lowercase)
    tokenizer.model = models.WordPiece(trained.get_vocab(), unk_token="[UNK]")
    tokenizer.add_special_tokens(SPECIALS)
    return _frame(tokenizer)


def train_wordpiece(texts, vocab_size: int = 8000, lowercase: bool = True, min_frequency: int = 2) -> Tokenizer:
    """Train WordPiece on an iterable of strings (held in memory; for big corpora use
    ``train_wordpiece_from_files``). DataError for empty text or a vocab size out of range.

    The same text gives the same vocabulary in every process (see ``_trainer``)."""
    tokenizer, found = new_wordpiece(lowercase), _Found()
    texts = list(_trainable(texts, tokenizer, found))
    _check_vocab_size(vocab_size, found)
    tokenizer.train_from_iterator(texts, trainer=_trainer(vocab_size, min_frequency, found.alphabet, found.inside))
    return _finish(tokenizer, lowercase)


def _read_lines(paths: list[Path]) -> Iterator[str]:
    """Stream the files line by line, so a corpus never has to fit in memory."""
    for path in paths:
        try:
            with path.open(encoding="utf-8") as f:
                yield from f
        except UnicodeDecodeError as err:
            raise DataError(f"{path.name} is not UTF-8 text (byte {err.start} cannot be read). "
                            "Save it as UTF-8 and try again.", "file_not_utf8", name=path.name, byte=err.start,
                            save_as="UTF-8") from None


def train_wordpiece_from_files(paths, vocab_size: int = 8000, lowercase: bool = True,
                               min_frequency: int = 2) -> Tokenizer:
    """Train WordPiece on text files, streaming: one pass counts the alphabet (and checks the files
    are readable UTF-8 with some text), then ``tokenizers`` reads the files itself, in Rust — or, when
    some words are too long to train on, a second pass streams the lines without them."""
    paths = [Path(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
    missing = [str(p) for p in paths if not p.is_file()]
    if not paths or missing:
        where = ', '.join(missing) or Phrase("(no paths given)", "no_paths_given")
        raise DataError(f"No training file found at: {where}.", "no_training_file", where=where)
    tokenizer, found = new_wordpiece(lowercase), _Found()
    for _ in _trainable(_read_lines(paths), tokenizer, found):
        pass
    _check_vocab_size(vocab_size, found)
    trainer = _trainer(vocab_size, min_frequency, found.alphabet, found.inside)
    if found.long_words:       # the lines are read by the trainer's thread while it holds ``tokenizer``: they are
        lines = _trainable(_read_lines(paths), new_wordpiece(lowercase), _Found())   # scanned with another one
        tokenizer.train_from_iterator(lines, trainer=trainer)
    else:
        tokenizer.train([str(p) for p in paths], trainer=trainer)
    return _finish(tokenizer, lowercase)


# ── loading ──────────────────────────────────────────────────────────────────────────────────────────

def from_vocab(vocab_path, lowercase: bool = True) -> Tokenizer:
    """Load a BERT ``vocab.txt`` (one piece per line, line number = id)."""
    vocab_path = Path(vocab_path)
    return _from_lines(read_text(vocab_path).splitlines(), lowercase, vocab_path.parent)


def _from_lines(lines: list[str], lowercase: bool, folder: Path) -> Tokenizer:
    tokenizer = new_wordpiece(lowercase)
    vocab = {piece: i for i, piece in enumerate(lines)}
    _check_specials([name for name in ("[CLS]", "[SEP]") if name not in vocab], folder)   # what _frame needs
    tokenizer.model = models.WordPiece(vocab, unk_token="[UNK]")
    tokenizer.add_special_tokens([name for name in SPECIALS if name in vocab])   # "[MASK]" typed in text stays
    return _frame(tokenizer)                                                      # one piece, as in HF's tokenizer


def load_tokenizer(folder) -> Tokenizer | None:
    """``tokenizer.json`` if present, else ``vocab.txt`` (honouring ``do_lower_case``), else None. Only the
    folder's own files are read (model_folder.py); a file that cannot be used is a CheckpointError."""
    folder = Path(folder)
    path = model_file(folder, "tokenizer.json")
    if path is not None:
        text = read_text(path)
        try:
            tokenizer = Tokenizer.from_str(text)
        except Exception as err:  # noqa: BLE001 - the Rust library raises a bare Exception for any bad file
            reason = str(err)[:200]
            raise CheckpointError(f"{path} is not a tokenizer file this lab can read ({reason}).",
                                  "tokenizer_unreadable", path=path, reason=reason) from None
        tokenizer.no_padding()            # pad per batch, when asked, not every sentence to a fixed length
        return tokenizer
    path = model_file(folder, "vocab.txt")
    if path is None:
        return None
    lowercase = True
    settings = model_file(folder, "tokenizer_config.json")
    if settings is not None:
        lowercase = read_object(settings).get("do_lower_case", True)
        if not isinstance(lowercase, bool):
            raise CheckpointError(f"{settings}: do_lower_case must be true or false, not {lowercase!r}.",
                                  "bad_lower_case", settings=settings, lowercase=lowercase)
    return from_vocab(path, lowercase)


def _check_specials(missing: list[str], folder) -> None:
    if missing:
        names = ", ".join(missing)
        raise CheckpointError(f"The tokenizer in {folder} has no {names}: it is not a BERT vocabulary, whose special "
                              "tokens the pages need.", "tokenizer_no_specials", folder=folder, names=names)


def check_tokenizer(tokenizer: Tokenizer, vocab_size: int, folder) -> None:
    """A model's tokenizer must fit its model: BERT's five special tokens, and no id past the embedding table
    (a piece with a larger id would fail on every page that reads it)."""
    _check_specials([name for name in SPECIALS if tokenizer.token_to_id(name) is None], folder)
    n_pieces = max(tokenizer.get_vocab(with_added_tokens=True).values()) + 1
    if n_pieces > vocab_size:
        raise CheckpointError(f"The tokenizer in {folder} has {n_pieces:,} word pieces but the model only "
                              f"{vocab_size:,} rows of embeddings: the tokenizer belongs to another model.",
                              "tokenizer_too_big", folder=folder, n_pieces=n_pieces, vocab_size=vocab_size)


# ── helpers for the UI ───────────────────────────────────────────────────────────────────────────────

def special_ids(tokenizer: Tokenizer) -> dict[str, int]:
    """{"pad", "unk", "cls", "sep", "mask"} → id. DataError if the vocabulary lacks one of them."""
    ids = {name.strip("[]").lower(): tokenizer.token_to_id(name) for name in SPECIALS}
    missing = [f"[{name.upper()}]" for name, i in ids.items() if i is None]
    if missing:
        raise DataError(f"This tokenizer's vocabulary has no {', '.join(missing)} token, which BERT needs.",
                        "missing_specials", missing=', '.join(missing))
    return ids


@dataclass(frozen=True)
class Piece:
    id: int                    # row of the embedding table
    token: str                 # the piece as written in the vocabulary ("play", "##ing", "注", "[CLS]")
    start: int | None          # character offsets into the original text (into `pair` when segment is 1);
    end: int | None            #   text[start:end] is what this piece came from. None for [CLS]/[SEP]
    word_index: int | None     # which word of its segment (counting from 0); None for specials
    segment: int               # token type id: 0 for sentence A (and [CLS]), 1 for sentence B
    is_special: bool           # [CLS], [SEP], … added by the template, not from the text
    is_unknown: bool           # [UNK]: a word the vocabulary cannot spell


def pieces(tokenizer: Tokenizer, text: str, pair: str | None = None) -> list[Piece]:
    """Every piece of the encoded text (or pair), in order, with the characters it came from."""
    return encoding_pieces(tokenizer.encode(text, pair), tokenizer.token_to_id("[UNK]"))


def encoding_pieces(enc: Encoding, unk: int | None) -> list[Piece]:
    """``pieces`` of an Encoding the tokenizer already made (e.g. cut to a length by its own truncation)."""
    return [Piece(id=i, token=tok, start=None if special else start, end=None if special else end,
                  word_index=word, segment=seg, is_special=bool(special), is_unknown=i == unk)
            for i, tok, (start, end), word, seg, special in zip(
                enc.ids, enc.tokens, enc.offsets, enc.word_ids, enc.type_ids, enc.special_tokens_mask,
                strict=True)]


@dataclass(frozen=True)
class WordSpan:
    segment: int               # 0 = text, 1 = pair
    word_index: int            # which word of its segment
    text: str                  # the word as written in the original text
    start: int                 # character offsets into the original text (or pair)
    end: int
    piece_indices: tuple[int, ...]   # positions in `pieces(...)` (and in the ids) that spell this word


def word_pieces(tokenizer: Tokenizer, text: str, pair: str | None = None) -> list[WordSpan]:
    """Word ↔ piece alignment: for each word, the pieces it became ("playing" → (3, 4) for play ##ing).
    The other direction is ``Piece.word_index``. Chinese characters are words of their own."""
    words: dict[tuple[int, int], list[int]] = {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for index, piece in enumerate(pieces(tokenizer, text, pair)):
        if piece.word_index is None:
            continue
        key = (piece.segment, piece.word_index)
        words.setdefault(key, []).append(index)
        start, end = spans.get(key, (piece.start, piece.end))
        spans[key] = (min(start, piece.start), max(end, piece.end))
    sources = (text, pair)
    return [WordSpan(segment=seg, word_index=w, text=sources[seg][spans[seg, w][0]:spans[seg, w][1]],
                     start=spans[seg, w][0], end=spans[seg, w][1], piece_indices=tuple(indices))
            for (seg, w), indices in words.items()]
