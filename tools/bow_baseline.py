"""The bag-of-words baseline a sentiment model must beat, measured on the same split.

    python tools/bow_baseline.py --corpus ~/.cache/attention-lab/corpora/sentiment-en/train.csv
    python tools/bow_baseline.py --corpus ~/.cache/attention-lab/corpora/sentiment-zh-full/train.csv --chars

Features: counts of lower-cased words and word pairs (English) or of characters and character pairs
(``--chars``, for Chinese), seen at least twice in training, scaled by log(1 + count). Model: logistic
regression (L-BFGS with an L2 penalty picked on the validation split). Order of
words beyond neighbouring pairs is invisible to it — the point of the comparison with a Transformer.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core.data.classification import read_labelled  # noqa: E402
from transformer_core.train.evaluate import split_file  # noqa: E402

WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def features(text: str, chars: bool) -> list[str]:
    units = [c for c in text.lower() if not c.isspace()] if chars else WORD.findall(text.lower())
    return units + [f"{a} {b}" for a, b in zip(units, units[1:], strict=False)]


def matrix(texts, vocab: dict, chars: bool) -> torch.Tensor:
    """(N, F) sparse: most texts use a few dozen of the F features (a dense Chinese matrix would need GBs)."""
    rows, cols, values = [], [], []
    for i, text in enumerate(texts):
        for f, n in Counter(features(text, chars)).items():
            if f in vocab:
                rows.append(i), cols.append(vocab[f]), values.append(float(n))
    x = torch.sparse_coo_tensor([rows, cols], torch.log1p(torch.tensor(values)), (len(texts), len(vocab)))
    return x.coalesce()


def fit(x, y, n_labels: int, l2: float) -> torch.nn.Linear:
    """Minimise cross-entropy + l2·‖W‖² exactly (L-BFGS on a convex loss: no learning rate to tune)."""
    torch.manual_seed(0)
    model = torch.nn.Linear(x.shape[1], n_labels)
    opt = torch.optim.LBFGS(model.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def loss():
        opt.zero_grad()
        value = torch.nn.functional.cross_entropy(scores(model, x), y) + l2 * model.weight.pow(2).sum()
        value.backward()
        return value
    opt.step(loss)
    return model


def scores(model, x) -> torch.Tensor:
    return torch.sparse.mm(x, model.weight.t()) + model.bias                    # (N, labels)


def accuracy(model, x, y) -> float:
    with torch.no_grad():
        return (scores(model, x).argmax(-1) == y).float().mean().item()


def baseline(corpus: str, chars: bool) -> dict:
    train, val, test = (read_labelled(split_file(corpus, s, ".csv")) for s in ("train", "validation", "test"))
    counts = Counter(f for t in train.texts for f in set(features(t, chars)))
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= 2))}
    xs = [matrix(d.texts, vocab, chars) for d in (train, val, test)]
    ys = [torch.tensor(d.labels) for d in (train, val, test)]
    n = len(train.label_names)
    best = max((1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2), key=lambda d: accuracy(fit(xs[0], ys[0], n, d), xs[1], ys[1]))
    model = fit(xs[0], ys[0], n, best)
    majority = Counter(test.labels).most_common(1)[0][1] / len(test.labels)
    return {"features": len(vocab), "l2": best, "validation_accuracy": accuracy(model, xs[1], ys[1]),
            "test_accuracy": accuracy(model, xs[2], ys[2]), "test_examples": len(test.labels),
            "majority_class": majority}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="a labelled corpus: train.csv with validation/test beside")
    parser.add_argument("--chars", action="store_true", help="characters instead of words (Chinese)")
    print(json.dumps(baseline(parser.parse_args(argv).corpus, parser.parse_args(argv).chars), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
