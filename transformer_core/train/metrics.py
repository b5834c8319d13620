"""Metrics as pure functions on tensors: no model, no state, easy to check by hand.

Each one says what it measures in a sentence, because the number alone teaches little: a masked-LM
top-5 accuracy of 0.6 means "the right word was among the model's five best guesses 60% of the time".
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

IGNORE = -100


def top_k_accuracy(logits: Tensor, labels: Tensor, k: int = 1, ignore_index: int = IGNORE) -> float:
    """Share of labelled positions whose true id is among the ``k`` highest scores.
    logits (..., V) and labels (...) — (B, T, V) with (B, T), or (N, V) with (N,). Positions labelled
    ``ignore_index`` do not count; no labelled position gives NaN (nothing was asked)."""
    logits, labels = logits.reshape(-1, logits.size(-1)), labels.reshape(-1)
    keep = labels != ignore_index
    if not keep.any():
        return float("nan")
    top = logits[keep].topk(min(k, logits.size(-1)), dim=-1).indices                 # (N, k)
    return (top == labels[keep, None]).any(-1).float().mean().item()


def perplexity(mean_loss: float) -> float:
    """exp(mean cross-entropy in nats): the number of equally likely words the model is choosing
    between. A uniform guess over V words gives exactly V; a perfect model gives 1."""
    try:
        return math.exp(mean_loss)
    except OverflowError:
        return float("inf")


def accuracy(predictions: Tensor, labels: Tensor) -> float:
    """Share of rows where the predicted class equals the label (NSP, classification); rows labelled −100
    (no label: a lone sentence's NSP) are left out."""
    predictions, labels = predictions.reshape(-1), labels.reshape(-1)
    keep = labels != -100
    if not keep.any():
        return float("nan")
    return (predictions[keep] == labels[keep]).float().mean().item()


def confusion_matrix(predictions: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """(n_classes, n_classes) counts: row = true class, column = predicted class."""
    index = labels.reshape(-1).long() * n_classes + predictions.reshape(-1).long()
    return torch.bincount(index, minlength=n_classes * n_classes).view(n_classes, n_classes)


def confusion_cells(predictions: Tensor, labels: Tensor) -> list[list[int]]:
    """The confusion matrix's non-zero cells as [true class, predicted class, count], sorted: at most one
    cell per example, however many classes. A run's history keeps these, not the C × C matrix, which for
    10,000 classes was 10^8 numbers in every evaluation (and in trainer_state.json at every checkpoint)."""
    pairs = torch.stack([labels.reshape(-1).long(), predictions.reshape(-1).long()])      # (2, N)
    if pairs.shape[1] == 0:
        return []
    cells, counts = pairs.unique(dim=1, return_counts=True)                               # (2, K), (K,)
    return [[t, p, n] for (t, p), n in zip(cells.T.tolist(), counts.tolist(), strict=True)]


def dense_confusion(cells: list[list[int]], n_classes: int) -> list[list[int]]:
    """``confusion_cells`` back to the (n_classes, n_classes) table, rows = true class (for a report)."""
    table = [[0] * n_classes for _ in range(n_classes)]
    for true, predicted, count in cells:
        table[true][predicted] += count
    return table


def macro_f1(predictions: Tensor, labels: Tensor, n_classes: int) -> float:
    """F1 of each class, then their plain average, so a rare class counts as much as a common one
    (accuracy hides a model that never predicts the rare class; macro-F1 does not). Classes that
    appear neither as a label nor as a prediction are left out; a class with no correct hit scores 0.
    Counted per class (three vectors of C), never as a C × C matrix."""
    predictions, labels = predictions.reshape(-1).long(), labels.reshape(-1).long()
    hits = torch.bincount(labels[predictions == labels], minlength=n_classes).double()   # (C,) the diagonal
    predicted = torch.bincount(predictions, minlength=n_classes).double()                # (C,) column sums
    actual = torch.bincount(labels, minlength=n_classes).double()                        # (C,) row sums
    present = (predicted + actual) > 0
    if not present.any():
        return float("nan")
    f1 = 2 * hits / (predicted + actual).clamp(min=1)                                   # = 2PR / (P + R)
    return f1[present].mean().item()


def token_accuracy(predictions: Tensor, labels: Tensor, pad_id: int = 0) -> float:
    """Share of non-padding target positions predicted right (teacher forcing: each position sees the
    true prefix, so this is kinder than generating the whole answer)."""
    keep = labels != pad_id
    if not keep.any():
        return float("nan")
    return (predictions[keep] == labels[keep]).float().mean().item()


def strip_sequence(ids: list[int], bos: int, eos: int, pad: int) -> list[int]:
    """The content of a generated or reference sequence: no BOS/padding, cut at the first EOS."""
    out = []
    for token in ids:
        if token == eos:
            break
        if token not in (bos, pad):
            out.append(token)
    return out


def exact_match(predicted: list[list[int]], references: list[list[int]]) -> float:
    """Share of sequences generated exactly right, every token (use ``strip_sequence`` first)."""
    if not references:
        return float("nan")
    return sum(p == r for p, r in zip(predicted, references, strict=True)) / len(references)
