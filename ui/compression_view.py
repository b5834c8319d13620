"""Compression page: each method applied to a shipped BERT, measured here — size on disk, parameters, the latency
of one forward at T = 64, and the task's score — as a table, a size-vs-quality scatter and honest notes.

Pure: models in, rows / figures / strings out. The core does the compressing (transformer_core/compress.py).
Scores: a masked LM on held-out text of its language (the shipped corpus's validation split, masked as in
pretraining, fixed seed) and the classroom cloze set; a sentiment classifier on the test split of the shipped
labelled corpus and the committed clear sentences. Head importance is measured on *training* data, never on
what is scored.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from transformer_core import classroom
from transformer_core import compress as cz
from transformer_core.bert import IGNORE

from .i18n import TERMS, Scope
from .layer_view import BLUE, GREY, ORANGE, tidy

TEXT = Scope("compression")
T_LATENCY = 64                   # tokens in the timed forward
REPEATS = 5                      # timed forwards; the median is shown
BATCHES, BATCH, MAX_LEN = 4, 16, 64   # held-out MLM data: 4 batches of 16 sequences of ≤ 64 pieces
ROWS = 120                       # sentiment: at most this many test rows
DISTILLATION = classroom.EVAL_DIR / "distillation_en.json"
LIVE_RUN = {"steps": 8, "batch_size": 8, "eval_batches": 3,        # the page's tiny re-run: seconds, not minutes
            "student": {"n_layers": 1, "d_model": 64, "n_heads": 2, "d_ff": 128}}
KNOBBED = {"prune_heads": "k", "low_rank": "r", "factor_embeddings": "e"}


@dataclass(frozen=True)
class Row:
    method: str               # one of compress.METHODS
    knob: int | None          # k heads, rank r or width E
    disk_bytes: int
    parameters: int
    latency_ms: float         # median of REPEATS forwards at T_LATENCY, this machine, now
    latency_ratio: float      # ÷ the original's median, timed in turns with it (robust to a busy machine)
    score: float              # the task's main score: held-out masked top-1, or test-split accuracy
    second: float             # cloze top-1, or clear-sentence accuracy


def task_of(source) -> str:
    """"mlm" for a model with an MLM head, else "sentiment" (a classifier)."""
    return "mlm" if source.has_mlm else "sentiment"


# ------------------------------------------------------------------------------------ data
def mlm_batches(tokenizer, lang: str, split: str, n: int = BATCHES, seed: int = 0, documents: int = 400,
                max_len: int = MAX_LEN) -> list[dict]:
    """n batches of masked held-out (or training) text of the shipped corpus of ``lang`` (its first
    ``documents`` documents), masked as in pretraining."""
    from transformer_core.data.corpora import load_documents
    from transformer_core.data.pretraining import MaskingRates, PretrainingBatches, make_nsp_examples
    from transformer_core.data.text import split_single_lines
    from transformer_core.tokenizer import special_ids
    docs = split_single_lines(load_documents(lang if lang in ("en", "zh") else "en", split)[:documents])
    examples = make_nsp_examples(docs, tokenizer, min(max_len, MAX_LEN), seed)
    ids = special_ids(tokenizer)
    batches = PretrainingBatches(examples, BATCH, ids["mask"], tokenizer.get_vocab_size(), MaskingRates(), seed,
                                 shuffle=True, drop_last=True, pad_id=ids["pad"])
    return [item[0] for item in itertools.islice(batches, n)]


def labelled(lang: str, split: str, limit: int = ROWS) -> tuple[list[str], list[int]]:
    from transformer_core.data.corpora import load_labelled
    corpus = "sentiment-zh" if lang == "zh" else "sentiment-en-small"   # labelled reviews in the model's language
    texts, labels, _ = load_labelled(corpus, split)
    return texts[:limit], labels[:limit]


def _inputs(batch: dict) -> dict:
    return {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


@torch.inference_mode()
def masked_top1(model, batches: list[dict]) -> float:
    """Share of masked positions whose top guess is the hidden piece."""
    hits = total = 0
    for batch in batches:
        labels = batch["labels"]
        logits = model(**_inputs(batch), labels=labels, masked_logits_only=True).logits   # (N, V): masked only
        hits += int((logits.argmax(-1) == labels[labels != IGNORE]).sum())
        total += int((labels != IGNORE).sum())
    return hits / max(total, 1)


def accuracy(model, tokenizer, texts: list[str], labels: list[int]) -> float:
    probs = classroom.classify(model, tokenizer, texts)
    right = [max(range(len(p)), key=p.__getitem__) == y for p, y in zip(probs, labels, strict=True)]
    return sum(right) / max(len(right), 1)


def cloze_top1(model, tokenizer, lang: str) -> float:
    rows = classroom.read_cloze(classroom.EVAL_DIR / f"cloze_{lang}.tsv")
    return classroom.cloze_summary(classroom.cloze(model, tokenizer, rows, k=1))["cloze_top1"]


def clear_accuracy(model, tokenizer, lang: str) -> float:
    rows = classroom.for_language(classroom.read_tsv(classroom.EVAL_DIR / "sentiment_clear.tsv"), lang)
    scored = classroom.clear_sentences(model, tokenizer, rows)
    return sum(ok for _, _, ok in scored) / max(len(scored), 1)


def calibration_loss(task: str, tokenizer, lang: str, max_len: int = MAX_LEN):
    """``loss_of(model, head_mask)`` on training data: what head importance is measured with."""
    if task == "mlm":
        batches = mlm_batches(tokenizer, lang, "train", n=2, seed=1, max_len=max_len)

        def loss_of(model, mask):
            return sum(model(**_inputs(b), labels=b["labels"], head_mask=mask).mlm_loss for b in batches)
        return loss_of
    texts, labels = labelled(lang, "train", limit=64)
    encoded = [torch.tensor([tokenizer.encode(t).ids[:min(max_len, MAX_LEN)]]) for t in texts]

    def loss_of(model, mask):
        return sum(F.cross_entropy(model(ids, head_mask=mask).logits, torch.tensor([y]))
                   for ids, y in zip(encoded, labels, strict=True))
    return loss_of


# ------------------------------------------------------------------------------------ measuring
def compressed(model, method: str, knob: int | None, importance: torch.Tensor | None) -> cz.Compressed:
    makers = {"fp32": lambda: cz.baseline(model), "int8": lambda: cz.int8_dynamic(model),
              "bf16": lambda: cz.to_dtype(model, torch.bfloat16), "fp16": lambda: cz.to_dtype(model, torch.float16),
              "prune_heads": lambda: cz.prune_heads(model, knob, importance),
              "low_rank": lambda: cz.low_rank(model, knob),
              "factor_embeddings": lambda: cz.factor_embeddings(model, knob)}
    return makers[method]()


def measure(loaded, method: str, knob: int | None, importance=None, data=None) -> Row:
    """One method applied to the loaded model and measured. ``data``: the held-out MLM batches or the
    (texts, labels) test rows (built once by the caller)."""
    made = compressed(loaded.model, method, knob, importance)
    task = task_of(loaded.source)
    lang = loaded.source.lang or "en"
    original, latency = cz.paired_latency(loaded.model, made.model, min(T_LATENCY, loaded.config.max_len), REPEATS)
    if task == "mlm":
        score, second = masked_top1(made.model, data), cloze_top1(made.model, loaded.tokenizer, lang)
    else:
        score = accuracy(made.model, loaded.tokenizer, *data)
        second = clear_accuracy(made.model, loaded.tokenizer, lang)
    return Row(method, made.knob, made.disk_bytes, made.parameters, 1000 * latency, latency / original, score, second)


def knob_limits(config) -> dict[str, tuple[int, int, int]]:
    """(lowest, highest, default) of each knob for this model's sizes."""
    heads = config.n_layers * (config.n_heads - 1)                            # every layer keeps one head
    even = cz.break_even_rank(config.d_model, config.d_ff)
    return {"k": (1, max(heads, 1), max(1, heads // 4)),
            "r": (1, config.d_model, max(1, min(even, config.d_model) // 2)),
            "e": (1, config.d_model, max(1, config.d_model // 3))}


# ------------------------------------------------------------------------------------ showing
def method_name(row: Row, lang: str) -> str:
    return TEXT(f"m_{row.method}", lang, k=row.knob, r=row.knob, e=row.knob)


def score_names(task: str, lang: str) -> tuple[str, str]:
    return TEXT(f"score_{task}", lang), TEXT(f"second_{task}", lang)


def table(rows: list[Row], task: str, lang: str) -> list[dict]:
    """One dict per method: the columns in the learner's language, ratios against the fp32 original."""
    base = next((r for r in rows if r.method == "fp32"), rows[0])
    main, second = score_names(task, lang)
    return [{TEXT("col_method", lang): method_name(r, lang),
             TEXT("col_size", lang): round(r.disk_bytes / 1e6, 2),
             TEXT("col_size_ratio", lang): f"{r.disk_bytes / base.disk_bytes:.2f}×",
             TERMS("params", lang): f"{r.parameters / 1e6:.2f} M",
             TEXT("col_latency", lang): round(r.latency_ms, 1),
             TEXT("col_latency_ratio", lang): f"{r.latency_ratio:.2f}×",
             main: f"{100 * r.score:.1f}%", second: f"{100 * r.second:.1f}%"} for r in rows]


def scatter(rows: list[Row], task: str, lang: str) -> go.Figure:
    """Size on disk (x) against the main score (y): lower left is worse and smaller; the original in grey."""
    fig = go.Figure()
    for r in rows:
        colour = GREY if r.method == "fp32" else (ORANGE if r.method in KNOBBED else BLUE)
        fig.add_trace(go.Scatter(x=[r.disk_bytes / 1e6], y=[100 * r.score], mode="markers+text",
                                 text=[method_name(r, lang)], textposition="top center", name=method_name(r, lang),
                                 marker={"size": 12, "color": colour}, showlegend=False,
                                 hovertemplate="%{text}: %{x:.2f} MB, %{y:.1f}%<extra></extra>"))
    fig.update_layout(title=TEXT("scatter_title", lang), xaxis_title=TEXT("col_size", lang),
                      yaxis_title=score_names(task, lang)[0] + " (%)", height=420, margin={"t": 50})
    return tidy(fig)


def notes(rows: list[Row], config, lang: str) -> list[str]:
    """What the measurements say, including where a method does not pay off at this size."""
    by = {r.method: r for r in rows}
    base, out = by.get("fp32"), []
    if base is None:
        return out
    int8 = by.get("int8")
    if int8 is not None:
        key = "note_int8_slower" if int8.latency_ratio >= 0.9 else "note_int8_faster"
        out.append(TEXT(key, lang, ratio=int8.latency_ratio,
                        share=int8.disk_bytes / base.disk_bytes))
    for half in ("bf16", "fp16"):
        if half in by and by[half].latency_ratio > 1.2:
            out.append(TEXT("note_half_slow", lang, name=half, ratio=by[half].latency_ratio))
    low = by.get("low_rank")
    if low is not None:
        even = cz.break_even_rank(config.d_model, config.d_ff)
        key = "note_rank_bigger" if low.parameters >= base.parameters else "note_rank"
        out.append(TEXT(key, lang, r=low.knob, even=even, before=100 * base.score, after=100 * low.score))
    emb = by.get("factor_embeddings")
    if emb is not None:
        share = config.vocab_size * config.d_model / base.parameters
        out.append(TEXT("note_embeddings", lang, share=100 * share, e=emb.knob,
                        saved=(base.parameters - emb.parameters) / 1e6))
    heads = by.get("prune_heads")
    if heads is not None:
        out.append(TEXT("note_heads", lang, k=heads.knob, saved=100 * (1 - heads.parameters / base.parameters),
                        before=100 * base.score, after=100 * heads.score))
    return out


def stored_distillation(path: Path = DISTILLATION) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def distillation_verdict(record: dict, lang: str) -> str:
    """One sentence: did the teacher's soft targets help this student, by how much (top-1 and loss)?"""
    plain, taught = record["labels_only"], record["distilled"]
    key = "kd_helped" if taught["mlm_top1"] > plain["mlm_top1"] else "kd_no_gain"
    return TEXT(key, lang, plain=100 * plain["mlm_top1"], taught=100 * taught["mlm_top1"],
                plain_loss=plain["mlm_loss"], taught_loss=taught["mlm_loss"])


def distillation_table(record: dict, lang: str) -> list[dict]:
    """The two arms of a distillation comparison (stored or live) as rows."""
    return [{TEXT("col_arm", lang): TEXT(f"arm_{arm}", lang),
             TEXT("col_top1", lang): f"{100 * record[arm]['mlm_top1']:.1f}%",
             TEXT("col_top5", lang): f"{100 * record[arm]['mlm_top5']:.1f}%",
             TEXT("col_seconds", lang): round(record[arm]["train_seconds"], 1)}
            for arm in ("labels_only", "distilled") if record.get(arm, {}).get("mlm_top1") is not None]
