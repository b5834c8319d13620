"""Knowledge distillation (transformer_core/train/distill.py): the loss, its gradient, and a run with a teacher."""
import json

import pytest
import torch
from fixtures_models import make_bert, write_corpus

from transformer_core.config import ConfigError
from transformer_core.train import TrainConfig
from transformer_core.train.cli import main as cli_main
from transformer_core.train.distill import compare, kd_loss


def test_zero_when_the_student_matches_the_teacher():
    logits = torch.randn(5, 40)
    assert kd_loss(logits, logits, 2.0).item() == pytest.approx(0, abs=1e-6)
    assert kd_loss(logits, logits + 3.0, 2.0).item() == pytest.approx(0, abs=1e-6)   # a shift is the same softmax
    assert kd_loss(torch.randn(5, 40), logits, 2.0).item() > 0


def test_gradient_moves_the_student_toward_the_teacher():
    teacher = torch.tensor([[4.0, 0.0, -2.0]])
    student = torch.zeros(1, 3, requires_grad=True)
    kd_loss(student, teacher, 2.0).backward()
    assert student.grad[0, 0] < 0 < student.grad[0, 2]          # descent raises the teacher's favourite
    # τ²·KL: gradient = τ · (p_S^τ − p_T^τ), the same as soft-target cross-entropy
    expected = 2.0 * (torch.softmax(student.detach() / 2, -1) - torch.softmax(teacher / 2, -1))
    torch.testing.assert_close(student.grad, expected)


def test_kd_settings_are_checked():
    with pytest.raises(ConfigError) as err:
        TrainConfig(kd_temperature=0)
    assert err.value.key == "kd_settings"


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    root = tmp_path_factory.mktemp("kd")
    corpus = write_corpus(root / "docs.txt", documents=30, sentences=6)
    write_corpus(root / "docs-heldout.txt", documents=10, sentences=6, seed=1)     # the held-out split
    texts = [line for line in corpus.read_text().splitlines() if line]
    return make_bert(root / "teacher", texts, vocab_size=80, n_layers=2, n_heads=2, max_len=32), corpus


def test_pretrain_cli_with_a_teacher(teacher, tmp_path, capsys):
    folder, corpus = teacher
    code = cli_main(["pretrain", "--corpus", str(corpus), "--teacher", str(folder), "--kd-alpha", "0.5",
                     "--kd-temperature", "2", "--steps", "3", "--batch-size", "4", "--max-len", "32",
                     "--layers", "1", "--d-model", "16", "--heads", "2", "--ffn", "32", "--out", str(tmp_path / "s"),
                     "--log-every", "1", "--eval-batches", "1"])
    assert code == 0
    assert "kd" in capsys.readouterr().out
    saved = json.loads((tmp_path / "s" / "trainer_state.json").read_text())
    assert saved["config"]["teacher"] == str(folder)


def test_a_student_with_another_vocabulary_is_refused(teacher, tmp_path, capsys):
    folder, corpus = teacher
    texts = [line for line in corpus.read_text().splitlines() if line]
    other = make_bert(tmp_path / "other", texts, vocab_size=60)
    code = cli_main(["pretrain", "--corpus", str(corpus), "--teacher", str(folder), "--tokenizer", str(other),
                     "--steps", "1", "--batch-size", "4", "--max-len", "32", "--layers", "1", "--d-model", "16",
                     "--heads", "2", "--ffn", "32", "--out", str(tmp_path / "s")])
    assert code == 1 and "teacher's tokenizer" in capsys.readouterr().err


def test_compare_trains_both_arms_from_the_same_start(teacher):
    folder, corpus = teacher
    result = compare(str(folder), str(corpus), steps=2, batch_size=4, max_len=32,
                     student={"n_layers": 1, "d_model": 16, "n_heads": 2, "d_ff": 32}, eval_batches=1)
    for arm in ("labels_only", "distilled"):
        assert 0 <= result[arm]["mlm_top1"] <= 1
    assert result["student_parameters"] > 0
