"""ui/tokens_view.py: the piece grid, padding, word table, [UNK] sources and the side-by-side choice."""
from __future__ import annotations

import pytest

from transformer_core.tokenizer import pieces, train_wordpiece, word_pieces
from ui import tokens_view as tv
from ui.examples import tokens_example
from ui.models import ModelSource

TEXTS = ["the cat is playing with the ball", "players were playing in the park", "the dog was playing",
         "we play and they play", "playing is fun for the cat"] * 3


@pytest.fixture(scope="module")
def tok():
    return train_wordpiece(TEXTS, vocab_size=120, min_frequency=1)


def rows_of(fig, name: str, lang: str = "en") -> list[list[str]]:
    """The texts of every grid line labelled ``name`` (one list per wrapped block), empty cells dropped."""
    heat = fig.data[0]
    label = tv.TEXT(f"row_{name}", lang)
    ys = [y for y, text in zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True) if text == label]
    return [[cell for cell in heat.text[y] if cell != ""] for y in ys]


def test_grid_rows_show_pieces_ids_types_and_mask(tok):
    found = pieces(tok, "The cat is playing today", "The dog was playing")
    fig = tv.token_grid(found, per_line=64)
    assert [c for block in rows_of(fig, "piece") for c in block] == [p.token for p in found]
    assert [int(c) for block in rows_of(fig, "id") for c in block] == [p.id for p in found]
    types = [int(c) for block in rows_of(fig, "type") for c in block]
    first_sep = [p.token for p in found].index("[SEP]")
    assert types == [0] * (first_sep + 1) + [1] * (len(found) - first_sep - 1)
    assert set(c for block in rows_of(fig, "mask") for c in block) == {"1"}


def test_pieces_of_one_word_share_a_colour_and_specials_are_distinct(tok):
    found = pieces(tok, "today the cat")                     # today → t ##o ##d ##ay: four pieces, one word
    assert [p.token for p in found][1:5] == ["t", "##o", "##d", "##ay"]
    z = tv.token_grid(found, per_line=64, rows=("piece",)).data[0].z[0][:len(found)]   # drop empty cells
    assert len({z[1], z[2], z[3], z[4]}) == 1                # one word, one colour
    assert z[5] != z[1] and z[6] != z[5]                     # neighbouring words differ
    frame = tv.CODE["frame"] + 0.5
    assert z[0] == frame and z[-1] == frame                  # [CLS] and [SEP]
    assert frame not in z[1:-1]


def test_unknown_mask_and_pad_have_their_own_colours(tok):
    found, mask = tv.pad_to(pieces(tok, "the 🍕 [MASK]"), 8, 0)
    kinds = [tv.piece_kind(p) for p in found]
    assert kinds == ["frame", "word", "unk", "mask_tok", "frame", "pad", "pad", "pad"]
    z = tv.token_grid(found, mask=mask, per_line=64, rows=("piece", "mask")).data[0].z
    assert z[0][2] == tv.CODE["unk"] + 0.5 and z[0][5] == tv.CODE["pad"] + 0.5
    assert z[1][:5] == [tv.CODE["on"] + 0.5] * 5 and z[1][5:8] == [tv.CODE["off"] + 0.5] * 3


def test_pad_to_adds_pads_with_mask_zero(tok):
    real = pieces(tok, "the cat")
    padded, mask = tv.pad_to(real, 9, pad_id=0)
    assert len(padded) == 9 and mask == [1] * len(real) + [0] * (9 - len(real))
    assert all(p.token == "[PAD]" and p.id == 0 and p.is_special for p in padded[len(real):])
    fig = tv.token_grid(padded, mask=mask, per_line=64)
    assert rows_of(fig, "mask")[0] == ["1"] * len(real) + ["0"] * (9 - len(real))
    assert rows_of(fig, "piece")[0][len(real):] == ["[PAD]"] * (9 - len(real))
    same, same_mask = tv.pad_to(real, 2, pad_id=0)          # shorter than the sentence: nothing changes
    assert same == real and same_mask == [1] * len(real)


def test_long_input_wraps_into_blocks(tok):
    found = pieces(tok, " ".join(["the cat"] * 9))          # 18 words + [CLS] + [SEP] = 20 pieces
    fig = tv.token_grid(found, per_line=8)
    assert len(rows_of(fig, "piece")) == 3                   # 8 + 8 + 4
    assert [len(b) for b in rows_of(fig, "position")] == [8, 8, 4]
    assert rows_of(fig, "position")[2] == ["16", "17", "18", "19"]
    assert fig.layout.height == 40 + 30 * (3 * 6 - 1)


def test_long_pieces_are_shortened_in_cells_but_whole_in_hover():
    assert tv.short("unbelievable") == "unbelieva…" and tv.short("cat") == "cat"


def test_word_records_list_each_words_pieces(tok):
    found = pieces(tok, "the cat today")
    records = tv.word_records(word_pieces(tok, "the cat today"), found)
    assert records[2]["Word"] == "today" and records[2]["Pieces"] == "t ##o ##d ##ay"
    assert records[2]["Ids"] == " ".join(str(p.id) for p in found[3:7])
    zh = tv.word_records(word_pieces(tok, "the cat", "cat"), pieces(tok, "the cat", "cat"), "zh")
    assert list(zh[0]) == ["句子", "词", "词元", "ID"] and zh[-1]["句子"] == "B"


def test_stats_and_unknown_sources(tok):
    found = pieces(tok, "the cat 🍕 today 🍕", "hi 🙂")
    numbers = tv.stats(found)
    assert numbers["words"] == 7 and numbers["pieces"] == len(found)
    assert numbers["unknown"] == sum(p.token == "[UNK]" for p in found) >= 3
    assert numbers["ratio"] == pytest.approx((len(found) - 3) / 7)
    assert tv.unknown_sources(found, "the cat 🍕 today 🍕", "hi 🙂") == ["🍕", "🙂"]     # each once, in order


def test_usable_second_sentence():
    assert tv.usable("It fell asleep.") and tv.usable("  x ")
    assert not tv.usable("") and not tv.usable(None) and not tv.usable(" \x00\u200b\n")


def test_other_language_and_its_model():
    assert tv.other_language("en", "zh") == "zh" and tv.other_language("zh", "en") == "en"
    assert tv.other_language("", "zh") == "en" and tv.other_language("", "en") == "zh"
    en = ModelSource("a", "A", "/a", "BertForPreTraining", "en", "shipped")
    zh = ModelSource("b", "B", "/b", "BertForMaskedLM", "zh", "shipped")
    s2s = ModelSource("c", "C", "/c", "Seq2SeqTransformer", "zh", "shipped")
    assert tv.source_for([en, s2s, zh], "zh") is zh and tv.source_for([en, s2s], "zh") is None


def test_fallback_note_says_unk_when_the_vocabulary_lacks_characters(tok):
    unknown = pieces(tok, tokens_example("zh"))
    assert "[UNK]" in tv.fallback_note(unknown, "Chinese", "en")
    assert "[UNK]（红色）" in tv.fallback_note(unknown, "中文", "zh")
    assert "one piece" in tv.fallback_note(pieces(tok, "the cat"), "Chinese", "en")

