"""Metrics, schedule and TrainConfig checked against values worked out by hand."""
import math

import pytest
import torch

from transformer_core.config import ConfigError
from transformer_core.train import metrics
from transformer_core.train.config import TrainConfig
from transformer_core.train.schedule import lr_factor, warmup_schedule


def test_top_k_accuracy_by_hand():
    logits = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.2, 0.3, 0.5]])   # argmax 1, 0, 2
    labels = torch.tensor([1, 2, -100])                                            # the third is ignored
    assert metrics.top_k_accuracy(logits, labels, 1) == 0.5                        # row 0 right, row 1 wrong
    assert metrics.top_k_accuracy(logits, labels, 2) == 1.0                        # 2 is row 1's second best
    assert math.isnan(metrics.top_k_accuracy(logits, torch.full((3,), -100)))
    assert metrics.top_k_accuracy(logits[None], labels[None], 1) == 0.5            # (B, T, V) works too


def test_perplexity_and_accuracy():
    assert metrics.perplexity(math.log(8000)) == pytest.approx(8000)               # uniform guess → V
    assert metrics.perplexity(0.0) == 1.0 and metrics.perplexity(1e6) == math.inf
    assert metrics.accuracy(torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 0, 0])) == 0.75


def test_confusion_matrix_and_macro_f1_by_hand():
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    preds = torch.tensor([0, 0, 1, 1, 2, 2])
    cm = metrics.confusion_matrix(preds, labels, 3)
    assert cm.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]                        # row = true, column = predicted
    # class 0: P 2/2 R 2/3 → F1 0.8; class 1: P 1/2 R 1/2 → 0.5; class 2: P 1/2 R 1/1 → 2/3
    assert metrics.macro_f1(preds, labels, 3) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert metrics.macro_f1(torch.tensor([0, 0]), torch.tensor([0, 1]), 3) == pytest.approx((2 / 3 + 0) / 2)


def test_seq2seq_metrics_by_hand():
    labels = torch.tensor([[5, 6, 2, 0], [7, 2, 0, 0]])                            # pad 0, eos 2
    preds = torch.tensor([[5, 9, 2, 4], [7, 2, 3, 3]])
    assert metrics.token_accuracy(preds, labels, pad_id=0) == pytest.approx(4 / 5)
    assert metrics.strip_sequence([1, 5, 6, 2, 0, 9], bos=1, eos=2, pad=0) == [5, 6]
    assert metrics.exact_match([[5, 6], [7]], [[5, 6], [8]]) == 0.5


def test_schedule_warmup_then_decay():
    assert [lr_factor(s, 10, 4) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_factor(7, 10, 4) == pytest.approx(0.5)                              # linear: halfway down
    assert lr_factor(7, 10, 4, "cosine") == pytest.approx(0.5)                    # cosine crosses 0.5 midway
    assert lr_factor(5, 10, 4, "cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi / 6)))
    assert lr_factor(10, 10, 4, "linear", min_ratio=0.1) == pytest.approx(0.1)
    assert lr_factor(9, 10, 4, "constant") == 1.0
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2.0)
    sched = warmup_schedule(opt, 10, 4)
    seen = []
    for _ in range(10):
        seen.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert seen[:6] == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.0, 2.0 * 5 / 6])        # peak, then decay from step 4
    torch.save(sched.state_dict(), "/dev/null")                                    # plain, weights_only-safe


def test_train_config_validation_messages():
    with pytest.raises(ConfigError, match="task must be one of"):
        TrainConfig(task="pretrian")
    with pytest.raises(ConfigError, match="lr must be a positive"):
        TrainConfig(lr=0)
    with pytest.raises(ConfigError, match="finetune needs pretrained"):
        TrainConfig(task="finetune")
    with pytest.raises(ConfigError, match="unknown TransformerConfig fields"):
        TrainConfig(model={"layers": 2})
    with pytest.raises(ConfigError, match="Unknown training settings"):
        TrainConfig.from_dict({"step": 3})
    config = TrainConfig(model={"n_layers": 2}, betas=[0.9, 0.98], max_len=64)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert config.model_config(vocab_size=100).n_layers == 2 and config.model_config().max_len == 64


def test_accuracy_leaves_out_unlabelled_rows():
    from transformer_core.train import metrics
    assert metrics.accuracy(torch.tensor([0, 1, 1]), torch.tensor([0, -100, 0])) == 0.5
    assert math.isnan(metrics.accuracy(torch.tensor([0]), torch.tensor([-100])))
