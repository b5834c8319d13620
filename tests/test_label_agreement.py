"""tools/label_agreement.py: a reader's blind labels against gold and a model, and the committed reader files."""
from __future__ import annotations

from pathlib import Path

from tools import label_agreement as la


def test_counts_of_reader_gold_and_model():
    gold = {"a": 1, "b": 0, "c": 1, "d": 0, "e": 1}
    reader = {"a": "pos", "b": "pos", "c": "mixed", "d": "neg", "x": "neg"}      # x: not in this split
    pred = {"a": 1, "b": 0, "c": 0, "d": 1, "e": 1}
    out = la.agreement(gold, reader, pred)
    assert out == {"sample": 4, "reader_mixed": 1, "reader_decided": 3, "reader_agrees_with_gold": 2,
                   "model_agrees_with_gold": 2, "model_agrees_with_reader": 1,
                   "model_right_where_reader_and_gold_agree": 1}


def test_the_sample_depends_on_the_texts_only():
    texts = [f"review {i}" for i in range(50)]
    picked = [texts[i] for i in la.sample(texts, 10)]
    assert [list(reversed(texts))[i] for i in la.sample(list(reversed(texts)), 10)] == picked
    assert len(set(picked)) == 10


def test_committed_reader_files_hold_keys_and_labels_only(tmp_path):
    for lang, n in (("en", 197), ("zh", 200)):
        path = Path(f"assets/eval/sentiment_reader_{lang}.tsv")
        labels = la.read_reader(path)
        assert len(labels) == n and set(labels.values()) <= {"pos", "neg", "mixed"}
        assert all(len(k) == 12 and int(k, 16) >= 0 for k in labels)
    (tmp_path / "r.tsv").write_text("# a comment\nabc\tmaybe\tno\nabcdefabcdef\tpos\tfine\n", encoding="utf-8")
    assert la.read_reader(tmp_path / "r.tsv") == {"abcdefabcdef": "pos"}
