"""Fine-tuning studio, part 2: what came out — test accuracy, mistakes, a try-it box, attention before vs after.

The test sentences were held out before training (see ``finetune.split_upload`` and the shipped test
splits), so the accuracy here is an honest estimate of how the classifier does on new text. Pure
functions, no Streamlit: the page caches their results per checkpoint and draws them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from transformer_core.data.classification import LabelledData, encode_labelled
from transformer_core.kinds import encoder_of
from ui.encode import Encoded, encode
from ui.sentiment_view import show_label

from ..i18n import TERMS, Scope

BATCH = 64                  # test sentences per forward pass: fast on CPU, small in memory
MISTAKES_SHOWN = 20

TEXT = Scope("finetune_results")


@dataclass(frozen=True)
class TestResult:
    true: np.ndarray       # (N,) label ids
    pred: np.ndarray       # (N,) predicted ids
    probs: np.ndarray      # (N, C) softmax of the logits

    @property
    def accuracy(self) -> float:
        return float((self.true == self.pred).mean()) if len(self.true) else 0.0

    @property
    def matrix(self) -> np.ndarray:
        return confusion_matrix(self.true, self.pred, self.probs.shape[1])


# ── classifying many sentences ─────────────────────────────────────────────────────────────────────

def classify_texts(model, tokenizer, texts: list[str], max_len: int,
                   batch: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
    """Predicted ids (N,) and probabilities (N, C), a batch at a time under inference_mode.

    Each text is encoded as [CLS] text [SEP] and cut to max_len, exactly as in training
    (``encode_labelled``); a batch is padded to its own longest text and padding is masked."""
    n_labels = model.config.n_labels
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros((0, n_labels))
    model.eval()
    parts = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            chunk = texts[start:start + batch]
            enc = encode_labelled(LabelledData(chunk, [0] * len(chunk), []), tokenizer, max_len)
            logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]).logits   # (b, C)
            parts.append(logits.float().softmax(-1))
    probs = torch.cat(parts).numpy()                                                   # (N, C)
    return probs.argmax(-1), probs


def confusion_matrix(true, pred, n_labels: int) -> np.ndarray:
    """(C, C) counts: row = true label, column = predicted label."""
    matrix = np.zeros((n_labels, n_labels), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=np.int64), np.asarray(pred, dtype=np.int64)), 1)
    return matrix


def test_result(model, tokenizer, texts: list[str], labels: list[int], max_len: int) -> TestResult:
    pred, probs = classify_texts(model, tokenizer, texts, max_len)
    return TestResult(np.asarray(labels, dtype=np.int64), pred, probs)


def majority_share(train_labels: list[int], test_labels: list[int]) -> tuple[int, float]:
    """(the most common *training* label, its share of the test set): the test score of a classifier that
    learned nothing but the training counts — what a real model must beat."""
    top = int(np.bincount(np.asarray(train_labels, dtype=np.int64)).argmax())
    test = np.asarray(test_labels, dtype=np.int64)
    return top, float((test == top).mean()) if len(test) else 0.0


def mistakes(texts: list[str], result: TestResult, names: list[str], lang: str,
             limit: int = MISTAKES_SHOWN) -> list[dict]:
    """The wrong predictions as table rows, the most confident first (those teach the most)."""
    wrong = np.flatnonzero(result.true != result.pred)
    confidence = result.probs[wrong, result.pred[wrong]] if len(wrong) else np.zeros(0)
    order = wrong[np.argsort(-confidence, kind="stable")][:limit]
    return [{TERMS("text", lang): texts[i],
             TERMS("true_label", lang): show_label(names[result.true[i]], lang),
             TEXT("col_pred", lang): show_label(names[result.pred[i]], lang),
             TEXT("col_conf", lang): f"{result.probs[i, result.pred[i]]:.1%}"} for i in order]


# ── one sentence: try it, and attention before vs after ────────────────────────────────────────────

def classify_one(model, tokenizer, text: str, max_len: int) -> tuple[Encoded, np.ndarray]:
    """(what the model read, probabilities (C,)); raises ui.encode.InputProblem for unusable text."""
    enc = encode(tokenizer, text, None, max_len)
    ids = torch.tensor([enc.ids])                                                      # (1, T)
    with torch.inference_mode():
        logits = model(ids, torch.ones_like(ids), torch.zeros_like(ids)).logits       # (1, C)
    return enc, logits[0].float().softmax(-1).numpy()


def attention_map(model, ids: list[int], layer: int, head: int | None) -> np.ndarray:
    """(T, T) self-attention weights of one head (None: the mean of the heads) in one layer.
    Works for any model with a BERT-style encoder: a classifier, a pretraining model, a bare encoder."""
    encoder = encoder_of(model)
    x = torch.tensor([ids])                                                            # (1, T)
    with torch.inference_mode():
        trace = encoder(x, torch.ones_like(x), torch.zeros_like(x), record=True).trace
    weights = trace.layers[layer].self_attn.weights[0].float()                         # (H, T, T)
    return (weights.mean(0) if head is None else weights[head]).numpy()


def before_after_maps(base, tuned, tokenizer, text: str, layer: int, head: int | None,
                      max_len: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(tokens, before (T, T), after (T, T)) for one sentence; both models share the tokenizer."""
    enc = encode(tokenizer, text, None, max_len)
    return enc.tokens, attention_map(base, enc.ids, layer, head), attention_map(tuned, enc.ids, layer, head)


def cls_moved(before: np.ndarray, after: np.ndarray) -> float:
    """Total-variation distance between the two [CLS] rows: ½ Σ_j |after[0, j] − before[0, j]| ∈ [0, 1]."""
    return float(0.5 * np.abs(np.asarray(after)[0] - np.asarray(before)[0]).sum())


def head_label(head: int, lang: str) -> str:
    """Head picker labels: −1 is the average of all heads, else "head n" (1-based)."""
    return TERMS("all_heads", lang) if head < 0 else TERMS("head_n", lang, n=head + 1)


# ── naming the classes of the saved model ─────────────────────────────────────────────────────────

def write_label_names(checkpoint: Path, names: list[str]) -> None:
    """Put the class names into the checkpoint's config.json card, so the saved model (and the sentiment
    page, via ``sentiment_view.label_names``) shows "positive" instead of "class 1". Idempotent."""
    path = Path(checkpoint) / "config.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    card = data.get("attention_lab_card") or {}
    if card.get("label_names") == list(names):
        return
    data["attention_lab_card"] = {**card, "label_names": list(names)}
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
