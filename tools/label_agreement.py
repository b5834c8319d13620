"""How clean is a sentiment test split? A reader's blind labels against the gold ones (and a model's).

    python tools/label_agreement.py --corpus ~/.cache/attention-lab/corpora/sentiment-zh-full/train.csv \
        --reader assets/eval/sentiment_reader_zh.tsv [--model assets/models/sentiment-zh]

A target such as "90% on the held-out split" only means something if the split's labels are right far more
often than that. So a reader labels a sample of test texts *without seeing their gold labels*; where reader
and gold disagree, either the reader or the label is wrong, and the agreement bounds what accuracy a
model can honestly be asked for. The reader file holds no text: each line is
``key<TAB>pos|neg|mixed<TAB>reason``, the key being the first 12 hex digits of the text's SHA-256, so it
matches the rebuilt split however its rows are ordered. ``mixed`` = the reader could not decide.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core.data.classification import read_labelled  # noqa: E402
from transformer_core.train.evaluate import split_file  # noqa: E402

READER_LABELS = {"neg": 0, "pos": 1}      # label ids of the project's sentiment corpora: 0 negative, 1 positive


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def sample(texts: list[str], n: int, salt: str = "noise") -> list[int]:
    """``n`` row indices in an order fixed by the texts alone (not by the file's order or a random seed)."""
    ranked = sorted(range(len(texts)), key=lambda i: hashlib.sha256(f"{salt}\n{texts[i]}".encode()).hexdigest())
    return ranked[:n]


def read_reader(path) -> dict[str, str]:
    """key → "pos" | "neg" | "mixed" from a reader file (lines without a key are skipped)."""
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1] in (*READER_LABELS, "mixed"):
            out[parts[0]] = parts[1]
    return out


def agreement(gold: dict[str, int], reader: dict[str, str], pred: dict[str, int] | None = None) -> dict:
    """Counts over the texts both know: the reader against gold, and, given ``pred``, the model against each."""
    keys = [k for k in reader if k in gold]
    decided = [k for k in keys if reader[k] in READER_LABELS]
    agree = [k for k in decided if READER_LABELS[reader[k]] == gold[k]]
    out = {"sample": len(keys), "reader_mixed": len(keys) - len(decided), "reader_decided": len(decided),
           "reader_agrees_with_gold": len(agree)}
    if pred is not None:
        out.update({
            "model_agrees_with_gold": sum(pred[k] == gold[k] for k in keys),
            "model_agrees_with_reader": sum(pred[k] == READER_LABELS[reader[k]] for k in decided),
            "model_right_where_reader_and_gold_agree": sum(pred[k] == gold[k] for k in agree),
        })
    return out


def predict(folder: str, texts: dict[str, str]) -> dict[str, int]:
    """key → the class the model in ``folder`` gives the text (``classroom.classify``, as the cards measure)."""
    from transformer_core import classroom, load_pretrained
    model, tokenizer = load_pretrained(folder)
    probs = classroom.classify(model, tokenizer, list(texts.values()))          # inference mode inside
    return {k: max(range(len(p)), key=p.__getitem__) for k, p in zip(texts, probs, strict=True)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, help="the corpus (its test.csv is read)")
    ap.add_argument("--reader", required=True, help="the reader's blind labels (key, label, reason)")
    ap.add_argument("--model", help="a classifier folder to compare as well")
    args = ap.parse_args(argv)
    data = read_labelled(split_file(args.corpus, "test", ".csv"))
    gold = {text_key(t): int(data.label_names[y]) for t, y in zip(data.texts, data.labels, strict=True)}
    reader = read_reader(args.reader)
    texts = {text_key(t): t for t in data.texts if text_key(t) in reader}
    counts = agreement(gold, reader, predict(args.model, texts) if args.model else None)
    for name, value in counts.items():
        print(f"{name:42s} {value}")
    d = counts["reader_decided"]
    print(f"reader agrees with gold on {counts['reader_agrees_with_gold'] / max(d, 1):.1%} of the texts it decided")


if __name__ == "__main__":
    main()
