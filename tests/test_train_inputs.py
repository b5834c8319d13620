"""The CLI's answers to what a reviewer tried: each bad input refused with a plain message, and
fine-tuning fitted to the pretrained model (its positions, its tokenizer)."""
import random

import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig, save_pretrained
from transformer_core.config import ConfigError
from transformer_core.train.checks import fit_max_len, unknown_share
from transformer_core.train.cli import main
from transformer_core.train.config import TrainConfig
from transformer_core.train.trainer import pick_device

WORDS = "the cat dog sat ran on a mat park bird sang tree sun rose over hill river flowed past town".split()
SMALL = ["--layers", "1", "--d-model", "16", "--heads", "2", "--ffn", "32", "--device", "cpu", "--batch-size", "4"]


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def english_bert(tmp_path_factory):
    """A BERT with only 16 positions and a tokenizer that knows English words only."""
    from transformer_core.tokenizer import train_wordpiece
    folder = tmp_path_factory.mktemp("bert")
    tokenizer = train_wordpiece([" ".join(WORDS)] * 20, vocab_size=60, min_frequency=1)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=16, n_layers=1, n_heads=2, d_ff=32,
                               max_len=16)
    save_pretrained(BertForPreTraining(config), folder, tokenizer)
    return folder, tokenizer


def labelled_csv(path, make_text):
    rng = random.Random(0)
    rows = [f"{make_text(rng)},{label}" for label in ("pos", "neg") for _ in range(12)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_finetune_cuts_texts_to_the_pretrained_models_positions(english_bert, tmp_path, capsys):
    csv = labelled_csv(tmp_path / "long.csv", lambda rng: " ".join(rng.choices(WORDS, k=40)))   # > 16 tokens
    code, out, err = run(capsys, "finetune", "--pretrained", english_bert[0], "--corpus", csv, "--steps", 2,
                         "--out", tmp_path / "clf", "--device", "cpu", "--batch-size", 4)
    assert code == 0, err
    assert "max_len 128 is more than the pretrained model's 16 positions, so texts are cut to 16 tokens" in out
    config = TransformerConfig(vocab_size=10, d_model=8, n_heads=2, max_len=64)
    assert fit_max_len(32, config) == (32, "") and fit_max_len(128, config)[0] == 64


def test_a_tokenizer_for_another_language_is_refused(english_bert, tmp_path, capsys):
    chinese = labelled_csv(tmp_path / "zh.csv", lambda rng: "".join(rng.choices("这本书很好看电影不错太差了", k=12)))
    code, _, err = run(capsys, "finetune", "--pretrained", english_bert[0], "--corpus", chinese, "--steps", 2,
                       "--out", tmp_path / "x", "--device", "cpu", "--batch-size", 4)
    assert code == 1 and "100% of the word pieces" in err and "[UNK]" in err
    assert "trained on other text" in err and "Pretrain on this language first, e.g. --corpus zh" in err
    docs = tmp_path / "zh.txt"
    docs.write_text("\n\n".join("这本书很好看。\n电影不错。" for _ in range(10)) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "pretrain", "--tokenizer", english_bert[0], "--corpus", docs, "--steps", 1, *SMALL)
    assert code == 1 and "[UNK]" in err
    assert unknown_share(english_bert[1], ["the cat sat"]) == 0.0


@pytest.mark.parametrize(("argv", "expected", "jargon"), [
    (["pretrain", "--corpus", "/tmp/x/nothere.txt"], "Corpus file /tmp/x/nothere.txt was not found", "root="),
    (["pretrain", "--corpus", "klingon"], "There is no corpus called 'klingon'. Shipped corpora for pretrain: en, zh",
     "root="),
    (["pretrain", "--corpus", "sentiment-zh"], "'sentiment-zh' is a corpus for finetune, not for pretrain",
     "load_labelled"),
    (["seq2seq", "--n-pairs", "3", *SMALL[:-2]], "one batch needs 32. Use --n-pairs 40 or more", "drop_last"),
    (["pretrain", "--max-len", "100000"], "max_len 100000 is too long: at most 4096", "Traceback"),
])
def test_plain_messages(capsys, argv, expected, jargon):
    code, _, err = run(capsys, *argv, "--steps", 1)
    assert code == 1 and expected in err and jargon not in err, err


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_a_device_that_is_not_there_is_named(monkeypatch, name):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ConfigError, match=f"device '{name}' was asked for, but .* Use --device cpu"):
        pick_device(name)


def test_help_shows_defaults_and_choices(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for part in ("(default: 1000)", "{tiny,mini,bert-base,bert-large,vaswani-base}", "number-zh",
                 "en, zh, sentiment-en-small", "(default: 10% of --steps, at most 100)"):
        assert part in text, part


def test_default_warmup_is_a_share_of_the_run():
    assert TrainConfig(steps=40).warmup == 4 and TrainConfig(steps=5000).warmup == 100
    assert TrainConfig(steps=3).warmup == 1 and TrainConfig(steps=40, warmup_steps=0).warmup == 0
    with pytest.raises(ConfigError, match="warmup_steps must be"):
        TrainConfig(warmup_steps=-1)
