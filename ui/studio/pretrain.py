"""The pretraining studio's logic: corpus, tokenizer, a sample of the data as BERT sees it, and what
to capture at each checkpoint. Pure functions (no Streamlit), unit-tested in tests/test_studio_pretrain.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from transformer_core.data.corpora import SHIPPED_ROOT, format_documents, load_documents, read_manifest, split_of
from transformer_core.data.files import MAX_CORPUS_BYTES, read_corpus_file
from transformer_core.data.masking import MaskingRates, mask_tokens
from transformer_core.data.pretraining import make_nsp_examples
from transformer_core.data.text import split_single_lines
from transformer_core.errors import DataError
from transformer_core.tokenizer import MAX_WORD_CHARS, drop_long_words, special_ids, train_wordpiece

from ..language import script_of
from .plans import LIMITS

UPLOAD_LIMIT_MB = 5                          # what the studio accepts: minutes of training, not hours
UPLOAD_LIMIT = min(MAX_CORPUS_BYTES, UPLOAD_LIMIT_MB * 1_000_000)
DRIFT_TOKENS = 120                           # how many frequent pieces the embedding-drift view follows
VOCAB_SIZE = 4000          # room for the thousands of characters of Chinese text, and for any upload
LATIN_VOCAB_SIZE = 2000    # a shipped corpus in Latin letters reuses its pieces: half the room is enough


def shipped_corpora() -> list[str]:
    """The shipped corpora made of documents (for pretraining), e.g. ["en", "zh"]."""
    return [name for name, entry in read_manifest()["corpora"].items() if entry["kind"] == "documents"]


def corpus_stats(documents: list[list[str]]) -> dict:
    lines = [line for doc in documents for line in doc]
    return {"documents": len(documents), "lines": len(lines), "characters": sum(map(len, lines))}


def read_upload(data: bytes) -> list[list[str]]:
    """An uploaded .txt → documents; DataError (too big, empty, binary, not UTF-8, one document)."""
    return read_corpus_file(bytes(data), max_bytes=UPLOAD_LIMIT)


def without_long_words(documents: list[list[str]]) -> tuple[list[list[str]], int]:
    """(the documents without their words of more than MAX_WORD_CHARS characters, how many there were). A
    tokenizer reads such a word as one [UNK], and WordPiece training time grows with the square of a word's
    length (two 2.4M-character words: over 5 minutes), so an upload loses them before anything is trained.
    Lines and documents left empty go too; DataError when fewer than two documents are left."""
    kept, dropped = [], 0
    for document in documents:
        lines = []
        for line in document:
            line, n = drop_long_words(line)
            dropped += n
            lines += [line] if line.strip() else []
        kept += [lines] if lines else []
    if dropped and len(kept) < 2:
        n, limit, left = dropped, MAX_WORD_CHARS, len(kept)
        raise DataError(f"Without its {n:,} words of more than {limit} characters (a tokenizer reads each as one "
                        f"[UNK]), the uploaded text holds {left} document(s); next-sentence prediction needs at "
                        "least two. Upload text with spaces between its words.", "long_words_too_little_left",
                        n=n, limit=limit, left=left)
    return kept, dropped


def upload_text(documents: list[list[str]]) -> bytes:
    """What we write into the session's workspace: the cleaned documents in the corpus format."""
    return format_documents(documents).encode("utf-8")


def split_upload(documents: list[list[str]]) -> tuple[list, list]:
    """(train, held-out) documents by a hash of each document (about 90 / 10, as the shipped corpora), so
    the curves get held-out scores too. Small uploads (< 20 documents, or a side with < 2) all train."""
    held = [d for d in documents if split_of(" ".join(d)) != "train"]
    train = [d for d in documents if split_of(" ".join(d)) == "train"]
    if len(documents) < 20 or len(held) < 2 or len(train) < 2:
        return documents, []
    return train, held


def documents_of(corpus: str) -> list[list[str]]:
    """A shipped corpus by name, or the workspace file the page saved an upload to."""
    if corpus in shipped_corpora():
        return load_documents(corpus, "train")
    return read_corpus_file(corpus)


def default_vocab_size(name: str, documents: list[list[str]]) -> int:
    """The vocabulary size the page starts with: ``name`` is a shipped corpus's name or "upload"."""
    latin = name != "upload" and script_of(documents[0][0]) == "en"
    return LATIN_VOCAB_SIZE if latin else VOCAB_SIZE


def shipped_tokenizer_path(corpus: str, vocab_size: int, root: Path | None = None) -> Path:
    """Where ``python -m tools.ship_tokenizers`` writes the tokenizer of a shipped corpus at one size. The
    name carries the start of the training file's checksum (MANIFEST.json), so a rebuilt corpus never meets
    a tokenizer trained on its old text: the page then trains one, as for any other size."""
    root = Path(root) if root is not None else SHIPPED_ROOT
    sha = read_manifest(root)["corpora"][corpus]["files"]["train"]["sha256"][:12]
    return root / corpus / f"tokenizer-{vocab_size}-{sha}.json"


