"""The examples the BERT pages offer (ui/examples.py) come out right on the shipped default models, and each
page shows its model's measured scores (ui/model_facts.py)."""
from pathlib import Path

import pytest

from transformer_core import classroom as C
from transformer_core import load_pretrained
from ui import examples, model_facts
from ui.models import shipped_models

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"


def default_model(lang: str, kind: str):
    """The model a page opens with: the first shipped one of the language that can do ``kind``."""
    want = {"mlm": lambda s: s.has_mlm, "nsp": lambda s: s.has_nsp, "sentiment": lambda s: not s.has_mlm}[kind]
    source = next(s for s in shipped_models() if s.lang == lang and s.is_encoder and want(s)
                  and (kind != "sentiment" or s.architecture == "BertForSequenceClassification"))
    return source, *load_pretrained(source.folder)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_masked_lm_examples_are_in_the_default_models_top_5(lang):
    _, model, tokenizer = default_model(lang, "mlm")
    for sentence, answers in examples.mlm_cases(lang):
        guesses = C.mask_guesses(model, tokenizer, sentence, k=5)
        assert set(guesses) & set(answers), (sentence, guesses)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nsp_examples_are_judged_right(lang):
    _, model, tokenizer = default_model(lang, "nsp")
    for a, b, follows in examples.nsp_examples(lang):
        p = C.p_is_next(model, tokenizer, a, b)
        assert (p >= 0.5) == follows, (a, b, p)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sentiment_examples_are_classified_right(lang):
    _, model, tokenizer = default_model(lang, "sentiment")
    (neg,), (pos,) = C.classify(model, tokenizer, [examples.sentiment_example(lang, "neg")]), \
        C.classify(model, tokenizer, [examples.sentiment_example(lang, "pos")])
    assert neg[0] > 0.5 and pos[1] > 0.5


@pytest.mark.parametrize("kind", ["mlm", "nsp", "sentiment"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_default_model_shows_its_measured_scores(kind, lang):
    source, *_ = default_model(lang, kind)
    line = model_facts.facts(source.folder, kind, lang)
    assert line and "%" in line, (source.key, kind)
    assert "{" not in line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_shipped_gpts_show_their_measured_scores(lang):
    line = model_facts.facts(f"assets/models/gpt-{lang}", "gpt", lang)
    assert line and "%" in line and "{" not in line


def test_scores_keep_one_decimal(tmp_path):
    import json
    (tmp_path / "evaluation.json").write_text(json.dumps({"int8": {"accuracy": 0.8173, "examples": 197},
        "classroom": {"clear_accuracy": 1.0, "clear_sentences": 24, "bow_test_accuracy": 0.751}}))
    line = model_facts.facts(tmp_path, "sentiment", "en")
    assert "81.7%" in line and "75.1%" in line and "82%" not in line


def test_no_scores_for_a_folder_without_an_evaluation(tmp_path):
    assert model_facts.facts(tmp_path, "mlm", "en") is None
    (tmp_path / "evaluation.json").write_text("{not json", encoding="utf-8")
    assert model_facts.facts(tmp_path, "mlm", "en") is None


@pytest.mark.parametrize("name", ["sentiment-en", "sentiment-zh"])
def test_shipped_classifiers_name_their_classes(name):
    from ui.sentiment_view import label_names
    assert label_names(str(MODELS / name), 2) == (["negative", "positive"], True)
