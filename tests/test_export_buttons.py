"""ui/st/export_buttons.py on the two attention pages (issue 14): the shown head's weights as CSV, the whole
trace as .npz, and on the multi-head page the bertviz view as one offline HTML file, in English and Chinese."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from apptest import open_app_page
from fixtures_models import make_bert

from ui import bertviz_offline as bv
from ui import export
from ui.st import export_buttons as eb

SENTENCES = ["the cat sat on the mat because it was tired", "the dog slept in the warm sun all day"] * 6
TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]", "it", "slept", "[SEP]"]
# what each page offers: (key, file suffix); None: a deferred download (the .npz is built on click)
OFFERS = {"attention-head": {"ah_csv": ".csv", "ah_npz": None},
          "multi-head": {"mh_csv": ".csv", "mh_npz": None, "mh_html": ".html"}}

pytestmark = pytest.mark.usefixtures("nothing_shipped")     # these tests inject their own small model


@pytest.fixture(scope="module")
def model_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    make_bert(root / "tiny-test", SENTENCES, vocab_size=150, n_heads=2, n_layers=3, max_len=128)
    return root


def label_of(key: str, lang: str) -> str:
    return export.TEXT(key.rpartition("_")[2], lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", sorted(OFFERS))
def test_both_attention_pages_offer_their_downloads(model_root, monkeypatch, page, lang):
    monkeypatch.setenv("ATTENTION_LAB_MODELS", str(model_root))
    at = open_app_page(page, lang=lang, text="the cat sat on the mat")
    assert at.session_state["model"] == "tiny-test"
    buttons = {b.proto.id.rpartition("-")[2]: b.proto for b in at.get("download_button")}
    for key, suffix in OFFERS[page].items():
        button = buttons[key]
        assert button.label == label_of(key, lang)
        if suffix is None:
            assert button.deferred_file_id                   # the trace is compressed only when clicked
        else:
            assert button.url.endswith(suffix)


def test_the_bertviz_download_is_offline(monkeypatch):
    """The file html_button hands the browser: bertviz's views with every script inlined, none fetched."""
    offered = {}
    monkeypatch.setattr(eb.st, "download_button",
                        lambda label, data, file_name, mime, key: offered.update({file_name: data}))
    weights = torch.rand(3, 2, len(TOKENS), len(TOKENS)).softmax(-1)               # (L, H, T, T)
    eb.html_button("en", bv.head_view_html(weights, TOKENS, 5), "tiny_bertviz-head", "h")
    eb.html_button("zh", bv.model_view_html(weights, TOKENS, 5), "tiny_bertviz-model", "m")
    assert sorted(offered) == ["tiny_bertviz-head.html", "tiny_bertviz-model.html"]
    for html in offered.values():
        assert html.startswith("<!DOCTYPE html>") and '"slept"' in html
        assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", html, flags=re.IGNORECASE)
        assert "d3js.org v5.7.0" in html and "jQuery v2.2.4" in html and "require.config" not in html
