"""Corpora: the shipped slices load with the counts and checksums of their manifest, the loaders
explain bad names, and the builder's cleaning steps do what they say (on small inline samples, no network)."""

import gzip
import struct
import zlib

import pytest

from tools.corpus_sources import read_r_lazyload
from transformer_core.data import corpora as C
from transformer_core.data.corpora import SHIPPED, load_documents, load_labelled
from transformer_core.errors import DataError

MANIFEST = C.read_manifest()


def test_the_manifest_lists_exactly_the_shipped_corpora():
    assert set(MANIFEST["corpora"]) == set(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_files_match_their_checksums(name):
    for entry in MANIFEST["corpora"][name]["files"].values():
        data = (C.SHIPPED_ROOT / entry["path"]).read_bytes()
        assert C.sha256_of(data) == entry["sha256"]
        assert len(data) == entry["bytes"]


@pytest.mark.parametrize("name", ["en", "zh"])
def test_documents_load_with_the_manifest_counts(name):
    for split, entry in MANIFEST["corpora"][name]["files"].items():
        docs = load_documents(name, split)
        assert len(docs) == entry["documents"] > 0
        assert sum(map(len, docs)) == entry["lines"]
        assert all(line and line == line.strip() for doc in docs for line in doc)


def test_english_has_many_documents_to_draw_nsp_negatives_from():
    docs = load_documents("en")
    assert len(docs) > 100 and sum(len(d) > 1 for d in docs) > 100


def test_english_held_out_splits_are_big_enough_to_evaluate_on():
    files = MANIFEST["corpora"]["en"]["files"]
    total = sum(f["characters"] for f in files.values())
    for split in ("validation", "test"):
        assert files[split]["documents"] >= 20
        assert 0.03 < files[split]["characters"] / total < 0.08


def test_long_documents_are_cut_into_passages_of_consecutive_lines():
    chapter = [f"line {i:02d} " + "x" * 92 for i in range(35)]  # 35 lines of 100 characters
    passages = C.cut_into_passages([chapter, ["short"], ["y" * 5000]], max_chars=1000)
    assert [len(p) for p in passages] == [9, 8, 9, 9, 1, 1]  # ⌈3500 / 1000⌉ = 4 shares of 875, none tiny
    assert [line for p in passages[:4] for line in p] == chapter  # nothing lost, order kept
    assert passages[4:] == [["short"], ["y" * 5000]]  # short documents and one overlong line stay whole


@pytest.mark.parametrize("name, per_label", [("sentiment-zh", 1000), ("sentiment-en-small", 600)])
def test_labelled_loads_balanced_with_label_names(name, per_label):
    total = [0, 0]
    for split, entry in MANIFEST["corpora"][name]["files"].items():
        texts, labels, names = load_labelled(name, split)
        assert names == ["negative", "positive"]
        assert len(texts) == len(labels) == entry["examples"] > 0
        assert [labels.count(0), labels.count(1)] == entry["per_label"]
        assert abs(labels.count(1) / len(labels) - 0.5) <= 0.1  # every split balanced within 10 points
        total = [total[0] + labels.count(0), total[1] + labels.count(1)]
    assert total == [per_label, per_label]


def test_english_sentiment_sentences_are_short_distinct_and_plain():
    texts = [t for split in C.SPLITS for t in load_labelled("sentiment-en-small", split)[0]]
    assert len({t.lower() for t in texts}) == len(texts) == 1200
    assert all(5 <= len(t.split()) <= 30 and t.isascii() and t == C.normalise_space(t) for t in texts)


def test_shipped_splits_and_corpora_do_not_overlap():
    seen = {}
    for name in ("zh", "sentiment-zh", "sentiment-en-small"):
        for split in C.SPLITS:
            texts = [d[0] for d in load_documents(name, split)] if name == "zh" else load_labelled(name, split)[0]
            for text in texts:
                assert seen.setdefault(text, (name, split)) == (name, split)


def test_unknown_names_and_splits_say_what_exists(tmp_path):
    with pytest.raises(DataError, match="Available here: en, sentiment-en-small, sentiment-zh, zh"):
        load_documents("klingon")
    with pytest.raises(DataError, match="Available: train, validation, test"):
        load_documents("en", "dev")
    with pytest.raises(DataError, match="load_labelled"):
        load_documents("sentiment-zh")
    with pytest.raises(DataError, match="MANIFEST.json is missing"):
        load_labelled("sentiment-en", root=tmp_path)


def test_a_written_corpus_reads_back(tmp_path):
    docs = [[f"doc {i} line {j}" for j in range(3)] for i in range(40)]
    docs.append(list(docs[0]))
    entry = C.write_corpus(tmp_path, "toy", {"description": "toy"}, documents=docs)
    back = [doc for split in C.SPLITS for doc in load_documents("toy", split, root=tmp_path)]
    assert sorted(back) == sorted(docs[:40])  # the duplicate document is gone, nothing else
    assert sum(f["documents"] for f in entry["files"].values()) == 40
    C.write_corpus(tmp_path, "lab", {"label_names": ["no", "yes"]}, labelled=(["a, \"b\"", "c"], [0, 1]))
    texts = [t for split in C.SPLITS for t in load_labelled("lab", split, root=tmp_path)[0]]
    assert sorted(texts) == ["a, \"b\"", "c"]


def test_split_is_stable_and_roughly_90_5_5():
    names = [C.split_of(f"document {i}") for i in range(4000)]
    assert names == [C.split_of(f"document {i}") for i in range(4000)]
    assert 0.87 < names.count("train") / 4000 < 0.93 and names.count("test") > 120


def test_sword_markup_is_stripped_and_notes_become_a_space():
    osis = (
        '<title type="main">Genesis</title><chapter n="1" osisID="Gen.1" sID="Gen.1"/>'
        '<w lemma="strong:H0430">In</w> <w lemma="x">the beginning</w>, God<note placement="foot">'
        '<reference>1:1 </reference>Hebrew “Elohim”.</note>created the heavens. '
        '<div sID="p1" type="x-p"/>The earth was <transChange>formless</transChange>.'
        '<chapter n="2" osisID="Gen.2" sID="Gen.2"/>The heavens were finished.'
    )
    assert C.strip_sword_markup(osis) == [
        ["In the beginning, God created the heavens.", "The earth was formless."],
        ["The heavens were finished."],
    ]


def test_austen_lines_rejoin_into_paragraphs_and_chapters():
    lines = ["EMMA", "", "VOLUME I", "", "CHAPTER I", "", "Emma Woodhouse, handsome,", "clever, and _rich_.", "",
             "She was the youngest.", "", "", "CHAPTER II", "", "Mr. Weston was a native.", "", "FINIS"]
    assert C.austen_chapters(lines) == [
        ["Emma Woodhouse, handsome, clever, and rich.", "She was the youngest."],
        ["Mr. Weston was a native."],
    ]
    assert C.rejoin_paragraphs(["a", "b", "", "", "c"]) == ["a b", "c"]


def test_fortunes_split_on_percent_and_lose_their_colours():
    text = "\x1b[32m《春晓》\x1b[m\n春眠不觉晓，处处闻啼鸟。\n%\nLess is more\n\t\t-- Y\n%\n"
    assert C.split_fortunes(text) == [["《春晓》", "春眠不觉晓，处处闻啼鸟。"], ["Less is more", "\t\t-- Y"]]
    assert C.strip_ansi("\x1b[33m作者：杜甫\x1b[m") == "作者：杜甫"
    first = "在 Debian 这种规模的项目中，很难避免遇到与你意见不和，或者难以合作"
    assert C.rejoin_wrapped_zh([first, "的人。", "-- Debian"]) == [first + "的人。", "-- Debian"]


def test_pos_tags_are_stripped():
    assert C.strip_pos_tags("人民/n  日报/n") == "人民日报"
    assert C.strip_pos_tags("１２月/t  ３１日/t  ，/w  江/nr  泽民/nr  摄/Vg") == "１２月３１日，江泽民摄"


def test_whitespace_and_duplicates_are_cleaned():
    assert C.normalise_space("  a \t b\u200b\ufeff c \n") == "a b c"
    assert C.clean_documents([[" x  y ", ""], ["x y"], [" "]]) == [["x y"]]


def _int(*values):
    return struct.pack(f">{len(values)}i", *values)


def _chars(text):  # CHARSXP, flagged UTF-8
    return _int(0x40009, len(text.encode())) + text.encode()


def _strvec(items):  # STRSXP
    return _int(16, len(items)) + b"".join(map(_chars, items))


def _named_list(items: dict):  # VECSXP with a "names" attribute (a pairlist tagged with the symbol names)
    names_attr = _int(2 | 1 << 10, 1) + _chars("names") + _strvec(list(items)) + _int(254)
    return _int(19 | 1 << 9, len(items)) + b"".join(items.values()) + names_attr


def test_r_lazyload_reader_on_a_hand_made_database(tmp_path):
    header = b"X\n" + _int(3, 0x40400, 0x30500, 5) + b"UTF-8"
    novel = zlib.compress(header + _strvec(["CHAPTER 1", "", "It is a truth"]))
    record = _int(999) + novel  # R stores the uncompressed length first
    (tmp_path / "Rdata.rdb").write_bytes(record)
    index = _named_list({"variables": _named_list({"emma": _int(13, 2, 0, len(record))})})
    (tmp_path / "Rdata.rdx").write_bytes(gzip.compress(header + index))
    assert read_r_lazyload(tmp_path / "Rdata") == {"emma": ["CHAPTER 1", "", "It is a truth"]}


def test_hsk_sentences_are_one_document_each_in_either_language(tmp_path):
    import json

    from tools.corpus_sources import hsk_sentences
    data = tmp_path / "src/hsk_sentences_audio/data"
    data.mkdir(parents=True)
    rows = [{"chinese": "你好，很高兴认识你。", "translation": {"en": "Hello,  nice to meet you."}},
            {"chinese": "我们去公园吧。", "translation": {"en": "Let's go to the park."}},
            {"chinese": "我们去公园吧。", "translation": {"en": "Let's go to the park."}},     # repeated: kept once
            {"chinese": "谢谢！", "translation": {}}]                                   # no English: skipped there
    (data / "sentences.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert hsk_sentences(tmp_path, "zh") == [["你好，很高兴认识你。"], ["我们去公园吧。"], ["谢谢！"]]
    assert hsk_sentences(tmp_path, "en") == [["Hello, nice to meet you."], ["Let's go to the park."]]


def test_a_mix_repeats_a_corpus_and_keeps_the_cloze_sentences_out(tmp_path, monkeypatch):
    from tools import mix_corpus
    monkeypatch.setattr(mix_corpus, "DEFAULT_BUILD_ROOT", tmp_path)
    for name, docs in (("big", ["The sun rose.\nBirds sang.", "He drank a cup of tea."]), ("small", ["I like it."])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "train.txt").write_text("\n\n".join(docs) + "\n", encoding="utf-8")
        for split in ("validation", "test"):
            (tmp_path / name / f"{split}.txt").write_text(f"{name} {split}\n", encoding="utf-8")
    cloze = tmp_path / "cloze.tsv"
    cloze.write_text("sentence\tanswers\nHe drank a cup of [MASK].\tcoffee|tea\n", encoding="utf-8")
    assert mix_corpus.main(["mix", "--take", "big", "--repeat", "small", "3", "--cloze", str(cloze)]) == 0
    mixed = (tmp_path / "mix" / "train.txt").read_text(encoding="utf-8").strip().split("\n\n")
    assert mixed == ["The sun rose.\nBirds sang."] + ["I like it."] * 3               # the tea sentence left out
    assert (tmp_path / "mix" / "validation.txt").read_text(encoding="utf-8") == "big validation\n"


def test_written_mini_documents_split_on_bars_into_consecutive_sentences(tmp_path):
    from tools.corpus_sources import written
    (tmp_path / "zh.txt").write_text("我饿了。 | 妈妈给我做了面条。\n\n下雨了。 |  我们在家看书吧。 | 好主意！\n",
                                     encoding="utf-8")
    assert written(tmp_path, "zh") == [["我饿了。", "妈妈给我做了面条。"], ["下雨了。", "我们在家看书吧。", "好主意！"]]


def test_the_shipped_written_corpora_are_documents_of_two_to_four_sentences():
    from tools.corpus_sources import REPO, written
    for lang in ("en", "zh"):
        docs = written(REPO / "assets/corpora/written", lang)
        assert len(docs) >= 800, lang
        assert all(2 <= len(doc) <= 4 for doc in docs), [doc for doc in docs if not 2 <= len(doc) <= 4][:3]


def test_a_near_copy_of_a_cloze_sentence_is_left_out_of_repeated_corpora(tmp_path, monkeypatch):
    from tools import mix_corpus
    monkeypatch.setattr(mix_corpus, "DEFAULT_BUILD_ROOT", tmp_path)
    docs = {"big": ["He drank a big cup of tea."], "small": ["He drank a big cup of tea.", "Birds sang.\nI woke up."]}
    for name, texts in docs.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "train.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
        for split in ("validation", "test"):
            (tmp_path / name / f"{split}.txt").write_text("x\n", encoding="utf-8")
    cloze = tmp_path / "cloze.tsv"
    cloze.write_text("sentence\tanswers\nHe drank a cup of [MASK].\tcoffee|tea\n", encoding="utf-8")
    args = ["mix", "--take", "big", "--repeat", "small", "2", "--cloze", str(cloze), "--similar", "0.75"]
    assert mix_corpus.main(args) == 0
    mixed = (tmp_path / "mix" / "train.txt").read_text(encoding="utf-8").strip().split("\n\n")
    # taken once: kept (not a copy); repeated: the near copy goes, the unrelated document stays
    assert mixed == ["He drank a big cup of tea."] + ["Birds sang.\nI woke up."] * 2