def shipped_tokenizer(corpus: str, vocab_size: int) -> Tokenizer | None:
    """The tokenizer ``train_tokenizer`` would train on a shipped corpus, precomputed (the page is usable at
    once instead of after seconds of training; tests/test_shipped_tokenizers.py checks it is identical), or
    None for an upload, another size, or a corpus whose text changed since."""
    if corpus not in shipped_corpora():
        return None
    path = shipped_tokenizer_path(corpus, vocab_size)
    return Tokenizer.from_file(str(path)) if path.is_file() else None


def train_tokenizer(documents: list[list[str]], vocab_size: int):
    """WordPiece on the corpus' lines (DataError when the size cannot work for this text, or when the text
    is too uniform to give the model the smallest vocabulary the studio builds)."""
    tokenizer = train_wordpiece((line for doc in documents for line in doc), vocab_size=vocab_size)
    learned, least = tokenizer.get_vocab_size(), LIMITS["vocab_size"][0]
    if learned < least:                 # e.g. a million one-letter documents: 6 pieces, not a model's vocabulary
        raise DataError(f"The tokenizer learned only {learned} pieces from this text; a model here needs at least "
                        f"{least}. The text has too few different characters and words: upload real sentences.",
                        "too_few_pieces", learned=learned, least=least)
    return tokenizer


# ── the data as BERT sees it ─────────────────────────────────────────────────────────────────────────

def fates(special, record) -> list[str]:
    """What masking did to each token of row 0: "special", "mask", "random", "kept" or "" (not chosen)."""
    fate = []
    for i in range(special.shape[1]):
        if special[0, i]:
            fate.append("special")
        elif record.to_mask[0, i]:
            fate.append("mask")
        elif record.to_random[0, i]:
            fate.append("random")
        elif record.kept[0, i]:
            fate.append("kept")
        else:
            fate.append("")
    return fate


def masking_sample(documents, tokenizer, max_len: int, rates: MaskingRates, seed: int) -> dict:
    """One NSP pair and its MLM corruption, token by token, as ``figures.masking_figure`` wants it:
    {pieces, shown, fate, segments, is_next, sentences_a, sentences_b}."""
    examples = make_nsp_examples(split_single_lines(documents[:40]), tokenizer, max_len, seed=seed)
    example = examples[seed % len(examples)]
    ids = torch.tensor([example.input_ids])                                          # (1, T)
    special = torch.tensor([example.special_tokens_mask]).bool()                     # (1, T)
    generator = torch.Generator().manual_seed(seed)
    corrupted, _, record = mask_tokens(ids, special, special_ids(tokenizer)["mask"], tokenizer.get_vocab_size(),
                                       rates, generator)
    fate = fates(special, record)
    return {"pieces": [tokenizer.id_to_token(i) for i in example.input_ids],
            "shown": [tokenizer.id_to_token(i) for i in corrupted[0].tolist()],
            "fate": fate, "segments": list(example.token_type_ids), "is_next": example.is_next,
            "sentences_a": example.sentences_a, "sentences_b": example.sentences_b}


# ── what each checkpoint keeps for the time-lapse ────────────────────────────────────────────────────

def drift_ids(tokenizer, documents, n: int = DRIFT_TOKENS) -> list[int]:
    """The ``n`` most frequent whole-word pieces of the corpus (not specials, not ##pieces): words a
    learner recognises, so that clusters forming in the embedding plot mean something."""
    counts: dict[int, int] = {}
    lines = [line for doc in documents[:400] for line in doc]
    for enc in tokenizer.encode_batch(lines, add_special_tokens=False):
        for i, piece in zip(enc.ids, enc.tokens, strict=True):
            if not piece.startswith("##") and piece not in ("[UNK]",):
                counts[i] = counts.get(i, 0) + 1
    return [i for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def embedding_capture(ids: list[int], tokens: list[str]):
    """A capture function for LiveRun: the word-embedding rows of ``ids`` (pieces ``tokens``) at each
    checkpoint."""
    index = torch.tensor(ids, dtype=torch.long)

    def capture(model, parts) -> dict:
        table = model.bert.embeddings.word.weight.detach()                          # (V, D)
        return {"embeddings": table[index.to(table.device)].float().cpu().numpy(),  # (N, D)
                "tokens": list(tokens)}
    return capture


def drift_frames(frames) -> list[tuple[int, np.ndarray]]:
    return [(f.step, f.data["embeddings"]) for f in frames if "embeddings" in f.data]

