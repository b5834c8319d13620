"""Resuming from the CLI: safe flags are honoured, --steps extends a run only when that changes no
learning rate already used, and every other flag is reported as ignored — never silently dropped."""
import json
from pathlib import Path

import pytest
from fixtures_models import write_corpus

from transformer_core.config import ConfigError
from transformer_core.train.cli import main
from transformer_core.train.config import TrainConfig
from transformer_core.train.resume import plan_resume

TINY = ["--layers", "1", "--d-model", "16", "--heads", "2", "--ffn", "32", "--max-len", "24", "--device", "cpu",
        "--batch-size", "4", "--vocab-size", "60", "--warmup", "2", "--dropout", "0.1"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "docs.txt", documents=20, sentences=5)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def losses(folder) -> list[float]:
    return [h["loss"] for h in json.loads((Path(folder) / "trainer_state.json").read_text())["history"]]


def test_constant_schedule_run_is_extended_exactly(corpus, tmp_path, capsys):
    common = ("pretrain", "--corpus", corpus, *TINY, "--decay", "constant", "--tokenizer")
    whole = tmp_path / "whole"
    assert run(capsys, "pretrain", "--corpus", corpus, *TINY, "--decay", "constant", "--steps", 6,
               "--out", whole)[0] == 0
    assert run(capsys, *common, whole, "--steps", 4, "--out", tmp_path / "short")[0] == 0
    code, out, err = run(capsys, "pretrain", "--resume", tmp_path / "short", "--steps", 6, "--log-every", 1)
    assert code == 0, err
    assert "2 steps to go" in out and "step      5/6" in out and "step      6/6" in out      # log every step
    assert losses(tmp_path / "short") == pytest.approx(losses(whole), abs=1e-6)


def test_decayed_run_refuses_a_new_length_and_ignored_flags_are_named(corpus, tmp_path, capsys):
    folder = tmp_path / "run"
    assert run(capsys, "pretrain", "--corpus", corpus, *TINY, "--steps", 4, "--out", folder)[0] == 0
    code, _, err = run(capsys, "pretrain", "--resume", folder, "--steps", 8)
    assert code == 1 and "linear learning-rate decay was spread over 4 steps" in err
    code, out, err = run(capsys, "pretrain", "--resume", folder, "--lr", 0.1, "--layers", 3, "--log-every", 1)
    assert code == 0 and "0 steps to go" in out
    assert "warning:" in err
    assert "--lr 0.1 (the run keeps lr = 0.0005)" in err and "--layers 3 (the model keeps its n_layers = 1)" in err
    code, _, err = run(capsys, "finetune", "--resume", folder)
    assert code == 1 and "This checkpoint is a pretrain run" in err


def test_plan_resume_rules():
    linear = TrainConfig(steps=100, warmup_steps=None)                  # auto warmup: 10 steps
    assert plan_resume(linear, 5, "pretrain", {"--steps": ("steps", 300)})[0] == {"steps": 300, "warmup_steps": 10}
    with pytest.raises(ConfigError, match="cannot change this run's length"):
        plan_resume(linear, 50, "pretrain", {"--steps": ("steps", 300)})
    with pytest.raises(ConfigError, match="already at step 50"):
        plan_resume(linear.replace(decay="constant"), 50, "pretrain", {"--steps": ("steps", 40)})
    changes, notes = plan_resume(linear, 50, "pretrain", {"--log-every": ("log_every", 5), "--out": ("out_dir", "b"),
                                                          "--config": (None, "x.json")})
    assert changes == {"log_every": 5, "out_dir": "b"} and "--config x.json" in notes[0]
