"""ui/sentiment_view.py: the classifier run, both pooling routes, label names and the figures (no Streamlit)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from fixtures_models import make_classifier

from ui import models
from ui import sentiment_view as sv
from ui.encode import InputProblem


@pytest.fixture(scope="module")
def cls_model(tmp_path_factory):
    folder = make_classifier(tmp_path_factory.mktemp("m") / "sent-cls", "en", "cls", label_names=["negative",
                                                                                                   "positive"])
    return models.load(models.describe_folder(folder, "shipped", key="sent-cls"))


@pytest.fixture(scope="module")
def mean_model(tmp_path_factory):
    folder = make_classifier(tmp_path_factory.mktemp("m") / "sent-mean", "zh", "mean", seed=1)
    return models.load(models.describe_folder(folder, "shipped", key="sent-mean"))


def test_cls_pooling_vectors_are_the_ones_the_model_used(cls_model):
    run = sv.classify(cls_model, "A wonderful film.")
    model = cls_model.model
    ids = torch.tensor([run.encoded.ids])
    with torch.no_grad():
        h = model.bert(ids).last_hidden_state[0]                                   # (T, D)
        pooled = torch.tanh(model.bert.pooler(h[0]))
    assert run.has_pooler and run.pooling == "cls"
    assert np.allclose(run.cls_vector, pooled.numpy(), atol=1e-5)
    assert np.allclose(run.mean_vector, h.mean(0).numpy(), atol=1e-5)
    assert sum(run.probs) == pytest.approx(1.0, abs=1e-6)
    assert run.cls_probs == pytest.approx(run.probs, abs=1e-5)          # the model's own route
    assert run.mean_probs != pytest.approx(run.probs, abs=1e-5)         # the other vector says something else
    assert run.cosine == pytest.approx(sv.cosine(pooled.numpy(), h.mean(0).numpy()), abs=1e-6)


def test_mean_pooling_model_has_no_pooler_and_uses_the_mean(mean_model):
    run = sv.classify(mean_model, "这部电影非常好看")
    assert not run.has_pooler and run.pooling == "mean"
    assert run.mean_probs == pytest.approx(run.probs, abs=1e-5)
    rows = sv.vector_rows(run, ["a", "b"], "en")
    assert [r["trained on it?"] for r in rows] == ["no", "✓ yes"]
    assert rows[0]["how"] == "h_[CLS] (no pooler)"


def test_cls_attention_rows_are_distributions(cls_model):
    run = sv.classify(cls_model, "The food was cold and the service was slow.")
    L, H, T = run.cls_attention.shape
    assert (L, H, T) == (2, 4, len(run.tokens))
    assert np.allclose(run.cls_attention.sum(-1), 1.0, atol=1e-5)


def test_cosine_known_values():
    assert sv.cosine([1, 0], [0, 3]) == pytest.approx(0.0)
    assert sv.cosine([1, 2], [2, 4]) == pytest.approx(1.0)
    assert sv.cosine([1, 2], [-1, -2]) == pytest.approx(-1.0)
    assert sv.cosine([0, 0], [1, 1]) == 0.0                                        # no division by zero


def test_bad_input(cls_model):
    with pytest.raises(InputProblem) as err:
        sv.classify(cls_model, "  \n\t ")
    assert err.value.key == "input_empty"
    run = sv.classify(cls_model, "good " * 2000)                                   # 10,000 characters
    keys = [k for k, _ in run.encoded.notes]
    assert "note_chars_cut" in keys and "note_truncated" in keys
    assert len(run.tokens) == cls_model.config.max_len
    run = sv.classify(cls_model, "great\x00 film\x07 😀")
    assert "note_control_removed" in [k for k, _ in run.encoded.notes]
    assert "[UNK]" in run.tokens


def test_label_names_sources(tmp_path, cls_model, mean_model):
    assert sv.label_names(cls_model.source.folder, 2) == (["negative", "positive"], True)
    assert sv.label_names(mean_model.source.folder, 2) == (["class 0", "class 1"], False)   # LABEL_0 / LABEL_1
    assert sv.label_names(None, 3) == (["class 0", "class 1", "class 2"], False)
    folder = make_classifier(tmp_path / "trained", "zh", "mean")
    (folder / "trainer_state.json").write_text(json.dumps({"config": {"corpus": "sentiment-zh"}}), encoding="utf-8")
    assert sv.label_names(folder, 2) == (["negative", "positive"], True)           # from the shipped corpus manifest
    data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    data["attention_lab_card"]["label_names"] = ["bad", "good"]
    (folder / "config.json").write_text(json.dumps(data), encoding="utf-8")
    assert sv.label_names(folder, 2) == (["bad", "good"], True)                     # the card wins
    assert sv.label_names(folder, 3)[1] is False                                   # wrong count: not trusted


def test_default_classifier_follows_language():
    found = [models.ModelSource(k, k, None, models.CLASSIFIER, lang, "shipped") for k, lang in
             (("a", "en"), ("b", "zh"))]
    assert sv.default_classifier(found, "zh") == "b"
    assert sv.default_classifier(found, "en") == "a"
    assert sv.default_classifier(found[1:], "en") == "b"
    assert sv.default_classifier([], "en") is None
    seq = models.ModelSource("s", "s", None, models.SEQ2SEQ, "", "shipped")
    assert sv.classifiers(found + [seq]) == found


def test_show_label():
    assert sv.show_label("positive", "zh") == "正面 (positive)"
    assert sv.show_label("positive", "en") == "positive"
    assert sv.show_label("LABEL_7", "zh") == "LABEL_7"
    assert sv.show_label("class 2", "zh") == "类别 2" and sv.show_label("class 2", "en") == "class 2"


def test_figures_carry_the_numbers(cls_model):
    run = sv.classify(cls_model, "I loved every minute of this story.")
    probs = sv.probability_figure(run, ["negative", "positive"], "zh").to_dict()["data"][0]
    assert list(probs["y"]) == ["负面 (negative)", "正面 (positive)"]
    assert sum(probs["x"]) == pytest.approx(1.0, abs=1e-6)
    bar = sv.cls_attention_bar(run, 1, 2, "en").to_dict()
    assert bar["data"][0]["y"] == pytest.approx(run.cls_attention[1, 2].tolist())
    assert list(bar["layout"]["xaxis"]["ticktext"]) == run.tokens
    mean = sv.cls_attention_bar(run, 0, None, "en").to_dict()["data"][0]["y"]
    assert sum(mean) == pytest.approx(1.0, abs=1e-5)                                # the mean of distributions
    heat = sv.cls_attention_heatmap(run, 1, "en").to_dict()["data"][0]
    assert len(heat["z"]) == 4 and all(sum(row) == pytest.approx(1.0, abs=1e-5) for row in heat["z"])
    scatter = sv.vectors_figure(run, "en").to_dict()["data"][0]
    assert len(scatter["x"]) == 32 == len(scatter["y"])


def test_examples_are_offered_in_the_classifiers_language():
    assert sv.example_languages("en") == ["en"]
    assert sv.example_languages("zh") == ["zh"]
    assert sv.example_languages("") == ["en", "zh"]          # a folder whose language is not known: both
