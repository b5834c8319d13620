"""The compression page under AppTest, in both languages, on tiny models written to a temporary folder."""
from __future__ import annotations

import pytest
from apptest import open_app_page
from fixtures_models import SENTENCES, make_bert, make_classifier, only_models

from transformer_core.bert import BertForMaskedLM
from ui import compression_view as cv


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    make_bert(root / "tiny-mlm", SENTENCES * 5, cls=BertForMaskedLM, vocab_size=300, n_layers=2, n_heads=4,
              max_len=64, lang="en", label="tiny mlm")
    make_classifier(root / "tiny-sentiment", "en", "cls", "tiny sentiment", ["negative", "positive"])
    return root


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_measure_every_method_in_both_languages(monkeypatch, root, lang):
    only_models(monkeypatch, root)
    at = open_app_page("compression", lang, model="tiny-mlm")
    stored = cv.stored_distillation() is not None
    assert len(at.dataframe) == int(stored)                   # before the button: only the stored distillation
    if stored:
        assert any(("保存的测量结果" if lang == "zh" else "Stored measurement") in m.value for m in at.markdown)
    at.button(key="compression_measure").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value                             # the measurements come first
    assert len(table) == 7
    assert ("方法" if lang == "zh" else "Method") in table.columns
    assert at.get("plotly_chart")


def test_a_classifier_is_scored_on_sentiment(monkeypatch, root):
    only_models(monkeypatch, root)
    at = open_app_page("compression", "en", model="tiny-sentiment")
    assert any("Task: sentiment" in c.value for c in at.caption)
    at.slider(key="compression_k@en").set_value(2).run()
    at.button(key="compression_measure").click().run(timeout=300)
    assert not at.exception and len(at.dataframe[0].value) == 7
    assert "2 heads pruned" in list(at.dataframe[0].value["Method"])


def test_tiny_distillation_rerun(monkeypatch, root):
    only_models(monkeypatch, root)
    at = open_app_page("compression", "en", model="tiny-mlm")
    at.button(key="compression_rerun").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Live, tiny" in m.value for m in at.markdown)
