"""The BERT vs GPT page under AppTest, in both languages, on tiny random models (a BERT with an MLM head and a
GPT of the same vocabulary per language); without a shipped GPT it says so."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from apptest import open_app_page
from fixtures_models import SENTENCES, _add_card, make_bert
from plotly_data import array

from transformer_core.checkpoint import save_pretrained
from transformer_core.gpt import GPTLMHeadModel, gpt_config
from transformer_core.tokenizer import load_tokenizer

PAGE = "bert-vs-gpt"


def make_gpt(folder: Path, bert_folder: Path, lang: str) -> Path:
    """A tiny random GPT that reads the BERT's own tokenizer, as the shipped pair does."""
    tokenizer = load_tokenizer(bert_folder)
    torch.manual_seed(0)
    config = gpt_config(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=2, n_heads=2, d_ff=64,
                        max_len=32, dropout=0.0, attn_dropout=0.0)
    save_pretrained(GPTLMHeadModel(config).eval(), folder, tokenizer)
    _add_card(folder, label=f"tiny GPT {lang}", language=lang)
    return folder


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    for lang in ("en", "zh"):
        bert = make_bert(root / f"bert-{lang}", SENTENCES, lang=lang, label=f"tiny BERT {lang}", max_len=32)
        make_gpt(root / f"gpt-{lang}", bert, lang)
    return root


@pytest.fixture
def shipped(monkeypatch, root):
    monkeypatch.setattr("ui.models.MODELS_ROOT", root)
    monkeypatch.setenv("ATTENTION_LAB_MODELS", "")
    monkeypatch.setattr("ui.models.hf_cache_models", lambda cache=None: [])


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("lang, text, words", [("en", "The cat sat on the mat.", "GPT writes"),
                                               ("zh", "今天天气很好。", "GPT 写作")])
def test_the_page_in_both_languages(lang, text, words):
    at = open_app_page(PAGE, lang, model=f"bert-{lang}", text=text)
    assert any(words in s.value for s in at.subheader)
    specs = charts(at)
    assert len(specs) == 4                                   # masks, weights, guesses, one generation step
    bert_mask, gpt_mask = array(specs[0]["data"][0]["z"]), array(specs[0]["data"][1]["z"])
    assert (bert_mask == 1).all() and (gpt_mask == np.tril(np.ones_like(gpt_mask))).all()
    gpt_weights = array(specs[1]["data"][1]["z"])                       # real weights: nothing above the diagonal
    assert np.abs(np.triu(gpt_weights, 1)).max() < 1e-9 and np.allclose(gpt_weights.sum(1), 1, atol=1e-3)
    assert at.markdown and at.dataframe[0].value.shape[0] >= 1
    assert not at.warning


@pytest.mark.usefixtures("shipped")
def test_regenerate_changes_the_seed_and_a_rerun_keeps_the_text():
    at = open_app_page(PAGE, "en", model="bert-en", text="The cat sat on the mat.")
    text = lambda: [m.value for m in at.markdown if m.value.startswith("**")][-1]          # noqa: E731
    first = text()
    at.run()
    assert text() == first                                   # a rerun does not draw again
    seeds = {0}
    for _ in range(3):
        at.button(key="bvg_regenerate").click().run()
        seeds.add(at.session_state["bert_vs_gpt.seed"])
    assert seeds == {0, 1, 2, 3}


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_inputs_get_messages_in_the_learners_language(lang):
    at = open_app_page(PAGE, lang, model=f"bert-{lang}", text=SENTENCES[2] if lang == "en" else SENTENCES[7])
    prompt = at.text_input(key=f"bvg_prompt_{lang}")
    prompt.set_value("   ").run()                            # empty prompt
    assert any(("beginning" if lang == "en" else "开头") in w.value for w in at.warning)
    at.text_input(key=f"bvg_prompt_{lang}").set_value("the cat sat").run()
    at.slider(key="bvg_temperature").set_value(0.0).run()    # temperature 0 → greedy
    assert any(("greedy" if lang == "en" else "贪心") in i.value for i in at.info)
    at.number_input(key="bvg_top_k").set_value(999_999).run()   # huge top-k
    assert any("999999" in i.value for i in at.info)
    at.text_input(key=f"bvg_prompt_{lang}").set_value("the cat sat on the mat " * 20).run()   # over-long prompt
    assert any("32" in i.value and "[CLS]" in i.value for i in at.info)
    assert not at.exception


@pytest.mark.usefixtures("nothing_shipped")
@pytest.mark.parametrize("lang, words", [("en", "No GPT is shipped"), ("zh", "还没有附带 GPT")])
def test_without_a_shipped_gpt_a_message(lang, words):
    at = open_app_page(PAGE, lang)
    assert any(words in i.value for i in at.info) and not at.get("plotly_chart")
