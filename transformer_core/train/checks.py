"""Checks on a run's inputs before any training starts, each failing with a message a student can act on.

    corpus_source("en", "documents")          # a shipped corpus, or a file that exists — else DataError
    fit_max_len(128, model.config)            # → (64, "note …") when the model has fewer positions
    check_tokenizer_fits(tokenizer, texts, …) # refuses a tokenizer that turns most of the text into [UNK]
    need_one_batch(n, batch_size, …)          # refuses data smaller than a single batch
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from ..config import TransformerConfig
from ..data.corpora import SHIPPED, read_manifest
from ..errors import DataError, Phrase

MAX_UNKNOWN_SHARE = 0.30         # above this share of [UNK] word pieces the model sees mostly nothing
TOKENIZER_SAMPLE = 2000          # texts measured: enough for a share, fast on the largest corpus
CJK = re.compile(r"[\u4e00-\u9fff]")
FILE_SUFFIXES = (".txt", ".csv", ".tsv")
USE = {"documents": Phrase("pretrain", "use_pretrain"), "labelled": Phrase("finetune", "use_finetune")}


def looks_like_path(corpus: str) -> bool:
    return "/" in corpus or "\\" in corpus or corpus.lower().endswith(FILE_SUFFIXES)


def corpus_source(corpus: str, kind: str) -> Path | None:
    """The file to read, or None for a shipped corpus of the right ``kind`` ("documents" or "labelled")."""
    if Path(corpus).is_file():
        return Path(corpus)
    if looks_like_path(corpus):
        raise DataError(f"Corpus file {corpus} was not found. Check the path, or use a shipped corpus: "
                        f"{', '.join(SHIPPED)}.", "corpus_file_missing", corpus=corpus, shipped=', '.join(SHIPPED))
    shipped = {name: entry["kind"] for name, entry in read_manifest()["corpora"].items()}
    fitting = [name for name, k in shipped.items() if k == kind]
    if corpus not in shipped:
        raise DataError(f"There is no corpus called {corpus!r}. Shipped corpora for {USE[kind]}: "
                        f"{', '.join(fitting)}; or give the path of your own file.", "no_such_corpus",
                        corpus=corpus, use=USE[kind], fitting=', '.join(fitting))
    if shipped[corpus] != kind:
        raise DataError(f"{corpus!r} is a corpus for {USE[shipped[corpus]]}, not for {USE[kind]}. "
                        f"Shipped corpora for {USE[kind]}: {', '.join(fitting)}.", "corpus_other_use",
                        corpus=corpus, its_use=USE[shipped[corpus]], use=USE[kind], fitting=', '.join(fitting))
    return None


def fit_max_len(requested: int, model: TransformerConfig) -> tuple[int, str]:
    """A pretrained model has a fixed number of positions: cut the texts to ``min(requested, model's)``.
    Returns (max_len to use, a note for the log — empty when nothing changed)."""
    if model.position == "rotary" or requested <= model.max_len:
        return requested, ""
    return model.max_len, (f"note: max_len {requested} is more than the pretrained model's {model.max_len} "
                           f"positions, so texts are cut to {model.max_len} tokens.")


def unknown_share(tokenizer, texts) -> float:
    """Share of the word pieces (specials not counted) that the tokenizer could only write as [UNK]."""
    unk = tokenizer.token_to_id("[UNK]")
    pieces = unknown = 0
    for encoding in tokenizer.encode_batch(list(texts)[:TOKENIZER_SAMPLE], add_special_tokens=False):
        pieces += len(encoding.ids)
        unknown += sum(i == unk for i in encoding.ids)
    return unknown / pieces if pieces else 0.0


def check_tokenizer_fits(tokenizer, texts: list[str], corpus: str, source: str) -> None:
    """Refuse a tokenizer trained on other text (often another language): its [UNK]s carry no meaning."""
    share = unknown_share(tokenizer, texts)
    if share <= MAX_UNKNOWN_SHARE:
        return
    example = ("--corpus zh" if any(CJK.search(t) for t in texts[:50])
               else Phrase("--corpus <a text file in it>", "example_own_corpus"))
    raise DataError(f"{share:.0%} of the word pieces of {corpus} are [UNK] with the tokenizer of {source}: that "
                    f"tokenizer was trained on other text (another language?), so the model would learn "
                    f"nothing from these texts. Pretrain on this language first, e.g. {example}, and start "
                    f"from that folder.", "mostly_unknown", share=share, corpus=corpus, source=source,
                    example=example)


def need_one_batch(n: int, batch_size: int, what: str, advice: str) -> None:
    """Training skips an incomplete last batch, so at least ``batch_size`` examples are needed."""
    if n < batch_size:
        raise DataError(f"Only {n} {what} for training, but one batch needs {batch_size}. {advice}",
                        "less_than_a_batch", n=n, what=what, batch_size=batch_size, advice=advice)


def pairs_for_one_batch(batch_size: int, train_share: float = 0.8) -> int:
    """About how many generated seq2seq pairs give ``batch_size`` training pairs (the rest are held out)."""
    return math.ceil(batch_size / train_share)
