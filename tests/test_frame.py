"""The explorer's frame: URL state, input cleaning, model discovery, the home page and the shared sidebar."""
from __future__ import annotations

import json

import pytest
from apptest import open_app, page_file
from streamlit.testing.v1 import AppTest

from transformer_core import CheckpointError
from ui import models, state
from ui.encode import MAX_CHARS, InputProblem, clean, encode
from ui.examples import opening_pair
from ui.pages import PAGES


@pytest.fixture(scope="module")
def tokenizer():
    return models.load(models.random_source()).tokenizer


# ── URL state ───────────────────────────────────────────────────────────────────────────────────────

def test_url_values_parse_and_bad_ones_are_dropped():
    got = state.parse_params({"lang": "zh", "layer": "2", "head": "x", "masked": "3,1,oops,1", "present": "1",
                              "text": "hi", "unknown": "1", "model": "bert-mini-en"})
    assert got == {"lang": "zh", "layer": 1, "masked": (1, 3), "present": True, "text": "hi", "model": "bert-mini-en"}
    assert state.parse_params({"lang": "fr", "layer": "-1", "head": "99999"}) == {}
    assert state.parse_params({"layer": "0", "view": "nope", "query": "x"}) == {}     # layers count from 1


def test_url_round_trip_leaves_defaults_out():
    values = {**state.defaults("en"), "layer": 3, "masked": (2, 5), "text": "A short one."}
    params = state.to_params(values)
    assert params == {"text": "A short one.", "pair": opening_pair("en")[1], "layer": "4", "masked": "2,5"}
    back = state.parse_params(params)
    assert back["layer"] == 3 and back["masked"] == (2, 5) and back["text"] == "A short one."


# ── input cleaning ──────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None, "\x00\x07"])
def test_empty_text_is_refused_with_a_message_key(text):
    with pytest.raises(InputProblem) as err:
        clean(text)
    assert err.value.key == "input_empty"


def test_control_characters_are_removed_and_said(tokenizer):
    enc = encode(tokenizer, "the\x07 cat\u200b sat", None, 128)
    assert enc.text == "the cat sat"
    assert ("note_control_removed", {"n": 2}) in enc.notes


def test_ten_thousand_characters_are_cut_to_max_len(tokenizer):
    enc = encode(tokenizer, "the cat sat on the mat . " * 400, None, 128)
    assert len(enc.pieces) <= 128 and enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    keys = [k for k, _ in enc.notes]
    assert "note_chars_cut" in keys and "note_truncated" in keys
    assert dict(enc.notes)["note_chars_cut"]["limit"] == MAX_CHARS


def test_a_long_pair_shares_the_budget(tokenizer):
    enc = encode(tokenizer, "the cat sat on the mat . " * 30, "a dog ran . " * 30, 64)
    assert len(enc.pieces) <= 64
    segments = [p.segment for p in enc.pieces if not p.is_special]
    assert segments.count(0) > 10 and segments.count(1) > 10      # both sentences survive


def test_emoji_and_mixed_scripts_are_flagged_not_fatal(tokenizer):
    enc = encode(tokenizer, "I 😀 love 北京 and Москва", None, 128)
    assert any(p.is_unknown for p in enc.pieces)
    assert "note_unknown" in dict(enc.notes)


# ── model discovery ─────────────────────────────────────────────────────────────────────────────────

