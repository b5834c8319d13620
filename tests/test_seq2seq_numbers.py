"""Numbers people type: the number-zh sampler covers every magnitude, the committed "typed numbers" file
matches the generator and stays in training where it must be learnt, input that is no number gets a
message instead of a guess, and the shipped translator clears a floor on the typed set."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from fixtures_models import number_vocab

from transformer_core.char_vocab import CharVocab
from transformer_core.data.number_words import BUCKETS, MUST_LEARN, sample_number
from transformer_core.data.seq2seq_tasks import (
    chinese_numeral,
    english_words,
    held_out_numbers,
    make_pairs,
    split_pairs,
    typed_numbers,
    typed_pairs,
    typed_tsv,
    unknown_number_words,
)
from ui import seq2seq_view as v
from ui.encode import InputProblem

ROOT = Path(__file__).resolve().parents[1]
TYPED = ROOT / "assets" / "eval" / "numbers_typed.tsv"
SHIPPED = ROOT / "assets" / "models" / "seq2seq-numbers"


def test_every_bucket_gets_its_share_and_every_digit_length_appears():
    rng, n = random.Random(0), 20000
    draws = [sample_number(rng) for _ in range(n)]
    counts = Counter(bucket for _, bucket in draws)
    for name, (share, _) in BUCKETS.items():
        assert abs(counts[name] / n - share) < 0.01, (name, counts[name])
    lengths = Counter(len(str(x)) for x, bucket in draws if bucket == "random")
    assert sorted(lengths) == list(range(1, 13))
    assert min(lengths.values()) > 0.8 * counts["random"] / 12                 # uniform over the length
    assert all(len(english_words(x)) <= 127 for x, _ in draws)                 # + [EOS] fits max_len 128
    values = [x for x, _ in draws]
    assert set(range(21)) <= set(values) and {20, 30, 90, 300, 7000, 2 * 10**6, 9 * 10**11} <= set(values)
    assert sum(1000 <= x <= 2100 for x, b in draws if b == "years") == counts["years"]
    short = sum(x <= 100 for x in values) / n
    assert short > 0.15                                                         # was ~0.4% when drawn by value


def test_buckets_respect_max_value_and_the_pairs_are_right():
    pairs = make_pairs("number-zh", 500, seed=2, max_value=5000)
    reader = {english_words(x): x for x in range(5001)}
    assert all(s in reader and chinese_numeral(reader[s]) == t for s, t in pairs)
    assert make_pairs("number-zh", 300, seed=2) == make_pairs("number-zh", 300, seed=2)


def test_chinese_conventions():
    expected = {10: "十", 17: "十七", 1010: "一千零一十", 100000: "十万", 10**6: "一百万", 2 * 10**6: "二百万",
                2000: "二千", 10**8: "一亿", 10**9: "十亿", 10**10: "一百亿", 100000010: "一亿零一十"}
    assert {n: chinese_numeral(n) for n in expected} == expected


def test_typed_file_matches_the_generator():
    assert TYPED.read_text(encoding="utf-8") == typed_tsv()
    numbers = typed_numbers()
    assert len(numbers) == len(set(numbers)) == 240
    assert numbers[:101] == list(range(101))
    assert {d * 10**k for d in range(1, 10) for k in range(12)} <= set(numbers)
    years = numbers[-50:]
    assert all(1000 <= y <= 2100 for y in years) and len(set(years)) == 50
    assert ("seventeen", "十七") in typed_pairs() and ("two million", "二百万") in typed_pairs()


def test_numbers_that_must_be_learnt_stay_in_training():
    pairs = make_pairs("number-zh", 20000, seed=0)
    train, validation, test = split_pairs(pairs)
    held = {s for s, _ in validation + test}
    assert not held & MUST_LEARN
    train_sources = {s for s, _ in train}
    assert {s for s, _ in typed_pairs()[:190]} <= train_sources               # 0–100 and the round numbers
    assert {"seventeen", "one thousand", "two million"} <= train_sources
    fresh = held_out_numbers(300, train_sources)
    assert len(fresh) == 300 and not {english_words(x) for x in fresh} & train_sources


def test_other_tasks_split_as_before():
    pairs = make_pairs("copy", 300, seed=0)
    assert split_pairs(pairs, keep_in_train=frozenset()) == split_pairs(pairs)


@pytest.mark.parametrize("text, unknown", [("hello world", ["hello", "world"]), ("two million", []),
                                           ("Forty-Two thousand and seven", []), ("one trillion", ["trillion"]),
                                           ("twenty twenty-four", []), ("seven apples and seven", ["apples"])])
def test_unknown_number_words(text, unknown):
    assert unknown_number_words(text) == unknown


def test_the_page_refuses_words_that_are_no_number():
    vocab = number_vocab()
    with pytest.raises(InputProblem) as err:
        v.prepare_source("hello world", vocab, 64)
    assert err.value.key == "s2s_not_number" and err.value.values["words"] == "“hello” “world”"
    assert "seventeen" in err.value.values["known"] and "billion" in err.value.values["known"]
    for lang, words in (("en", "English number words only"), ("zh", "只翻译英文数字单词")):
        message = v.TEXT("s2s_not_number", lang, **err.value.values)
        assert words in message and "“hello”" in message and "ninety" in message
    assert v.prepare_source("two million", vocab, 64).text == "two million"
    digits = CharVocab.from_pairs(make_pairs("copy", 50, seed=0))                # a model of another task
    assert not v.reads_number_words(digits) and v.reads_number_words(vocab)


@pytest.mark.skipif(not (SHIPPED / "model.safetensors").is_file(), reason="no shipped number translator")
def test_shipped_translator_gets_the_typed_numbers():
    """A floor well under the 98% target: it catches a broken export, not noise."""
    from tools.numbers_eval import read_typed, score
    from transformer_core import load_seq2seq
    model, source, target = load_seq2seq(SHIPPED)
    result = score(model, source, target, read_typed())
    assert result["exact_match"] >= 0.95, result["failures"][:10]
