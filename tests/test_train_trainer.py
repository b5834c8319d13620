"""The Trainer: exact resume, safe and atomic checkpoints, the NaN guard, attention snapshots."""
import errno
import random

import pytest
import torch

from transformer_core import BertForPreTraining
from transformer_core.checkpoint import CheckpointError
from transformer_core.data.pretraining import PretrainingBatches, make_nsp_examples
from transformer_core.tokenizer import train_wordpiece
from transformer_core.train import snapshots, state
from transformer_core.train.config import TrainConfig
from transformer_core.train.trainer import (
    Trainer,
    TrainingStopped,
    autocast_dtype,
    cpu_has_native_bf16,
    make_optimizer,
    pick_device,
)

WORDS = "the cat dog sat ran on a mat park bird sang tree sun rose over hill river flowed past town".split()


def tiny_documents(n_docs=12, n_sents=5, seed=0):
    rng = random.Random(seed)
    return [[" ".join(rng.choices(WORDS, k=rng.randint(4, 8))) + "." for _ in range(n_sents)] for _ in range(n_docs)]


@pytest.fixture(scope="module")
def tokenizer():
    return train_wordpiece([s for d in tiny_documents() for s in d], vocab_size=80, min_frequency=1)


def make_trainer(tokenizer, tmp_path, lr=3e-3, dropout=0.1, probes=True, **changes):
    settings = dict(max_len=32, batch_size=4, steps=20, lr=lr, warmup_steps=2, device="cpu",
                    out_dir=str(tmp_path / "ckpt"))
    config = TrainConfig(model={"d_model": 32, "n_layers": 2, "n_heads": 2, "d_ff": 64,
                                "dropout": dropout, "attn_dropout": dropout}, **{**settings, **changes})
    torch.manual_seed(config.seed)
    model = BertForPreTraining(config.model_config(vocab_size=tokenizer.get_vocab_size()))
    examples = make_nsp_examples(tiny_documents(), tokenizer, config.max_len, seed=0)
    train = PretrainingBatches(examples, config.batch_size, 4, tokenizer.get_vocab_size(), seed=0, drop_last=True)
    evals = list(PretrainingBatches(examples[:8], 4, 4, tokenizer.get_vocab_size(), seed=1, shuffle=False))
    found = snapshots.bert_probes(tokenizer, ["the cat sat on the mat."], 32) if probes else []
    return Trainer(config, model, train, evals, tokenizer=tokenizer, probes=found), (train, evals)


def test_step_reports_metrics(tokenizer, tmp_path):
    trainer, _ = make_trainer(tokenizer, tmp_path)
    m = trainer.step()
    assert m.step == 1 and m.tokens > 0 and m.tokens_per_s > 0 and m.grad_norm > 0
    assert set(m.parts) == {"mlm", "nsp"} and abs(m.parts["mlm"] + m.parts["nsp"] - m.loss) < 1e-5
    assert 0 <= m.metrics["mlm_accuracy"] <= 1 and m.lr == pytest.approx(3e-3 / 2)   # warmup step 1 of 2
    result = trainer.evaluate()
    assert {"perplexity", "mlm_top1", "mlm_top5", "nsp_accuracy"} <= set(result)
    assert result["mlm_top5"] >= result["mlm_top1"]


def test_exact_resume_with_dropout(tokenizer, tmp_path):
    """Killed after 3 steps and resumed = 6 uninterrupted steps: weights, data position, masks, dropout."""
    straight, _ = make_trainer(tokenizer, tmp_path / "a")
    expected = [m.loss for m in straight.run(6)]
    first, (train, evals) = make_trainer(tokenizer, tmp_path / "b")
    losses = [m.loss for m in first.run(3)]
    folder = first.save()
    del first
    fresh_train = PretrainingBatches(train.examples, 4, 4, tokenizer.get_vocab_size(), seed=0, drop_last=True)
    resumed = Trainer.load(folder, fresh_train, evals)
    assert resumed.step_count == 3 and len(resumed.history) == 3
    losses += [m.loss for m in resumed.run(3)]
    assert losses == pytest.approx(expected, abs=1e-6)