def test_folders_that_are_not_models_get_clear_messages(tmp_path):
    with pytest.raises(CheckpointError, match="no folder"):
        models.describe_folder(tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(CheckpointError, match="is a file"):
        models.describe_folder(tmp_path / "file.txt")
    with pytest.raises(CheckpointError, match="no config.json"):
        models.describe_folder(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="no weights"):
        models.describe_folder(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        models.describe_folder(tmp_path)


def test_random_model_only_when_no_encoder_is_shipped(tmp_path):
    assert [s.origin for s in models.available(root=tmp_path)] == ["random"]
    folder = tmp_path / "mine"
    loaded = models.load(models.random_source())
    from transformer_core import save_pretrained
    save_pretrained(loaded.model, folder, loaded.tokenizer)
    data = json.loads((folder / "config.json").read_text())
    data["attention_lab_card"] = {"label": "My BERT", "language": "en"}
    (folder / "config.json").write_text(json.dumps(data))
    found = models.available(root=tmp_path)
    assert [(s.key, s.label, s.lang, s.has_mlm) for s in found] == [("mine", "My BERT", "en", True)]
    again = models.load(found[0])
    assert again.config == loaded.config


# ── the app ─────────────────────────────────────────────────────────────────────────────────────────

def _app(**query) -> AppTest:
    return open_app(90, **query)


def test_home_renders_the_map_with_live_shapes():
    found = [s for s in models.available() if s.is_encoder]
    default = models.load(next((s for s in found if s.lang == "en" and s.has_mlm), found[0]))   # the app's first pick
    at = _app()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = " ".join(spec["data"][0]["text"])
    n, h = len(encode(default.tokenizer, opening_pair("en")[0]).pieces), default.config.n_heads
    assert "Multi-head" in labels and f"1 × {h} × {n} × {n}" in labels
    assert set(spec["data"][0]["customdata"]) >= {"tokenization", "mlm", "seq2seq", "multi-head"}


def test_a_shared_link_restores_language_sentence_and_layer():
    at = _app(lang="zh", text="你好世界", layer="2", masked="2")
    assert not at.exception
    s = at.session_state
    assert s["lang"] == "zh" and s["text"] == "你好世界" and s["layer"] == 1 and s["masked"] == (2,)
    assert at.title[0].value == "注意力实验室"


def test_opening_a_folder_that_is_not_a_model_explains_why(tmp_path):
    at = _app()
    at.sidebar.text_input(key="folder_path").set_value(str(tmp_path)).run()
    at.sidebar.button(key="open_folder").click().run()
    assert not at.exception
    assert any("no config.json" in e.value for e in at.sidebar.error)


def test_two_sessions_keep_their_own_sentence():
    one, two = _app(), _app()
    one.sidebar.text_area(key="text").set_value("first learner").run()
    two.sidebar.text_area(key="text").set_value("second learner").run()
    one.run()
    assert one.session_state["text"] == "first learner" and two.session_state["text"] == "second learner"


def test_empty_sentence_gets_a_message_on_home():
    at = _app()
    at.sidebar.text_area(key="text").set_value("   ").run()
    assert not at.exception
    assert any("empty" in w.value for w in at.warning)


def test_switching_language_follows_with_sentence_and_model_unless_chosen():
    at = _app()
    zh = [s for s in models.available() if s.lang == "zh" and s.has_mlm]
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.session_state["text"] == opening_pair("zh")[0]
    if zh:                                                  # with the shipped models: the Chinese BERT
        assert at.session_state["model"] == zh[0].key
    at.sidebar.text_area(key="text").set_value("my own words").run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.session_state["text"] == "my own words"        # what the learner typed stays


def test_a_chinese_link_opens_a_chinese_model():
    at = _app(lang="zh")
    zh = [s for s in models.available() if s.lang == "zh" and s.has_mlm]
    assert not zh or at.session_state["model"] == zh[0].key


# ── the classroom frame (issue 12.12, 12.13) ───────────────────────────────────────────────────────

def test_language_model_and_sentence_come_before_the_page_list():
    at = _app()
    order = [type(e).__name__ for e in at.sidebar]
    first_link = order.index("PageLink")
    assert order.index("Radio") < order.index("Selectbox") < order.index("TextArea") < first_link
    assert order.count("PageLink") == len(PAGES)                  # every page, listed below the learner's controls


def test_presentation_scaling_stays_inside_a_projector_view():
    from ui.st import page
    assert page.present_height(300) == 450 and page.present_height(560) == 560
    assert page.present_height(900) == page.PRESENT_LIMIT and page.present_height(None) is None
    assert page.wrap("a b c d e f", 5) == "a b c<br>d e f" and page.wrap("short", 60) == "short"
    assert page.wrap("a b c d e f<br>g", 5) == "a b c<br>d e f<br>g"
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=1, cols=2, subplot_titles=["a", "b"])
    big = page.for_projector(fig)
    assert big.layout.font.size == 18 and big.layout.annotations[0].font.size == 16 * 1.5
    assert fig.layout.font.size is None                                              # the original is untouched
    assert isinstance(big, go.Figure)


def test_a_present_link_opens_in_presentation_mode():
    at = _app(present="1")
    assert not at.exception and at.session_state["present"] is True
    assert at.sidebar.toggle(key="present").value is True
    assert any(".katex" in str(e.proto) for e in at.get("html"))          # formulas grow too


# ── shared links restore the whole view (issue 12.14) ───────────────────────────────────────────────

def test_layer_and_head_in_a_link_are_the_numbers_on_screen():
    values = {**state.defaults("en"), "layer": 1, "head": 0, "ah_query": 4, "mh_view": "model",
              "sentiment_model": "sentiment-zh"}
    params = state.to_params(values)
    assert params["layer"] == "2" and "head" not in params                 # "Layer 2, head 1"
    assert params["query"] == "4" and params["view"] == "model" and params["classifier"] == "sentiment-zh"
    back = state.parse_params(params)
    assert back == {k: v for k, v in values.items() if k in back} and back["layer"] == 1 and back["ah_query"] == 4


def test_a_link_opens_the_same_head_query_view_and_classifier():
    at = _app(layer="2", head="3", query="4")
    at.switch_page(page_file("attention-head")).run()
    assert not at.exception
    assert at.selectbox(key="attention_head_layer_w").value == 1                  # shown as "2"
    assert at.selectbox(key="attention_head_head_w").value == 2
    assert at.selectbox(key="ah_query").value == 4
    at = _app(view="model")
    at.switch_page(page_file("multi-head")).run()
    assert not at.exception and at.radio(key="mh_view").value == "model"
    if any(s.key == "sentiment-zh" for s in models.available()):
        at = _app(classifier="sentiment-zh")
        at.switch_page(page_file("sentiment")).run()
        assert not at.exception and at.selectbox(key="sentiment_model@en").value == "sentiment-zh"


def test_a_link_reopens_the_review_being_classified():
    """The fresh-eyes pass: a review typed on the Sentiment page was not in the link, so a reload lost it."""
    review = "The soup was cold and the waiter never came back."
    at = _app(review=review, text="A different sentence in the sidebar.")
    at.switch_page(page_file("sentiment")).run()
    assert not at.exception
    assert at.text_area(key="sentiment_text").value == review                   # the link's review, not the sidebar's
    at.text_area(key="sentiment_text").set_value("Lovely staff, great view.").run()
    kept = at.session_state["sentiment_review"]
    assert kept == "Lovely staff, great view." and state.to_params({"sentiment_review": kept})["review"] == kept
    at.sidebar.text_area(key="text").set_value("Now the sidebar changes.").run()
    assert at.text_area(key="sentiment_text").value == "Now the sidebar changes."       # then it follows the sidebar


def test_home_map_draws_the_encoder_feeding_every_decoder_layer():
    """Issue 12.11: the encoder-decoder was a straight chain, and BERT's layer box took in the NSP head."""
    from transformer_core import TransformerConfig
    from ui import home_view as hv
    fig = hv.map_figure(TransformerConfig(vocab_size=100, d_model=64, n_heads=4, n_layers=4, d_ff=128), 9)
    found = {b.key: b for b in hv.blocks(TransformerConfig(vocab_size=100, d_model=64, n_heads=4, n_layers=4,
                                                           d_ff=128), 9)}
    assert "target" in found and found["target"].y == hv.SEQ_Y
    lines = [t for t in fig.data if t.mode == "lines"]
    enc, cross = found["encoder"], found["cross"]
    assert any(t.x[0] == enc.x and t.x[-1] == cross.x for t in lines)           # encoder output → cross-attention
    nsp = found["nsp"]
    boxes = [s for s in fig.layout.shapes if s.line.dash == "dash" and s.y0 > 1]
    assert all(s.x1 < nsp.x - 0.6 for s in boxes)                               # the layer box leaves the heads out
    label = next(a for a in fig.layout.annotations if a.text == "× 4 layers")
    assert label.xanchor == "left" and label.x < found["mha"].x


def test_a_link_opens_the_encoder_decoder_with_its_source_and_beam_size():
    got = state.parse_params({"source": "two million", "beam": "3"})
    assert got == {"s2s_value": "two million", "s2s_beam": 3}
    assert state.parse_params({"beam": "99"}) == {} and state.to_params(got) == {"source": "two million", "beam": "3"}
    at = _app(source="seventeen", beam="2")
    at.switch_page(page_file("seq2seq")).run()
    assert not at.exception
    assert at.text_input(key="s2s_text").value == "seventeen" and at.slider(key="s2s_beam").value == 2
