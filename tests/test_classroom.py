"""Classroom sets (assets/eval) and their scoring: the files are well formed, and the scores mean what they say."""
from pathlib import Path

import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core import classroom as C
from transformer_core.tokenizer import train_wordpiece
from transformer_core.train.evaluate import main

EVAL = Path(__file__).resolve().parents[1] / "assets" / "eval"
TEXTS = ["the cat sat on the mat .", "he drank a cup of tea .", "she opened the door and walked in .",
         "我们去公园散步。", "今天天气很好。"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from transformer_core import save_pretrained
    tokenizer = train_wordpiece(TEXTS * 4, vocab_size=200)
    torch.manual_seed(0)
    model = BertForPreTraining(TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=1,
                                                 n_heads=2, d_ff=64, max_len=16)).eval()
    folder = tmp_path_factory.mktemp("tiny")
    save_pretrained(model, folder, tokenizer)
    return model, tokenizer, folder


@pytest.mark.parametrize("name, minimum", [("cloze_en.tsv", 80), ("cloze_zh.tsv", 50)])
def test_cloze_sets_have_one_mask_and_answers(name, minimum):
    rows = C.read_cloze(EVAL / name)
    assert len(rows) >= minimum
    assert len({s for s, _ in rows}) == len(rows), "a sentence is listed twice"
    assert all(answers for _, answers in rows)
    if name.endswith("zh.tsv"):
        assert all(len(a) == 1 for _, answers in rows for a in answers)


def test_pairs_and_clear_sentences_cover_both_languages():
    pairs = C.read_tsv(EVAL / "nsp_pairs.tsv")
    clear = C.read_tsv(EVAL / "sentiment_clear.tsv")
    for lang in ("en", "zh"):
        labels = [r["label"] for r in C.for_language(pairs, lang)]
        assert labels.count("IsNext") >= 10 and labels.count("NotNext") >= 10
        assert len(C.for_language(clear, lang)) >= 20
    assert {"text": "I love it.", "label": "1", "language": "en"} in clear


def test_read_cloze_refuses_a_sentence_without_exactly_one_mask(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("sentence\tanswers\nno mask here\ta\n", encoding="utf-8")
    with pytest.raises(ValueError, match="exactly one"):
        C.read_cloze(path)


def test_cloze_rank_is_the_first_acceptable_guess(tiny):
    model, tokenizer, _ = tiny
    guesses = C.mask_guesses(model, tokenizer, "the cat sat on the [MASK] .", k=5)
    items = C.cloze(model, tokenizer, [("the cat sat on the [MASK] .", (guesses[2], "zzz")),
                                       ("the cat sat on the [MASK] .", ("zzz",))])
    assert [i.rank for i in items] == [3, None]
    summary = C.cloze_summary(items)
    assert summary == {"cloze_sentences": 2, "cloze_top1": 0.0, "cloze_top5": 0.5}


def test_pair_ids_cut_long_sides_but_keep_the_join(tiny):
    _, tokenizer, _ = tiny
    a, b = " ".join(["cat"] * 40) + " door", "tea " + " ".join(["mat"] * 40)
    ids, types = C.pair_ids(tokenizer, a, b, 16)
    assert len(ids) == len(types) == 16
    sep = tokenizer.token_to_id("[SEP]")
    assert ids[0] == tokenizer.token_to_id("[CLS]") and ids[-1] == sep and ids.count(sep) == 2
    join = ids.index(sep)
    assert tokenizer.id_to_token(ids[join - 1]) == "door" and tokenizer.id_to_token(ids[join + 1]) == "tea"
    assert types == [0] * (join + 1) + [1] * (16 - join - 1)


def test_coherence_pairs_are_balanced_and_isnext_is_the_following_sentence():
    docs = [[f"d{d} s{s}" for s in range(4)] for d in range(10)]
    pairs = C.coherence_pairs(docs, 40)
    assert sum(label == 0 for *_, label in pairs) == 20
    for a, b, label in pairs:
        same_doc = a.split()[0] == b.split()[0]
        if label == 0:
            assert same_doc and int(b[-1]) == int(a[-1]) + 1
        else:
            assert not same_doc


def test_evaluate_command_prints_cloze_and_pair_scores(tiny, tmp_path, capsys):
    _, _, folder = tiny
    cloze = tmp_path / "c.tsv"
    cloze.write_text("sentence\tanswers\nthe cat sat on the [MASK] .\tmat\n", encoding="utf-8")
    assert main([str(folder), "--cloze", str(cloze), "--nsp-pairs", str(EVAL / "nsp_pairs.tsv"),
                 "--language", "en", "--show"]) == 0
    out = capsys.readouterr().out
    assert "cloze_top1" in out and "cloze_top5" in out and "nsp_pairs_accuracy" in out
    assert "want mat" in out
