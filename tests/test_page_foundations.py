"""The three Foundations pages (tokenization, embeddings, positional encoding) driven with AppTest: they
render with the default model and with small injected ones, react to their controls, draw real numbers,
speak both languages, and answer bad input with a message instead of an exception."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app_page
from fixtures_models import make_bert
from streamlit.testing.v1 import AppTest

from ui.pages import PAGES

EN = ["the cat is playing with the ball", "players were playing in the park", "the dog was playing today",
      "tokenizers split words into pieces", "we play and they play"] * 3
ZH = ["注意力机制让模型关注重要的词。", "今天天气很好，我们去公园散步。", "模型学习词的意思。"] * 3
BAD = ["", "   \n\t ", "x" * 10_000, "🙂🍕🙂", "\x00\x07 hello \x1b", "mixed 中文 and English ☃"]


FOUNDATIONS = [page.url for page in PAGES if page.section == "frame.sec_foundations"]
pytestmark = pytest.mark.usefixtures("nothing_shipped")     # written against the random-weight default model


def make_model(root: Path, name: str, lang: str, texts: list[str], position: str = "learned") -> None:
    """A tiny random BERT with its own WordPiece vocabulary, saved as a model folder the app discovers."""
    make_bert(root / name, texts, lang=lang, label=name, n_heads=2, n_layers=1, max_len=40, position=position)


@pytest.fixture(scope="module")
def models_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    make_model(root, "tiny-en", "en", EN)
    make_model(root, "tiny-rotary", "en", EN, position="rotary")
    make_model(root, "tiny-zh", "zh", ZH)
    return root


def open_page(name: str, lang: str = "en", model: str | None = None, text: str | None = None) -> AppTest:
    return open_app_page(name, lang, model=model, text=text)


def spec(at: AppTest, i: int) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def grid_row(figure: dict, label: str) -> list[str]:
    """Every non-empty cell of the grid lines labelled ``label``, in reading order."""
    heat = figure["data"][0]
    axis = figure["layout"]["yaxis"]
    return [cell for y, name in zip(axis["tickvals"], axis["ticktext"], strict=True) if name == label
            for cell in heat["text"][y] if cell != ""]


# ── tokenization ─────────────────────────────────────────────────────────────────────────────────────

def test_tokenization_shows_pieces_types_mask_and_padding():
    at = open_page("tokenization")
    assert at.title[0].value == "Tokenization: from text to ids"
    assert len(at.get("plotly_chart")) == 4
    main = spec(at, 0)
    pieces = grid_row(main, "piece")
    assert pieces[0] == "[CLS]" and pieces.count("[SEP]") == 2 and "cat" in pieces
    types = grid_row(main, "token type")
    assert types == ["0"] * (pieces.index("[SEP]") + 1) + ["1"] * (len(pieces) - pieces.index("[SEP]") - 1)
    assert set(grid_row(main, "attention mask")) == {"1"}
    assert at.metric[1].value == str(len(pieces))
    n = len(pieces)
    at.slider(key="tok_pad").set_value(n + 5).run()
    padded = spec(at, 3)
    assert grid_row(padded, "piece")[n:] == ["[PAD]"] * 5
    assert grid_row(padded, "attention mask") == ["1"] * n + ["0"] * 5
    at.toggle(key="tok_use_pair").set_value(False).run()
    assert set(grid_row(spec(at, 0), "token type")) == {"0"}
    assert grid_row(spec(at, 0), "piece").count("[SEP]") == 1


def test_tokenization_explains_unknown_pieces_and_falls_back_for_chinese():
    at = open_page("tokenization", text="I love 🍕 so much")
    assert any("[UNK]" in w.value and "🍕" in w.value for w in at.warning)
    assert at.text_input(key="tok_other@zh").label == "An example in Chinese"
    other = grid_row(spec(at, 2), "piece")
    assert other.count("[UNK]") >= 10                   # the English-only vocabulary has no 汉字
    assert any("No Chinese model is installed" in c.value for c in at.caption)
    at.text_input(key="tok_other@zh").set_value("   ").run()
    assert not at.exception and any("Type a sentence first" in w.value for w in at.warning)


def test_tokenization_side_by_side_uses_a_chinese_model(models_root, monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_MODELS", str(models_root))
    at = open_page("tokenization", model="tiny-en")
    other = grid_row(spec(at, 2), "piece")
    assert other[1:4] == ["注", "意", "力"] and "[UNK]" not in other
    assert any("Tokenized by tiny-zh" in c.value for c in at.caption)
    at.sidebar.selectbox(key="model").set_value("tiny-zh").run()
    assert at.text_input(key="tok_other@en").value.startswith("Tokenizers")
    assert any("tiny-en" in c.value for c in at.caption)


# ── embeddings ───────────────────────────────────────────────────────────────────────────────────────

def test_embeddings_panels_add_up_and_layernorm_normalises():
    at = open_page("embeddings")
    parts = spec(at, 0)["data"]
    assert len(parts) == 4
    token, segment, position, summed = (np.array(p["z"]) for p in parts)
    np.testing.assert_allclose(token + segment + position, summed, atol=3e-4)
    assert parts[0]["x"][0] == 0 and len(parts[0]["x"]) == 64
    stats = spec(at, 2)["data"]                          # mean before / after, std before / after
    assert np.allclose(stats[1]["y"], 0, atol=1e-4) and np.allclose(stats[3]["y"], 1, atol=1e-3)
    at.selectbox(key="emb_window").set_value((64, 128)).run()
    assert spec(at, 0)["data"][0]["x"][0] == 64


def test_embeddings_map_and_neighbours():
    at = open_page("embeddings")
    vocab_map, bars = spec(at, 3), spec(at, 4)
    assert vocab_map["data"][0]["type"] == "scatter" and len(vocab_map["data"][0]["x"]) == 3000
    assert "cat" in vocab_map["data"][1]["text"]        # the sentence's pieces are highlighted
    cosines = bars["data"][0]["x"]
    assert len(cosines) == 10 and cosines == sorted(cosines, reverse=True) and max(cosines) <= 1.0
    at.text_input(key="emb_typed").set_value("cat").run()
    assert "“cat”" in spec(at, 4)["layout"]["title"]["text"]
    at.text_input(key="emb_typed").set_value("qzxqzxq🙂").run()
    assert not at.exception and any("not one piece" in w.value or "cannot be spelled" in w.value for w in at.warning)
    at.radio(key="emb_dims").set_value(3).run()
    assert spec(at, 3)["data"][0]["type"] == "scatter3d"


def test_embeddings_of_a_rotary_model_have_no_position_vector(models_root, monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_MODELS", str(models_root))
    at = open_page("embeddings", model="tiny-rotary")
    parts = spec(at, 0)
    assert len(parts["data"]) == 3
    assert any("rotary" in a["text"] for a in parts["layout"]["annotations"])
    assert "emb_window" not in [box.key for box in at.selectbox]    # d_model 32: one window, no select


# ── positional encoding ──────────────────────────────────────────────────────────────────────────────

def test_positions_sinusoids_learned_and_rotary():
    at = open_page("positions")
    charts = at.get("plotly_chart")
    assert len(charts) == 8
    table = np.array(spec(at, 1)["data"][0]["z"])
    assert table.shape == (100, 128) and np.abs(table).max() <= 1.0
    sim = np.array(spec(at, 2)["data"][0]["z"])
    np.testing.assert_allclose(sim, sim.T, atol=1e-6)
    offsets = [t["y"] for t in spec(at, 3)["data"]]
    assert len(offsets) == 3
    np.testing.assert_allclose(offsets[0], offsets[1], atol=1e-3)   # depends on the offset only
    np.testing.assert_allclose(offsets[0], offsets[2], atol=1e-3)
    learned = [t["y"] for t in spec(at, 6)["data"]]
    assert not np.allclose(learned[0][1:10], learned[1][1:10], atol=1e-2)   # random table: no such property
    assert any("neighbouring positions have mean cosine similarity" in m.value for m in at.markdown)
    rope = spec(at, 7)["data"]
    np.testing.assert_allclose(rope[0]["y"], rope[1]["y"], atol=1e-3)
    assert not np.allclose(rope[2]["y"], rope[3]["y"], atol=1e-1)
    at.slider(key="pos_n").set_value(40).run()
    assert np.array(spec(at, 1)["data"][0]["z"]).shape[0] == 40
    at.slider(key="pos_m2").set_value(150).run()
    assert "m = 150" in spec(at, 7)["data"][1]["name"]


def test_positions_of_a_rotary_model(models_root, monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_MODELS", str(models_root))
    at = open_page("positions", model="tiny-rotary")
    assert len(at.get("plotly_chart")) == 5                      # no learned table to draw
    assert any("no learned position table" in i.value for i in at.info)
    assert at.slider(key="pos_n").max == 40                       # the model's max_len


# ── both languages, bad input ────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("name", "title"), [("tokenization", "分词：从文本到 ID"),
                                             ("embeddings", "嵌入：从 ID 到向量"),
                                             ("positions", "位置编码：每个词在哪里？")])
def test_pages_in_chinese(name, title):
    at = open_page(name, lang="zh")
    assert at.title[0].value == title
    assert at.get("plotly_chart") and not at.error


@pytest.mark.parametrize("name", FOUNDATIONS)
def test_bad_input_gets_a_message_not_an_exception(name):
    at = open_page(name)
    for text in BAD:
        at.sidebar.text_area(key="text").set_value(text).run()
        assert not at.exception, repr(text[:20])
        if name != "positions" and not text.strip():
            assert any("Type a sentence first" in w.value for w in at.warning)
            assert not at.get("plotly_chart")
        if name != "positions" and len(text) > 5000:
            assert any("10,000 characters" in i.value for i in at.info)


@pytest.mark.parametrize("name", ["tokenization", "embeddings"])
def test_an_empty_or_invisible_second_sentence_is_left_out(name):
    at = open_page(name)
    at.sidebar.text_area(key="pair").set_value(" \x00\u200b ").run()
    assert not at.exception and not at.warning[1:] and at.get("plotly_chart")
    tokens = [t.split(" ", 1)[1] for t in spec(at, 0)["layout"]["yaxis"]["ticktext"]] if name == "embeddings" \
        else grid_row(spec(at, 0), "piece")
    assert tokens.count("[SEP]") == 1


def test_presentation_mode_renders():
    at = open_page("positions")
    at.sidebar.toggle(key="present").set_value(True).run()
    assert not at.exception
    assert spec(at, 0)["layout"]["font"]["size"] == pytest.approx(18)
