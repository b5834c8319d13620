"""``python -m transformer_core.train.evaluate``: every kind of model gets its held-out scores, the same every time."""
import json
from pathlib import Path

import pytest

from transformer_core.errors import DataError
from transformer_core.train.cli import main as train
from transformer_core.train.evaluate import evaluate_folder, main, split_file

TINY = ["--layers", "1", "--d-model", "32", "--heads", "2", "--ffn", "64", "--device", "cpu", "--batch-size", "8",
        "--log-every", "100"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    assert train(["pretrain", "--corpus", "zh", "--steps", "2", "--max-len", "48", "--vocab-size", "3000",
                  "--out", str(root / "bert"), *TINY]) == 0
    assert train(["finetune", "--corpus", "sentiment-zh", "--pretrained", str(root / "bert"), "--steps", "2",
                  "--out", str(root / "sentiment"), *TINY]) == 0
    assert train(["seq2seq", "--seq2seq-task", "reverse", "--n-pairs", "200", "--steps", "2", "--max-len", "24",
                  "--out", str(root / "s2s"), *TINY]) == 0
    return root


def test_pretrained_bert_scores_are_reproducible(runs):
    first = evaluate_folder(runs / "bert", split="test")
    assert first["corpus"] == "zh" and first["sentence_pairs"] > 10
    assert 0.0 <= first["mlm_top1"] <= first["mlm_top5"] <= 1.0 and 0.0 <= first["nsp_accuracy"] <= 1.0
    assert evaluate_folder(runs / "bert", split="test") == first           # fixed seed: same masks, same pairs


def test_classifier_and_seq2seq_scores(runs, tmp_path):
    scores = evaluate_folder(runs / "sentiment", split="test")
    assert scores["examples"] == 101 and len(scores["confusion_matrix"]) == 2
    assert sum(map(sum, scores["confusion_matrix"])) == 101
    s2s = evaluate_folder(runs / "s2s", split="test")
    assert s2s["task"] == "reverse" and 0.0 <= s2s["exact_match"] <= 1.0 and s2s["pairs"] > 0
    assert main([str(runs / "sentiment"), "--json", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["examples"] == 101


def test_bad_requests_are_explained(runs, tmp_path, capsys):
    assert main([str(tmp_path)]) == 1
    assert "config.json is missing" in capsys.readouterr().err
    with pytest.raises(DataError, match="Unknown corpus"):
        evaluate_folder(runs / "bert", corpus="klingon")


def test_split_file_finds_the_sibling_split(tmp_path):
    for split in ("train", "test"):
        (tmp_path / f"{split}.txt").write_text("a\n\nb\n", encoding="utf-8")
    assert split_file(str(tmp_path / "train.txt"), "test", ".txt") == tmp_path / "test.txt"
    assert split_file(str(tmp_path), "test", ".txt") == tmp_path / "test.txt"
    assert split_file("en", "test", ".txt") is None
