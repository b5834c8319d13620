"""Seq2seq toy tasks: hand-checked numbers in English and Chinese, dates both ways, determinism,
held-out splits and the character vocabulary."""

import datetime as dt
import random

import pytest

from transformer_core.char_vocab import CharVocab
from transformer_core.data.seq2seq_tasks import (
    DATE_STYLES,
    TASKS,
    chinese_numeral,
    english_words,
    format_date,
    make_pairs,
    parse_date,
    split_pairs,
)
from transformer_core.errors import DataError

# (number, English, 中文) — each checked by hand against the rules in the docstrings
NUMBERS = [
    (0, "zero", "零"),
    (7, "seven", "七"),
    (10, "ten", "十"),
    (15, "fifteen", "十五"),
    (20, "twenty", "二十"),
    (105, "one hundred and five", "一百零五"),
    (110, "one hundred and ten", "一百一十"),
    (115, "one hundred and fifteen", "一百一十五"),
    (1005, "one thousand and five", "一千零五"),
    (1050, "one thousand and fifty", "一千零五十"),
    (10003, "ten thousand and three", "一万零三"),
    (10300, "ten thousand three hundred", "一万零三百"),
    (32388, "thirty-two thousand three hundred and eighty-eight", "三万二千三百八十八"),
    (100000, "one hundred thousand", "十万"),
    (150000, "one hundred and fifty thousand", "十五万"),
    (1000000, "one million", "一百万"),
    (10010010, "ten million ten thousand and ten", "一千零一万零一十"),
    (20000001, "twenty million and one", "二千万零一"),
    (99999999, "ninety-nine million nine hundred and ninety-nine thousand nine hundred and ninety-nine",
     "九千九百九十九万九千九百九十九"),
    (100000001, "one hundred million and one", "一亿零一"),
    (1000000000, "one billion", "十亿"),
]


@pytest.mark.parametrize(("n", "english", "chinese"), NUMBERS)
def test_numbers_in_english_and_chinese(n, english, chinese):
    assert english_words(n) == english
    assert chinese_numeral(n) == chinese


@pytest.mark.parametrize("bad", [-1, 10**12, 2.5, True, "7"])
def test_numbers_out_of_range_are_refused(bad):
    with pytest.raises(DataError, match="whole numbers from 0"):
        chinese_numeral(bad)


def test_dates_round_trip_in_every_style():
    rng = random.Random(0)
    for _ in range(300):
        date = dt.date.fromordinal(rng.randint(dt.date(1900, 1, 1).toordinal(), dt.date(2099, 12, 31).toordinal()))
        for style in (*DATE_STYLES, "iso", "zh"):
            assert parse_date(format_date(date, style)) == date
    assert format_date(dt.date(2021, 3, 5), "us") == "March 5, 2021"
    assert format_date(dt.date(2021, 3, 5), "uk") == "5 March 2021"
    assert format_date(dt.date(2021, 3, 5), "iso") == "2021-03-05"
    assert format_date(dt.date(2021, 3, 5), "zh") == "2021年3月5日"


@pytest.mark.parametrize("task", TASKS)
def test_pairs_are_deterministic_distinct_and_correct(task):
    pairs = make_pairs(task, 200, seed=3)
    assert pairs == make_pairs(task, 200, seed=3) != make_pairs(task, 200, seed=4)
    distinct = len({source for source, _ in pairs})
    assert distinct == 200 if task != "number-zh" else 100 < distinct < 200   # numbers repeat: drawn by magnitude
    for source, target in pairs[:50]:
        if task == "reverse":
            assert target == source[::-1]
        elif task == "sort":
            assert target == "".join(sorted(source))
        elif task.startswith("date"):
            assert parse_date(source) == parse_date(target)


def test_number_task_matches_the_converters():
    for source, target in make_pairs("number-zh", 100, seed=1, max_value=10**6):
        n = _words_to_int(source)
        assert n <= 10**6 and english_words(n) == source and chinese_numeral(n) == target


def _words_to_int(words):
    """A tiny independent reader of our English numbers, so the check is not circular."""
    small = {english_words(i): i for i in range(100)}
    total = current = 0
    for word in words.replace(" and ", " ").split():
        if word in small:
            current += small[word]
        elif word == "hundred":
            current *= 100
        else:
            total += current * {"thousand": 10**3, "million": 10**6, "billion": 10**9}[word]
            current = 0
    return total + current


def test_splits_are_disjoint_and_complete():
    pairs = make_pairs("copy", 500, seed=0, min_len=2, max_len=6)
    train, validation, test = split_pairs(pairs + pairs[:20], seed=1)  # repeated sources stay together
    sources = [{s for s, _ in part} for part in (train, validation, test)]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert len(train) + len(validation) + len(test) == 520
    assert 380 < len(train) < 420 and len(test) > 30
    assert split_pairs(pairs, seed=1) == split_pairs(pairs, seed=1)


def test_vocab_round_trip(tmp_path):
    pairs = make_pairs("number-zh", 300)
    source_vocab, target_vocab = CharVocab.from_pairs(pairs, "source"), CharVocab.from_pairs(pairs, "target")
    assert (source_vocab.pad_id, source_vocab.bos_id, source_vocab.eos_id) == (0, 1, 2)
    assert source_vocab.tokens[:4] == ["[PAD]", "[BOS]", "[EOS]", "[UNK]"]
    source, target = pairs[0]
    ids = target_vocab.encode(target, add_bos=True, add_eos=True)
    assert ids[0] == 1 and ids[-1] == 2 and target_vocab.decode(ids + [0, 0]) == target
    assert source_vocab.decode(source_vocab.encode(source)) == source
    assert target_vocab.decode(target_vocab.encode("万X")) == "万[UNK]"
    target_vocab.save(tmp_path / "vocab.json")
    loaded = CharVocab.load(tmp_path / "vocab.json")
    assert loaded.tokens == target_vocab.tokens and loaded.encode(target) == target_vocab.encode(target)


def test_bad_requests_get_clear_errors(tmp_path):
    with pytest.raises(DataError, match="Choose one of: copy"):
        make_pairs("translate", 5)
    with pytest.raises(DataError, match="Unknown option"):
        make_pairs("copy", 5, colour="red")
    with pytest.raises(DataError, match="different 'copy' examples"):
        make_pairs("copy", 50, min_len=1, max_len=1)
    with pytest.raises(DataError, match="Cannot read"):
        parse_date("yesterday")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(DataError, match="not a vocab file"):
        CharVocab.load(tmp_path / "bad.json")
