"""The encoder-decoder page, driven headlessly with AppTest on a tiny random number translator."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app_page
from fixtures_models import models_root, only_models
from streamlit.testing.v1 import AppTest

from ui import models
from ui import seq2seq_view as v

ENC, DEC, CROSS, CANDS, CROSS_BAR, TREE = range(6)          # the page's charts, in order


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return models_root(tmp_path_factory.mktemp("models"), classifiers=False)


def _open(lang: str = "en") -> AppTest:
    return open_app_page("seq2seq", lang)


def _spec(at: AppTest, i: int) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


@pytest.fixture
def app(monkeypatch, root) -> AppTest:
    only_models(monkeypatch, root)
    return _open()


@pytest.fixture
def expected(root):
    loaded = models.load(models.describe_folder(root / "seq2seq-numbers", "shipped", key="seq2seq-numbers"))
    return lambda text: v.decode_greedy(loaded, text)


def test_without_model_a_friendly_message(monkeypatch):
    only_models(monkeypatch, None)
    for lang, words in (("en", "No encoder-decoder model"), ("zh", "还没有安装编码器-解码器模型")):
        at = _open(lang)
        assert words in at.info[0].value and not at.get("plotly_chart")
        assert "seq2seq" in at.code[0].value


def test_renders_every_view(app, expected):
    run = expected(v.DEFAULT_SOURCE)
    assert app.text_input(key="s2s_text").value == "three hundred and five"
    assert app.metric[0].value == run.text
    assert len(app.get("plotly_chart")) == 6
    enc = _spec(app, ENC)["data"][0]
    assert len(enc["z"]) == len(run.source.tokens) == 23
    assert np.allclose(enc["z"], run.encoder_attn[0, 0], atol=1e-6)
    dec = _spec(app, DEC)["data"]
    assert len(dec) == 2                                                           # weights + the grey mask
    z = dec[0]["z"]
    assert all(z[i][j] is None for i in range(len(z)) for j in range(i + 1, len(z)))
    assert all(sum(row[: i + 1]) == pytest.approx(1.0, abs=1e-5) for i, row in enumerate(z))
    assert dec[1]["z"][0][1] == 1 and dec[1]["z"][1][0] is None
    cross = _spec(app, CROSS)
    assert len(cross["data"][0]["z"]) == len(run.written)
    assert cross["layout"]["shapes"][0]["y0"] == -0.5                              # step 1 highlighted
    assert _spec(app, CANDS)["data"][0]["x"] == pytest.approx([p for _, p in run.steps[0].candidates], abs=1e-6)
    tree = _spec(app, TREE)
    assert "K = 4" in tree["layout"]["title"]["text"]
    assert len(app.latex) == 4 and "-\\infty" in app.latex[0].value


def test_step_slider_moves_every_step_view(app, expected):
    run = expected(v.DEFAULT_SOURCE)
    app.slider(key="s2s_step").set_value(3).run()
    assert not app.exception
    assert _spec(app, CROSS)["layout"]["shapes"][0]["y0"] == 1.5
    assert _spec(app, CANDS)["data"][0]["x"] == pytest.approx([p for _, p in run.steps[2].candidates], abs=1e-6)
    bar = _spec(app, CROSS_BAR)["data"][0]["y"]
    assert bar == pytest.approx(run.cross_attn[0, 0, 2].tolist(), abs=1e-6)
    assert any(" ".join(run.steps[2].prefix) in m.value for m in app.markdown)


def test_beam_size_one_matches_greedy(app):
    app.slider(key="s2s_beam").set_value(1).run()
    assert not app.exception
    assert "Both found the same sentence." in [m.value for m in app.markdown]
    assert app.dataframe[0].value.shape[0] == 1


def test_layer_and_head_pickers(app, expected):
    run = expected(v.DEFAULT_SOURCE)
    app.selectbox(key="seq2seq_head_w").set_value(1).run()
    assert not app.exception
    assert np.allclose(_spec(app, ENC)["data"][0]["z"], run.encoder_attn[0, 1], atol=1e-6)
    assert "1 encoder and 2 decoder layers" in " ".join(c.value for c in app.caption)
    app.selectbox(key="seq2seq_layer_w").set_value(1).run()                        # the encoder has no layer 2
    assert not app.exception
    assert np.allclose(_spec(app, ENC)["data"][0]["z"], run.encoder_attn[0, 1], atol=1e-6)
    assert np.allclose(_spec(app, DEC)["data"][0]["z"][-1], run.decoder_attn[1, 1, -1], atol=1e-6)
    assert "Layer 2" in _spec(app, DEC)["layout"]["title"]["text"]


def test_examples_and_typing(app, expected):
    app.button(key="s2s_ex_1").click().run()
    assert app.text_input(key="s2s_text").value == v.EXAMPLES[1]
    assert app.metric[0].value == expected(v.EXAMPLES[1]).text
    app.text_input(key="s2s_text").input("FORTY-TWO").run()
    assert not app.exception
    assert any("lower-cased" in i.value for i in app.info)
    assert app.metric[0].value == expected("forty-two").text


@pytest.mark.parametrize("text, words", [("", "empty"), ("   ", "empty"), ("three 😀 hundred", "“😀”"),
                                         ("305", "“3” “0” “5”"), ("twelve\x00\x07", "control character"),
                                         ("nine " * 2000, "cut to fit")])
def test_bad_input_gets_a_message_not_an_exception(app, text, words):
    app.text_input(key="s2s_text").input(text).run()
    assert not app.exception
    messages = " ".join(m.value for m in list(app.warning) + list(app.info))
    assert words in messages
    if words == "empty":
        assert not app.get("plotly_chart")
    elif words.startswith("“"):                                                    # unknown characters
        assert not app.get("plotly_chart") and "It knows: ␣ - a b d e" in messages
    else:
        assert len(app.get("plotly_chart")) == 6


@pytest.mark.parametrize("lang, words", [("en", "English number words only"), ("zh", "只翻译英文数字单词")])
def test_words_that_are_no_number_get_the_word_list_not_a_guess(monkeypatch, root, lang, words):
    only_models(monkeypatch, root)
    at = _open(lang)
    at.text_input(key="s2s_text").input("hello world").run()
    assert not at.exception
    message = " ".join(w.value for w in at.warning)
    assert words in message and "“hello” “world”" in message and "seventeen, eighteen" in message
    assert not at.get("plotly_chart") and not at.metric                           # no decoded guess
    at.text_input(key="s2s_text").input("two million").run()
    assert not at.exception and not at.warning and len(at.get("plotly_chart")) == 6


def test_chinese_page(monkeypatch, root):
    only_models(monkeypatch, root)
    at = _open("zh")
    assert at.title[-1].value == "编码器-解码器：翻译数字"
    assert "2 · 带掩码的解码器自注意力" in [s.value for s in at.subheader]
    assert at.metric[0].label == "贪心解码输出"
    assert "最佳句子" in _spec(at, TREE)["data"][-1]["name"]
