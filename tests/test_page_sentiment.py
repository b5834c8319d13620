"""The sentiment page, driven headlessly with AppTest on tiny classifiers written to a temporary folder."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app_page
from fixtures_models import models_root, only_models
from streamlit.testing.v1 import AppTest

from ui import models
from ui import sentiment_view as sv
from ui.encode import encode
from ui.examples import sentiment_example

BAD_INPUTS = ["", "   \n\t ", "good " * 2000, "😀😀😀 🎉", "great\x00 film\x07\x1b", "mixed 中文 English ١٢٣ 😀 ñ"]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return models_root(tmp_path_factory.mktemp("models"), seq2seq=False)


def _open(lang: str = "en") -> AppTest:
    return open_app_page("sentiment", lang)


def _spec(at: AppTest, i: int) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


@pytest.fixture
def app(monkeypatch, root) -> AppTest:
    only_models(monkeypatch, root)
    return _open()


def test_without_classifier_a_friendly_message(monkeypatch):
    only_models(monkeypatch, None)
    for lang, words in (("en", "No sentiment classifier"), ("zh", "还没有安装情感分类模型")):
        at = _open(lang)
        assert words in at.info[0].value and not at.get("plotly_chart")
        assert "finetune" in at.code[0].value


def test_renders_prediction_pooling_and_attention(app, root):
    assert app.title[-1].value == "Sentiment: BERT as a classifier"
    assert app.selectbox(key="sentiment_model@en").value == "sentiment-en"         # English UI → English model
    assert len(app.get("plotly_chart")) == 4
    loaded = models.load(models.describe_folder(root / "sentiment-en", "shipped", key="sentiment-en"))
    run = sv.classify(loaded, app.session_state["text"])
    probs = _spec(app, 0)["data"][0]["x"]
    assert probs == pytest.approx(run.probs, abs=1e-5)
    best = ["negative", "positive"][int(np.argmax(run.probs))]
    assert any(best in m.value and "with probability" in m.value for m in app.markdown)
    assert app.metric[0].value == f"{run.cosine:.3f}"
    bar = _spec(app, 2)
    assert bar["data"][0]["y"] == pytest.approx(run.cls_attention[-1].mean(0).tolist(), abs=1e-5)   # last layer
    heat = _spec(app, 3)["data"][0]["z"]
    assert len(heat) == 4 and all(sum(row) == pytest.approx(1.0, abs=1e-5) for row in heat)
    assert "softmax" in app.latex[0].value


def test_head_and_layer_selection(app):
    app.selectbox(key="sentiment_head@en").set_value(2).run()
    app.selectbox(key="sentiment_layer@en").set_value(0).run()
    assert not app.exception
    bar, heat = _spec(app, 2), _spec(app, 3)
    assert bar["data"][0]["y"] == pytest.approx(heat["data"][0]["z"][2], abs=1e-6)  # head 3's row of layer 1
    assert "Layer 1, head 3" in bar["layout"]["title"]["text"]


def _example_keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button if (b.key or "").startswith("sentiment_ex_")}


def test_examples_and_model_switch(app):
    """The example buttons offer reviews in the classifier's own language (an English model gets no Chinese
    review it cannot read); picking the Chinese classifier brings the Chinese ones."""
    assert _example_keys(app) == {"sentiment_ex_en_pos", "sentiment_ex_en_neg"}
    app.button(key="sentiment_ex_en_neg").click().run()
    assert not app.exception
    assert app.text_area(key="sentiment_text").value == sentiment_example("en", "neg")
    app.selectbox(key="sentiment_model@en").set_value("sentiment-zh").run()
    assert not app.exception
    assert _example_keys(app) == {"sentiment_ex_zh_pos", "sentiment_ex_zh_neg"}
    app.button(key="sentiment_ex_zh_neg").click().run()
    assert not app.exception
    assert app.text_area(key="sentiment_text").value == sentiment_example("zh", "neg")
    assert "差" in _spec(app, 2)["layout"]["xaxis"]["ticktext"]
    assert any("no pooler" in c.value for c in app.caption)
    assert any("**class " in m.value for m in app.markdown)                         # this folder names no labels
    assert "does not name its classes" in " ".join(c.value for c in app.caption)
    table = app.dataframe[0].value
    assert list(table["trained on it?"]) == ["no", "✓ yes"]


def test_a_classifier_picked_in_the_sidebar_is_used_here(app):
    """Issue 12.2: a classifier selected in the sidebar (as the fine-tune studio does on saving) is the one
    this page shows; a choice made here afterwards stays."""
    app.sidebar.selectbox(key="model").set_value("sentiment-zh").run()
    assert not app.exception and app.selectbox(key="sentiment_model@en").value == "sentiment-zh"
    app.selectbox(key="sentiment_model@en").set_value("sentiment-en").run()
    app.run()
    assert app.selectbox(key="sentiment_model@en").value == "sentiment-en"


def test_follow_sidebar_only_when_a_classifier_is_newly_picked():
    found = [models.ModelSource("a", "a", None, models.CLASSIFIER, "en", "shipped"),
             models.ModelSource("b", "b", None, models.CLASSIFIER, "zh", "session")]
    assert sv.follow_sidebar(found, "b", "bert", "a", "en") == "b"
    assert sv.follow_sidebar(found, "b", "b", "a", "en") == "a"         # seen already: the page's choice stays
    assert sv.follow_sidebar(found, "bert-mini-en", None, "a", "en") == "a"   # not a classifier
    assert sv.follow_sidebar(found, "b", None, None, "en") is None      # first visit: not another language's
    assert sv.follow_sidebar(found, "b", None, None, "zh") == "b"


def test_typed_text_is_classified(app, root):
    app.text_area(key="sentiment_text").set_value("The film was wonderful.").run()
    assert not app.exception
    tokenizer = models.load(models.describe_folder(root / "sentiment-en", "shipped", key="sentiment-en")).tokenizer
    expected = encode(tokenizer, "The film was wonderful.").tokens
    assert _spec(app, 2)["layout"]["xaxis"]["ticktext"] == expected


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_message_not_an_exception(app, text):
    app.text_area(key="sentiment_text").set_value(text).run()
    assert not app.exception
    if not text.strip():
        assert "empty" in app.warning[0].value and not app.get("plotly_chart")
    else:
        assert len(app.get("plotly_chart")) == 4
    if len(text) > 5000:
        assert any("10,000 characters" in i.value for i in app.info)
        assert any("cut to fit" in i.value for i in app.info)
    if "😀" in text:
        assert any("[UNK]" in i.value for i in app.info)


def test_chinese_page(monkeypatch, root):
    only_models(monkeypatch, root)
    at = _open("zh")
    assert at.title[-1].value == "情感分类：把 BERT 用作分类器"
    assert at.selectbox(key="sentiment_model@zh").value == "sentiment-zh"           # 中文 UI → the zh model
    assert at.button(key="sentiment_ex_zh_pos").label == "正面例句（中文）"
    assert "[CLS] 在看哪里？" in [s.value for s in at.subheader]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception and at.selectbox(key="sentiment_model@en").value == "sentiment-zh"   # choice kept
