"""The two attention pages under AppTest, on a small injected model (3 layers × 2 heads): they render, follow
the controls with the model's real numbers, survive bad input, embed bertviz offline, and speak both languages."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app_page
from fixtures_models import make_bert
from plotly_data import array
from streamlit.testing.v1 import AppTest

from ui import attention_view as av
from ui import models
from ui import multihead_view as mv
from ui.st.session import bert_forward

SENTENCES = ["the cat sat on the mat because it was tired", "the dog slept in the warm sun all day",
             "cats and dogs play together in the garden", "a tired cat sleeps on a warm mat"] * 3
SHORT = "the cat sat on the mat"                                   # [CLS] + 6 + [SEP] = 8 pieces: tables
LONG = "the cat sat on the mat because it was tired and the dog slept in the warm sun"   # > 16: heatmaps
L, H = 3, 2
BAD = ["", "   \n\t ", "😀🎉👍", "abc\x00\x07\x1b def", "x" * 10_000, "Hello 你好 مرحبا Привет", "\u200b\u200e"]


pytestmark = pytest.mark.usefixtures("nothing_shipped")     # these tests inject their own small model


@pytest.fixture(scope="module")
def model_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    make_bert(root / "tiny-test", SENTENCES, vocab_size=150, n_heads=H, n_layers=L, max_len=128)
    return root


@pytest.fixture(scope="module")
def reference(model_root):
    """The same model loaded outside the app: the numbers the pages must show."""
    loaded = models.load(models.describe_folder(model_root / "tiny-test", "shipped", key="tiny-test"))
    return loaded, lambda text, pair=None: bert_forward(loaded, text, pair)


def open_page(model_root, monkeypatch, page: str, text: str | None = None) -> AppTest:
    monkeypatch.setenv("ATTENTION_LAB_MODELS", str(model_root))
    at = open_app_page(page)
    if text is not None:
        at.session_state["text"] = text
        at.run()
    assert not at.exception
    assert at.session_state["model"] == "tiny-test"
    return at


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def weights_of(run) -> np.ndarray:
    return run.trace.attentions[:, 0].numpy()                     # (L, H, T, T)


# ── one head, step by step ─────────────────────────────────────────────────────────────────────────

def test_short_sentence_shows_tables_with_the_real_numbers(model_root, monkeypatch, reference):
    at = open_page(model_root, monkeypatch, "attention-head", SHORT)
    w = weights_of(reference[1](SHORT))
    assert len(at.dataframe) == 8                                  # X, Q, K, V, QKᵀ, ÷√d_k, softmax, ·V
    table = at.dataframe[6].value                                  # the softmax weights, layer 1 head 1
    np.testing.assert_allclose(table.to_numpy(), np.round(w[0, 0], 3), atol=1e-3)
    assert list(table.index)[:3] == ["0 [CLS]", "1 the", "2 cat"]
    (bar,) = charts(at)
    np.testing.assert_allclose(bar["data"][0]["y"], w[0, 0, 1], atol=1e-4)   # default query: the first word
    assert "Every row sums to 1" in at.success[0].value
    assert "softmax" in at.latex[0].value and r"\sqrt{d_k}" in at.latex[0].value


def test_layer_head_and_query_pickers_change_the_numbers(model_root, monkeypatch, reference):
    at = open_page(model_root, monkeypatch, "attention-head", SHORT)
    at.selectbox(key="attention_head_layer_w").set_value(2)
    at.selectbox(key="attention_head_head_w").set_value(1)
    at.selectbox(key="ah_query").set_value(4).run()
    assert not at.exception
    w = weights_of(reference[1](SHORT))
    (bar,) = charts(at)
    np.testing.assert_allclose(bar["data"][0]["y"], w[2, 1, 4], atol=1e-4)
    assert not np.allclose(w[2, 1, 4], w[0, 0, 1], atol=1e-4)
    assert "4 on" in bar["layout"]["title"]["text"]
    assert at.session_state["layer"] == 2 and at.session_state["head"] == 1    # shared with the other pages


def test_long_sentence_uses_heatmaps_with_the_query_framed(model_root, monkeypatch, reference):
    at = open_page(model_root, monkeypatch, "attention-head", LONG)
    run = reference[1](LONG)
    T = len(run.encoded.tokens)
    assert T > av.SMALL_T and not at.dataframe
    heatmaps = [c for c in charts(at) if c["data"][0]["type"] == "heatmap"]
    assert len(heatmaps) == 8
    weights = array(heatmaps[6]["data"][0]["z"])
    np.testing.assert_allclose(weights, weights_of(run)[0, 0], atol=1e-4)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=2e-3)
    assert heatmaps[6]["layout"]["shapes"][0]["y0"] == 0.5                    # query 1's row
    assert "Every row sums to 1" in at.success[0].value


def test_variants_show_self_attention_and_saturation(model_root, monkeypatch, reference):
    at = open_page(model_root, monkeypatch, "attention-head", SHORT)
    at.toggle(key="ah_unprojected").set_value(True)
    at.toggle(key="ah_unscaled").set_value(True).run()
    assert not at.exception
    figs = charts(at)
    maps = [f for f in figs if f["data"][0]["type"] == "heatmap"]
    assert len(maps) == 4                                                     # real | variant, twice
    unprojected = array(maps[1]["data"][0]["z"])
    assert (unprojected.argmax(-1) == np.arange(len(unprojected))).all()     # every token looks at itself
    share = next(m.value for m in at.markdown if "gives itself" in m.value)
    real, variant = (float(x) for x in re.findall(r"([\d.]+)%", share))
    assert variant > 50 > real
    saturation = at.dataframe[-1].value
    assert saturation.iloc[1, 0] <= saturation.iloc[0, 0] and saturation.iloc[1, 1] >= saturation.iloc[0, 1]
    variance = next(f for f in figs if f["layout"].get("xaxis", {}).get("type") == "log")
    raw = variance["data"][0]["y"]
    assert raw[-1] > 500 and 0.8 < variance["data"][1]["y"][-1] < 1.2        # Var grows with d_k; scaled ≈ 1


@pytest.mark.parametrize("page", ["attention-head", "multi-head"])
def test_bad_input_gets_a_message_not_an_exception(model_root, monkeypatch, page):
    at = open_page(model_root, monkeypatch, page)
    for text in BAD:
        at.session_state["text"] = text
        at.run()
        assert not at.exception, repr(text[:20])
        said = " ".join(e.value for e in [*at.warning, *at.info])
        if not text.strip() or text == "\u200b\u200e":
            assert "Type a sentence first" in said and not at.get("plotly_chart")
    at.session_state["text"] = "x" * 10_000
    at.run()
    assert "only the first 5,000 are used" in " ".join(i.value for i in at.info)


@pytest.mark.parametrize("page, title, phrase", [("attention-head", "单个注意力头，逐步计算", "查询词元"),
                                                 ("multi-head", "多头注意力", "每一层的每一个头")])
def test_pages_speak_chinese(model_root, monkeypatch, page, title, phrase):
    at = open_page(model_root, monkeypatch, page)
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert not at.exception
    assert any(t.value == title for t in at.title)
    shown = " ".join([*(m.value for m in at.markdown), *(s.label for s in at.selectbox),
                      *(s.value for s in at.subheader)])
    assert phrase in shown


# ── multi-head ──────────────────────────────────────────────────────────────────────────────────────

def test_grid_and_selected_head_show_every_head(model_root, monkeypatch, reference):
    at = open_page(model_root, monkeypatch, "multi-head", SHORT)
    w = weights_of(reference[1](SHORT))
    grid, head, concat = charts(at)
    (mosaic,) = [d for d in grid["data"] if d["type"] == "heatmap"]              # one map, a block per head
    z, t = array(mosaic["z"]), w.shape[-1]
    for i in range(L * H):
        block = z[(i // H) * (t + 1):(i // H) * (t + 1) + t, (i % H) * (t + 1):(i % H) * (t + 1) + t]
        np.testing.assert_allclose(block, w[i // H, i % H], atol=1e-3)
        np.testing.assert_allclose(block.sum(-1), 1.0, atol=3e-3)
    np.testing.assert_allclose(array(head["data"][0]["z"]), w[0, 0], atol=1e-4)
    assert len(concat["data"]) == H + 1                                         # one colour per head, then · W_O
    check = next(c.value for c in at.caption if "recorded forward pass" in c.value)
    assert all(float(x) < 1e-4 for x in re.findall(r"at most (\d\.\de[+-]\d+)", check))


def test_bertviz_is_embedded_offline(model_root, monkeypatch):
    at = open_page(model_root, monkeypatch, "multi-head", SHORT)
    (frame,) = at.get("iframe")
    html = frame.proto.srcdoc
    assert "d3js.org v5.7.0" in html and "jQuery v2.2.4" in html
    assert not re.search(r"<script[^>]*src=", html) and "cdnjs" not in html and "require.config" not in html
    assert '"[CLS]"' in html and '"mat"' in html
    at.radio(key="mh_view").set_value("model").run()
    assert not at.exception and '"display_mode": "light"' in at.get("iframe")[0].proto.srcdoc
    at.toggle(key="mh_pair").set_value(True).run()
    assert not at.exception and "Sentence A -> Sentence B" in at.get("iframe")[0].proto.srcdoc


def test_words_toggle_merges_word_pieces(model_root, monkeypatch, reference):
    text = "the gardener watched sleepy cats"
    at = open_page(model_root, monkeypatch, "multi-head", text)
    at.toggle(key="mh_words").set_value(True).run()
    assert not at.exception
    loaded, forward = reference
    run = forward(text)
    groups, _ = mv.word_groups(loaded.tokenizer, run.encoded)
    assert len(groups) < len(run.encoded.tokens)
    head = charts(at)[1]
    z = array(head["data"][0]["z"])
    np.testing.assert_allclose(z, mv.aggregate(weights_of(run)[0, 0], groups), atol=1e-4)
    np.testing.assert_allclose(z.sum(-1), 1.0, atol=1e-3)
    assert "gardener" in " ".join(head["layout"]["yaxis"]["ticktext"])


def test_long_input_draws_top_k_lines_instead_of_bertviz(model_root, monkeypatch):
    text = " ".join(SENTENCES[:8])
    at = open_page(model_root, monkeypatch, "multi-head", text)
    assert not at.get("iframe") and "k strongest lines" in at.info[0].value
    T = int(re.search(r"has (\d+) tokens", at.info[0].value).group(1))
    assert T > mv.LONG_T

    def segments() -> int:                                    # line segments are separated by None
        return sum(d["x"].count(None) for c in charts(at) for d in c["data"] if d.get("mode") == "lines")
    assert segments() == 3 * T
    at.slider(key="mh_k").set_value(5).run()
    assert not at.exception and segments() == 5 * T
