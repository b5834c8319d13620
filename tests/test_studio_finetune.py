"""The fine-tuning studio: data choice and upload split, classification, attention before/after, and the page.

The page tests drive a real (tiny) fine-tune of the shipped bert-mini models through AppTest. AppTest cannot
upload files, so the upload path is driven by replacing ``st.file_uploader`` with a stand-in that returns a
file named like an attack ("../../etc/passwd.csv"): the workspace must hold only our own names.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from apptest import open_app_page
from plotly_data import array
from streamlit.testing.v1 import AppTest

from transformer_core import load_pretrained
from transformer_core.data import classification
from transformer_core.data.corpora import split_of
from transformer_core.errors import DataError
from ui import models
from ui import sentiment_view as sv
from ui.examples import sentiment_example
from ui.st import session
from ui.st import studio_panel as panel
from ui.studio import finetune as fn
from ui.studio import finetune_results as fr
from ui.studio.live import wait_for
from ui.studio.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
MODELS = ROOT / "assets" / "models"
WORDS = {"positive": ["wonderful", "great", "lovely", "brilliant", "superb"],
         "negative": ["boring", "awful", "dull", "terrible", "poor"]}


def review_csv(n: int = 120) -> bytes:
    """n short English reviews, half positive, half negative, as an uploaded CSV (with a comma inside quotes)."""
    rows = ["text,label"]
    for i in range(n):
        label = "positive" if i % 2 else "negative"
        rows.append(f'"A {WORDS[label][i % 5]} film, number {i}.",{label}')
    return ("\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def zh_classifier():
    return load_pretrained(MODELS / "sentiment-zh")


# ── choosing a base model and a dataset ──────────────────────────────────────────────────────────────

def test_base_models_are_the_shipped_berts_and_follow_the_language():
    bases = fn.base_models(models.available())
    keys = [b.key for b in bases]
    assert {"bert-mini-en", "minilm-mlm-zh", "sentiment-en", "sentiment-zh"} <= set(keys)
    assert "seq2seq-numbers" not in keys
    assert fn.default_base(bases, "zh") == "minilm-mlm-zh"
    assert fn.default_base(bases, "en") == "bert-mini-en"  # the smallest
    assert fn.default_base([], "en") is None


def test_shipped_sets_only_list_what_the_manifest_has():
    assert "sentiment-zh" in fn.shipped_sets()
    fake = {"corpora": {"zh": {"kind": "documents"}, "sentiment-zh": {"kind": "labelled"}}}
    assert fn.shipped_sets(fake) == ["sentiment-zh"]
    fake["corpora"]["sentiment-en-small"] = {"kind": "labelled"}
    assert fn.shipped_sets(fake) == ["sentiment-en-small", "sentiment-zh"]
    assert fn.default_set(["sentiment-en-small", "sentiment-zh", fn.UPLOAD], "zh") == "sentiment-zh"
    assert fn.set_lang("sentiment-en-small") == "en" and fn.set_lang("upload") == ""


def test_shipped_zh_set_has_a_separate_test_split():
    data = fn.load_shipped("sentiment-zh")
    assert data.label_names == ["negative", "positive"]
    assert len(data.test_texts) > 50 and not set(data.test_texts) & set(data.train_texts)
    rows = fn.label_table(data, "zh")
    assert [r["标签"] for r in rows] == ["负面 (negative)", "正面 (positive)"]
    assert len(fn.sample_rows(data, "en")) == 5


# ── an uploaded file ─────────────────────────────────────────────────────────────────────────────────

def test_upload_is_split_by_hash_with_every_label_on_both_sides():
    data = fn.split_upload(review_csv())
    assert data.label_names == ["negative", "positive"]
    assert len(data.train_texts) + len(data.test_texts) == 120
    assert all(split_of(t) == "train" for t in data.train_texts)
    assert all(split_of(t) != "train" for t in data.test_texts)
    assert all(n > 0 for counts in data.counts() for n in counts)
    assert fn.split_upload(review_csv()) == data                       # the same file, the same split


@pytest.mark.parametrize("raw, words", [
    (b"", "empty"),
    (b"PK\x03\x04\x00\x00binary\x00stuff", "binary"),
    ("text,label\ncafé très bon,1\nmauvais,0\n".encode("latin-1"), "not UTF-8"),
    (b"text,label\ngood,1\nfine,1\nnice,1\n", "at least two classes"),
    (b"sentence,category\na,1\n", "columns 'text' and 'label'"),
])
def test_bad_uploads_are_refused_with_a_message(raw, words):
    with pytest.raises(DataError, match=words):
        fn.split_upload(raw)


def test_a_label_without_test_examples_is_explained():
    train_only = [t for t in (f"rare {i}" for i in range(50)) if split_of(t) == "train"][:2]
    rows = ["text,label", *(f"{w} film {i},common" for i in range(40) for w in ["good"]),
            *(f"{t},rare" for t in train_only)]
    with pytest.raises(fn.SplitProblem) as err:
        fn.split_upload("\n".join(rows).encode())
    assert err.value.key == "no_test_row" and err.value.values["label"] == "rare"
    assert "标签“rare”" in fn.TEXT(err.value.key, "zh", **err.value.values)


def test_written_files_use_our_names_and_read_back_the_same(tmp_path):
    ws = Workspace(tmp_path)
    data = fn.split_upload(review_csv())
    path = fn.write_dataset(ws, data)
    assert path == ws.file(fn.TRAIN_FILE)
    assert sorted(p.name for p in ws.path.iterdir()) == [fn.TEST_FILE, fn.TRAIN_FILE]
    back = classification.read_labelled(path)                          # what the trainer will read
    assert back.label_names == data.label_names and back.texts == data.train_texts
    assert back.labels == data.train_labels
    with pytest.raises(ValueError):
        ws.file("../../etc/passwd.csv")                                # a user's name is never a path


def test_settings_are_checked_in_both_languages():
    assert fn.parse_lr(" 5e-5 ") == 5e-5 and fn.parse_lr("0.0001") == 1e-4
    assert fn.parse_lr("fast") is None and fn.parse_lr("1") is None and fn.parse_lr("-1e-4") is None
    assert fn.settings_problems(16, "1e-4", 100, "en") == []
    en = fn.settings_problems(32, "abc", 10, "en")
    assert "learning rate" in en[0] and "at least 32 training examples" in en[1]
    assert "学习率" in fn.settings_problems(4, "abc", 10, "zh")[0]
    config = fn.make_config("assets/models/minilm-mlm-zh", "sentiment-zh", "mean", 10, 4, 1e-4, 64, "cpu")
    assert config.task == "finetune" and config.pooling == "mean" and config.corpus == "sentiment-zh"
    assert [fn.checkpoint_count(n) for n in (4, 10, 60, 300, 5000)] == [1, 1, 3, 10, 10]
    assert fn.estimate(300, 16, 47.0, "en") == "1.8 min" and fn.estimate(300, 16, 18.0, "zh") == "41 秒"


def test_mean_tokens_counts_specials_and_stops_at_max_len():
    tokenizer = load_pretrained(MODELS / "bert-mini-en")[1]
    assert fn.mean_tokens(tokenizer, ["good", "good film " * 100], 16) == pytest.approx((3 + 16) / 2)


# ── what the classifier says ─────────────────────────────────────────────────────────────────────────

def test_classify_texts_in_batches_matches_one_by_one(zh_classifier):
    model, tokenizer = zh_classifier
    texts = [sentiment_example("zh", "pos"), sentiment_example("zh", "neg"), "还行吧", "一般般，不过价格便宜", "太差"]
    pred, probs = fr.classify_texts(model, tokenizer, texts, 128, batch=2)
    assert pred.shape == (5,) and probs.shape == (5, 2)
    assert np.allclose(probs.sum(1), 1.0, atol=1e-5) and (pred == probs.argmax(1)).all()
    assert pred[0] == 1 and pred[1] == 0                               # 正面 / 负面 examples
    for text, p in zip(texts, probs, strict=True):
        _, alone = fr.classify_one(model, tokenizer, text, 128)
        assert alone == pytest.approx(p, abs=1e-4)                     # padding in a batch changes nothing
    assert fr.classify_texts(model, tokenizer, [], 128)[1].shape == (0, 2)


def test_confusion_matrix_and_most_confident_mistakes_first():
    result = fr.TestResult(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]),
                           np.array([[0.9, 0.1], [0.4, 0.6], [0.95, 0.05], [0.2, 0.8]]))
    assert result.accuracy == 0.5 and result.matrix.tolist() == [[1, 1], [1, 1]]
    rows = fr.mistakes(["a", "b", "c", "d"], result, ["negative", "positive"], "en")
    assert [r["text"] for r in rows] == ["c", "b"] and rows[0]["confidence"] == "95.0%"
    assert fr.majority_share([0, 1, 1, 1], [1, 1, 0, 0]) == (1, 0.5)          # the training majority, on the test
    assert fr.majority_share([0, 0, 1], [1, 1, 1]) == (0, 0.0)


def test_attention_before_after_and_the_cls_row(zh_classifier):
    model, tokenizer = zh_classifier
    base = load_pretrained(MODELS / "minilm-mlm-zh")[0]
    tokens, before, after = fr.before_after_maps(base, model, tokenizer, "服务很好", 3, None, 128)
    assert tokens[0] == "[CLS]" and before.shape == after.shape == (len(tokens), len(tokens))
    assert np.allclose(after.sum(1), 1.0, atol=1e-5)
    assert 0 < fr.cls_moved(before, after) <= 1
    same = fr.attention_map(base, tokenizer.encode("服务很好").ids, 0, 1)
    assert fr.cls_moved(same, same) == 0


def test_label_names_are_written_into_the_card(tmp_path):
    shutil.copy(MODELS / "minilm-mlm-zh" / "config.json", tmp_path / "config.json")
    fr.write_label_names(tmp_path, ["差评", "好评"])
    card = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))["attention_lab_card"]
    assert card["label_names"] == ["差评", "好评"] and card["language"] == "zh"


# ── the page ─────────────────────────────────────────────────────────────────────────────────────────

def _open(lang: str = "en") -> AppTest:
    return open_app_page("train-finetune", lang, 60)


def _train(at: AppTest, steps: int, max_len: int = 48):
    at.number_input(key="keep_ft_steps").set_value(steps)
    at.number_input(key="keep_ft_batch").set_value(4)
    at.number_input(key="keep_ft_len").set_value(max_len)
    at.run()
    at.button(key="finetune_start").click().run()
    run = at.session_state[panel.RUNS]["finetune"]
    view = wait_for(run, timeout=300)          # seconds on a quiet machine; a bound for a busy one
    assert view.status == "done", view.message
    at.run()
    assert not at.exception
    return run, view


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _titled(at: AppTest, words: str) -> dict:
    return next(c for c in _charts(at) if words in c["layout"]["title"]["text"])


def test_page_fine_tunes_tests_and_saves_a_zh_classifier():
    at = _open("zh")
    assert at.selectbox(key="keep_ft_base").value == "minilm-mlm-zh"
    assert at.selectbox(key="keep_ft_set").value == "sentiment-zh"
    run, view = _train(at, steps=10)
    assert (view.checkpoint / "model.safetensors").is_file() and view.checkpoint_step == 10
    curves = _titled(at, "实时微调")
    assert any(len(array(t["y"])) == 10 for t in curves["data"])              # one loss point per step
    assert at.metric[0].label == "测试准确率" and at.metric[0].value.endswith("%")
    confusion = _titled(at, "混淆矩阵")
    assert array(confusion["data"][0]["z"]).shape == (2, 2) and "101" in confusion["layout"]["title"]["text"]
    probs = _titled(at, "每个标签的预测概率")
    assert sum(array(probs["data"][0]["x"])) == pytest.approx(100, abs=1e-3)
    assert _titled(at, "训练前后的注意力")
    at.button(key="finetune_save").click().run()
    saved = list(at.session_state[session.SESSION_MODELS].values())
    assert len(saved) == 1 and saved[0].architecture == models.CLASSIFIER and saved[0].lang == "zh"
    assert sv.label_names(saved[0].folder, 2) == (["negative", "positive"], True)
    assert at.session_state["model"] == saved[0].key                      # selected, as the message says
    assert "情感分类" in at.success[-1].value


def test_page_upload_path_keeps_our_names(monkeypatch):
    class Upload:                                                             # what st.file_uploader returns
        name, file_id = "../../etc/passwd.csv", "upload-1"

        def getvalue(self) -> bytes:
            return review_csv(80)

    at = _open("en")
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: Upload())
    at.selectbox(key="keep_ft_base").set_value("bert-mini-en")
    at.selectbox(key="keep_ft_set").set_value(fn.UPLOAD).run()
    assert not at.error and at.dataframe
    run, view = _train(at, steps=4, max_len=24)
    workspace = at.session_state[panel.WORKSPACE].path
    assert Path(run.config.corpus) == workspace / fn.TRAIN_FILE
    names = {p.name for p in workspace.iterdir()}
    assert {fn.TRAIN_FILE, fn.TEST_FILE} <= names and all(n.startswith(("labelled-", "run-")) for n in names)
    assert at.metric[0].label == "Test accuracy"
    assert [e["step"] for e in view.evaluations][-1] == 4 and "accuracy" in view.evaluations[-1]   # held-out points


@pytest.mark.parametrize("lang, words", [("en", "not UTF-8"), ("zh", "无法使用这个文件")])
def test_page_shows_why_an_upload_is_refused(monkeypatch, lang, words):
    class Upload:
        name, file_id = "reviews.csv", f"bad-{lang}"

        def getvalue(self) -> bytes:
            return "text,label\ncafé,1\nnul,0\n".encode("latin-1")

    at = _open(lang)
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: Upload())
    at.selectbox(key="keep_ft_set").set_value(fn.UPLOAD).run()
    assert words in at.error[0].value and "finetune_start" not in [b.key for b in at.button]


@pytest.mark.parametrize("lang, words", [("en", "different languages"), ("zh", "不是同一种语言")])
def test_a_chinese_set_on_an_english_model_is_stopped_before_training(lang, words):
    at = _open(lang)
    at.selectbox(key="keep_ft_base").set_value("bert-mini-en")
    at.selectbox(key="keep_ft_set").set_value("sentiment-zh").run()
    assert any(words in e.value and "[UNK]" in e.value for e in at.error), [e.value for e in at.error]
    assert "finetune_start" not in [b.key for b in at.button]
