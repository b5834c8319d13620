"""The CLI end to end (subprocess, a few steps each), resume through the CLI, and DDP with 2 Gloo processes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from fixtures_models import WORDS, make_bert, write_corpus
from safetensors.torch import load_file

from transformer_core.checkpoint import load_pretrained, load_seq2seq
from transformer_core.decoding import beam_search

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--layers", "2", "--d-model", "32", "--heads", "2", "--ffn", "64", "--max-len", "32", "--device", "cpu",
        "--warmup", "2", "--lr", "3e-3"]


def cli(*args, ddp: int = 0, timeout: int = 60) -> subprocess.CompletedProcess:
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ddp}"] if ddp \
        else [sys.executable]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1"}  # stacks on abort
    return subprocess.run([*launcher, "-m", "transformer_core.train", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "docs.txt", documents=40, sentences=6)


def pretrain(corpus, out, *extra, ddp=0):
    return cli("pretrain", "--corpus", corpus, "--vocab-size", 80, "--batch-size", 8, "--out", out, *TINY, *extra,
               ddp=ddp)


def history(folder) -> list[dict]:
    return json.loads((Path(folder) / "trainer_state.json").read_text())["history"]


def test_pretrain_cli_progress_summary_and_resume(corpus, tmp_path):
    done = pretrain(corpus, tmp_path / "a", "--steps", 4, "--log-every", 2, "--dropout", 0.1)
    assert done.returncode == 0, done.stderr
    assert "step      2/4" in done.stdout and "tok/s" in done.stdout and "ETA" in done.stdout
    assert "done: 4 steps" in done.stdout and "saved to" in done.stdout
    half = pretrain(corpus, tmp_path / "b", "--steps", 4, "--stop-at", 2, "--dropout", 0.1,
                    "--tokenizer", tmp_path / "a")               # tokenizer training may differ between processes
    assert half.returncode == 0 and json.loads((tmp_path / "b" / "trainer_state.json").read_text())["step"] == 2
    again = cli("pretrain", "--resume", tmp_path / "b")
    assert again.returncode == 0 and "2 steps to go" in again.stdout, again.stderr
    assert [h["loss"] for h in history(tmp_path / "b")] == pytest.approx([h["loss"] for h in history(tmp_path / "a")],
                                                                         abs=1e-6)


def test_cli_bad_input_and_nan_guard(corpus, tmp_path):
    bad = cli("pretrain", "--corpus", corpus, "--lr", "-1")
    assert bad.returncode == 1 and "lr must be a positive number" in bad.stderr
    blew_up = pretrain(corpus, tmp_path / "x", "--steps", 30, "--lr", 1e6, "--warmup", 0, "--grad-clip", 0)
    assert blew_up.returncode == 2 and "learning rate too high" in blew_up.stderr


def test_finetune_cli(tmp_path):
    texts = [f"{w} was good fun" for w in WORDS] + [f"{w} was bad and dull" for w in WORDS]
    csv = tmp_path / "reviews.csv"
    csv.write_text("text,label\n" + "".join(f"{t},{'pos' if 'good' in t else 'neg'}\n" for t in texts))
    make_bert(tmp_path / "bert", texts, vocab_size=80, n_layers=2, n_heads=2, max_len=32)
    done = cli("finetune", "--pretrained", tmp_path / "bert", "--corpus", csv, "--pooling", "mean", "--steps", 4,
               "--batch-size", 8, "--out", tmp_path / "clf", "--device", "cpu", "--log-every", 2)
    assert done.returncode == 0, done.stderr
    assert "accuracy" in done.stdout and "BertForSequenceClassification" in done.stdout
    saved = json.loads((tmp_path / "clf" / "config.json").read_text())
    assert saved["architectures"] == ["BertForSequenceClassification"]


def test_seq2seq_cli(tmp_path):
    done = cli("seq2seq", "--seq2seq-task", "reverse", "--n-pairs", 300, "--steps", 4, "--batch-size", 16,
               "--out", tmp_path / "s2s", "--eval-batches", 1, "--log-every", 2, *TINY)
    assert done.returncode == 0, done.stderr
    assert "exact_match" in done.stdout and "token_accuracy" in done.stdout
    assert (tmp_path / "s2s" / "vocab.json").is_file() and (tmp_path / "s2s" / "attention_snapshots.json").is_file()
    model, source, target = load_seq2seq(tmp_path / "s2s")          # the checkpoint is a normal model folder
    assert type(load_pretrained(tmp_path / "s2s")[0]).__name__ == "Seq2SeqTransformer"
    result = beam_search(model, torch.tensor(source.encode("abc", add_eos=True)), target.bos_id, target.eos_id,
                         beam_size=2, max_len=8)
    assert isinstance(target.decode(result.tokens), str) and result.tokens[0] == target.bos_id


def test_ddp_two_gloo_processes_match_one(corpus, tmp_path):
    """Same global batch of 8: one process, or 2 processes × 4 rows with gradients averaged by DDP."""
    common = ("--steps", 3, "--dropout", 0.0, "--log-every", 1, "--precision", "fp32")   # bf16 rounding > 1e-4
    single = pretrain(corpus, tmp_path / "one", *common)
    double = pretrain(corpus, tmp_path / "two", *common, "--tokenizer", tmp_path / "one", ddp=2)
    assert single.returncode == 0 and double.returncode == 0, double.stdout[-2000:] + double.stderr[-6000:]
    assert "× 2 process(es)" in double.stdout and double.stdout.count("done:") == 1    # rank 0 alone prints
    one, two = history(tmp_path / "one"), history(tmp_path / "two")
    # each process weights its MLM mean by its share of the masked tokens, so the average is the global mean
    assert [h["loss"] for h in two] == pytest.approx([h["loss"] for h in one], abs=1e-4)
    w1, w2 = load_file(tmp_path / "one" / "model.safetensors"), load_file(tmp_path / "two" / "model.safetensors")
    drift = max((w1[k] - w2[k]).abs().max().item() for k in w1)
    assert drift < 1e-4, drift
    assert torch.equal(w1["bert.embeddings.position_embeddings.weight"].isfinite(),
                       torch.ones_like(w1["bert.embeddings.position_embeddings.weight"], dtype=torch.bool))
