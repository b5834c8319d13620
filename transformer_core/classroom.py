"""Classroom sets: what a teacher will type, scored on a model before class.

A held-out masked-token accuracy says how a model does on its *training distribution*. A teacher types
something else: "The cat sat on the [MASK]." These functions score a model on small committed lists of
such inputs (``assets/eval/``), written for the project and never trained on:

- ``cloze_*.tsv``: one [MASK] per sentence and every acceptable answer → top-1 / top-5 hit rate;
- ``nsp_pairs.tsv``: coherent and unrelated sentence pairs → next-sentence accuracy;
- ``sentiment_clear.tsv``: sentences whose sentiment nobody would dispute → classifier accuracy.

Plus ``nsp_coherence``: held-out NSP on *consecutive sentences of one document* vs a sentence of another
document of the same corpus — coherence, not only a change of source.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

import torch

EVAL_DIR = Path(__file__).resolve().parents[1] / "assets" / "eval"
IS_NEXT = 0                       # NSP label order, as in BERT: 0 = IsNext, 1 = NotNext


def read_tsv(path) -> list[dict]:
    """Rows of a TAB-separated file with a header line (no quoting: sentences may hold quotes)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@dataclass(frozen=True)
class ClozeItem:
    sentence: str                 # with exactly one [MASK]
    answers: tuple[str, ...]      # every acceptable filler (one word / one character)
    guesses: tuple[str, ...]      # the model's top-k pieces at [MASK], best first
    rank: int | None              # 1-based rank of the first acceptable guess, None = not in the top k


def read_cloze(path) -> list[tuple[str, tuple[str, ...]]]:
    rows = [(r["sentence"], tuple(a.strip().lower() for a in r["answers"].split("|") if a.strip()))
            for r in read_tsv(path)]
    bad = [s for s, _ in rows if s.count("[MASK]") != 1]
    if bad:
        raise ValueError(f"{path}: every sentence needs exactly one [MASK]; these do not: {bad[:3]}")
    return rows


@torch.inference_mode()
def mask_guesses(model, tokenizer, sentence: str, k: int = 5) -> tuple[str, ...]:
    """The model's k most likely pieces at the sentence's [MASK]."""
    encoding = tokenizer.encode(sentence)
    mask_id = tokenizer.token_to_id("[MASK]")
    ids = torch.tensor([encoding.ids])                                           # (1, T)
    position = encoding.ids.index(mask_id)
    logits = model(ids, token_type_ids=torch.tensor([encoding.type_ids])).logits  # (1, T, V)
    top = logits[0, position].float().topk(k).indices.tolist()
    return tuple(tokenizer.id_to_token(i) for i in top)


def cloze(model, tokenizer, rows, k: int = 5) -> list[ClozeItem]:
    items = []
    for sentence, answers in rows:
        guesses = mask_guesses(model, tokenizer, sentence, k)
        wanted = {a.lower() for a in answers}
        hits = [i + 1 for i, g in enumerate(guesses) if g.lower() in wanted]
        items.append(ClozeItem(sentence, answers, guesses, hits[0] if hits else None))
    return items


def cloze_summary(items: list[ClozeItem]) -> dict:
    n = max(len(items), 1)
    return {"cloze_sentences": len(items),
            "cloze_top1": sum(i.rank == 1 for i in items) / n,
            "cloze_top5": sum(i.rank is not None and i.rank <= 5 for i in items) / n}


@torch.inference_mode()
def p_is_next(model, tokenizer, a: str, b: str) -> float:
    """P(IsNext) of the pair [CLS] A [SEP] B [SEP] from the NSP head (each side cut to fit max_len)."""
    ids, types = pair_ids(tokenizer, a, b, model.config.max_len)
    out = model(torch.tensor([ids]), token_type_ids=torch.tensor([types]))
    return out.nsp_logits[0].float().softmax(-1)[IS_NEXT].item()


def pair_ids(tokenizer, a: str, b: str, max_len: int) -> tuple[list[int], list[int]]:
    """[CLS] A [SEP] B [SEP] ids and segment ids; A keeps its end and B its start when cut (the join is
    what NSP judges)."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    ta = tokenizer.encode(a, add_special_tokens=False).ids
    tb = tokenizer.encode(b, add_special_tokens=False).ids
    room = max_len - 3
    keep_a = min(len(ta), max(room // 2, room - len(tb)))
    ta, tb = ta[len(ta) - keep_a:], tb[: room - keep_a]
    return [cls, *ta, sep, *tb, sep], [0] * (len(ta) + 2) + [1] * (len(tb) + 1)


def nsp_pairs(model, tokenizer, rows: list[dict]) -> list[tuple[dict, float, bool]]:
    """Each committed pair with P(IsNext) and whether the model's call (≥ 0.5) is right."""
    scored = []
    for row in rows:
        p = p_is_next(model, tokenizer, row["sentence_a"], row["sentence_b"])
        scored.append((row, p, (p >= 0.5) == (row["label"] == "IsNext")))
    return scored


def coherence_pairs(documents: list[list[str]], n: int, seed: int = 0) -> list[tuple[str, str, int]]:
    """Up to n pairs (A, B, label) from held-out documents: half B = the sentence after A in the same
    document (IsNext = 0), half B = a sentence of another document of the same corpus (NotNext = 1)."""
    rng = random.Random(seed)
    usable = [d for d in documents if len(d) >= 2]
    pairs = []
    for i in range(n if len(usable) >= 2 else 0):
        doc = usable[rng.randrange(len(usable))]
        at = rng.randrange(len(doc) - 1)
        if i % 2 == 0:
            pairs.append((doc[at], doc[at + 1], 0))
            continue
        other = usable[rng.randrange(len(usable))]
        while other is doc and len(usable) > 1:
            other = usable[rng.randrange(len(usable))]
        pairs.append((doc[at], other[rng.randrange(len(other))], 1))
    return pairs


def nsp_coherence(model, tokenizer, documents, n: int = 400, seed: int = 0) -> dict:
    pairs = coherence_pairs(documents, n, seed)
    right = [(p_is_next(model, tokenizer, a, b) >= 0.5) == (label == 0) for a, b, label in pairs]
    return {"nsp_coherence_pairs": len(pairs), "nsp_coherence_accuracy": sum(right) / max(len(right), 1)}


@torch.inference_mode()
def classify(model, tokenizer, texts: list[str]) -> list[list[float]]:
    """Class probabilities of each text (one at a time: no padding to reason about)."""
    probs = []
    for text in texts:
        encoding = tokenizer.encode(text)
        ids = torch.tensor([encoding.ids[: model.config.max_len]])
        probs.append(model(ids).logits[0].float().softmax(-1).tolist())
    return probs


def clear_sentences(model, tokenizer, rows: list[dict]) -> list[tuple[dict, list[float], bool]]:
    probs = classify(model, tokenizer, [r["text"] for r in rows])
    return [(r, p, max(range(len(p)), key=p.__getitem__) == int(r["label"])) for r, p in zip(rows, probs, strict=True)]


def for_language(rows: list[dict], language: str) -> list[dict]:
    return [r for r in rows if r["language"] == language]