def test_checkpoint_layout_and_snapshots(tokenizer, tmp_path):
    trainer, _ = make_trainer(tokenizer, tmp_path)
    trainer.run(1)
    folder = trainer.save()
    trainer.run(1)
    trainer.save()
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "trainer_state.pt", "trainer_state.json",
            snapshots.TENSORS, snapshots.META} <= names
    meta, tensors = snapshots.read(folder)
    assert meta["steps"] == [1, 2] and meta["probes"][0]["tokens"][0] == "[CLS]"
    attention = tensors["step00000002/probe0"]
    assert attention.dtype == torch.float16 and attention.shape[:2] == (2, 2)          # (L, H, T, T)
    assert torch.allclose(attention.float().sum(-1), torch.ones(attention.shape[:-1]), atol=1e-2)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())                 # no temp folders left


def test_out_of_disk_keeps_previous_checkpoint(tokenizer, tmp_path, monkeypatch):
    trainer, _ = make_trainer(tokenizer, tmp_path, probes=False)
    trainer.run(1)
    folder = trainer.save()
    before = (folder / "trainer_state.json").read_text()

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(state.torch, "save", full_disk)
    trainer.run(1)
    with pytest.raises(state.SaveError, match="disk is full.*intact"):
        trainer.save()
    assert (folder / "trainer_state.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]                    # temp folder cleaned up


def test_corrupt_checkpoint_names_the_file(tokenizer, tmp_path):
    trainer, (train, evals) = make_trainer(tokenizer, tmp_path, probes=False)
    trainer.run(1)
    folder = trainer.save()
    (folder / "trainer_state.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="trainer_state.pt"):
        Trainer.load(folder, train, evals)
    (folder / "trainer_state.json").write_text("{broken")
    with pytest.raises(CheckpointError, match="trainer_state.json"):
        Trainer.load(folder, train, evals)
    with pytest.raises(CheckpointError, match="does not exist"):
        Trainer.load(tmp_path / "nowhere", train, evals)


def test_nan_guard_huge_learning_rate(tokenizer, tmp_path):
    trainer, _ = make_trainer(tokenizer, tmp_path, lr=1e6, warmup_steps=0, grad_clip=0.0, probes=False)
    trainer.run(1)
    good = trainer.save()
    weights = (good / "model.safetensors").read_bytes()
    with pytest.raises(TrainingStopped) as stop:
        trainer.run(50)
    assert "learning rate too high" in str(stop.value) and stop.value.step >= 2
    assert stop.value.checkpoint == good and (good / "model.safetensors").read_bytes() == weights


def test_nan_guard_injected_inf_leaves_weights_untouched(tokenizer, tmp_path, monkeypatch):
    trainer, _ = make_trainer(tokenizer, tmp_path, probes=False)
    trainer.run(1)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    forward = trainer.task.forward

    def poisoned(model, batch):
        out = forward(model, batch)
        return type(out)(out.loss * float("inf"), out.parts, out.metrics)
    monkeypatch.setattr(trainer.task, "forward", poisoned)
    with pytest.raises(TrainingStopped, match="step 2: the loss"):
        trainer.step()
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.model.parameters(), strict=True))


def test_weight_decay_only_on_matrices(tokenizer, tmp_path):
    trainer, _ = make_trainer(tokenizer, tmp_path, probes=False)
    decayed, plain = make_optimizer(trainer.model, trainer.config).param_groups
    assert decayed["weight_decay"] == 0.01 and plain["weight_decay"] == 0.0
    assert all(p.dim() >= 2 for p in decayed["params"]) and all(p.dim() == 1 for p in plain["params"])
    assert len(decayed["params"]) + len(plain["params"]) == len(list(trainer.model.parameters()))


def test_device_and_precision_choice():
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        assert pick_device("auto").type in ("cpu", "mps")
    native = autocast_dtype("auto", torch.device("cpu"))          # bf16 only where the CPU multiplies it natively
    assert native is (torch.bfloat16 if cpu_has_native_bf16() else None)
    assert autocast_dtype("bf16", torch.device("cpu")) is torch.bfloat16
    assert autocast_dtype("fp32", torch.device("cpu")) is None
